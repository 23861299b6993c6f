"""Outer approximation: linear cuts that keep the LP a relaxation of convex smooth rows.

For a convex ``f`` and any point ``p``, ``f(p) + ∇f(p)·(x - p) <= f(x)``, so the row
``f(x) <= u`` implies the linear row ``∇f(p)·x <= u - f(p) + ∇f(p)·p`` everywhere: the cut
is valid in every node. A concave ``f`` gives the mirrored cut for ``f(x) >= l``. Rows whose
side is not convex never get cuts here (they would cut off feasible points)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from branchwise.core.problem import Problem
from branchwise.core.tolerances import OA_VIOLATION, scaled

#: Gradient entries below this (relative to the row's largest) are dropped from a cut,
#: with the right-hand side relaxed by their largest possible contribution.
_TINY_COEFFICIENT = 1e-12
#: Points tried along an unbounded LP's ray, each twice as far as the one before.
_RAY_DOUBLINGS = 60
#: A cut ends a ray when its left side grows along it by at least this fraction of the
#: largest coefficient times the largest ray entry (less is the LP's rounding).
_RAY_GROWTH = 1e-9


@dataclass
class Cuts:
    """Linear rows ``lower <= rows @ x <= upper``."""

    rows: sp.csr_matrix
    lower: np.ndarray
    upper: np.ndarray

    @property
    def count(self) -> int:
        return self.rows.shape[0]


class OuterApproximation:
    """Linearises the problem's convex nonlinear row sides at given points."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.blocks = [(block, *block.convex_sides(), _integer_squares(block, problem))
                       for block in problem.nonlinear]
        self.generated = 0

    def cuts(self, x: np.ndarray, lower: np.ndarray, upper: np.ndarray,
             threshold: float = OA_VIOLATION) -> Cuts | None:
        """Cuts at ``x`` for every convex side whose scaled violation there exceeds
        ``threshold`` (a negative threshold also linearises nearly active sides, as at an
        NLP optimum); None when there is nothing to add. ``lower``/``upper`` (the global
        column bounds) let tiny coefficients be dropped safely."""
        cuts = self._collect(x, lower, upper, threshold)
        if cuts is not None:
            self.generated += cuts.count
        return cuts

    def ray_cuts(self, point: np.ndarray, ray: np.ndarray, lower: np.ndarray,
                 upper: np.ndarray) -> Cuts | None:
        """Cuts that end an unbounded LP's ray: linearisations at the first point
        ``point + s·ray`` (``s`` doubling from the scale of ``point``) where a convex side
        is violated, kept where the cut's left side grows along ``ray``, so that the LP can
        no longer follow it. None when no such point is found: the nonlinear rows may then
        allow the whole ray."""
        step = max(1.0, float(np.abs(point).max(initial=0.0))) / float(np.abs(ray).max())
        for _ in range(_RAY_DOUBLINGS):
            far = point + step * ray
            if not np.all(np.isfinite(far)):
                return None
            cuts = self._collect(far, lower, upper, OA_VIOLATION)
            if cuts is not None:
                growth = cuts.rows @ ray
                size = abs(cuts.rows).max(axis=1).toarray().ravel() * np.abs(ray).max()
                keep = growth > _RAY_GROWTH * size
                if keep.any():
                    self.generated += int(keep.sum())
                    return Cuts(cuts.rows[keep], cuts.lower[keep], cuts.upper[keep])
            step *= 2.0
        return None

    def _collect(self, x: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                 threshold: float) -> Cuts | None:
        """Every block's cuts at ``x`` as one set (None when there are none)."""
        pieces = [self._block_cuts(*entry, x, lower, upper, threshold) for entry in self.blocks]
        pieces = [p for p in pieces if p is not None]
        if not pieces:
            return None
        return Cuts(sp.vstack([p.rows for p in pieces], format="csr"),
                    np.concatenate([p.lower for p in pieces]),
                    np.concatenate([p.upper for p in pieces]))

    def _block_cuts(self, block, upper_ok: np.ndarray, lower_ok: np.ndarray,
                    squares: dict[int, tuple[np.ndarray, np.ndarray]], x: np.ndarray,
                    col_lower: np.ndarray, col_upper: np.ndarray,
                    threshold: float) -> Cuts | None:
        with np.errstate(all="ignore"):
            values = block.function.value(x)
        if not np.all(np.isfinite(values)):
            return None
        above = np.flatnonzero(np.isfinite(block.upper) & upper_ok
                               & (scaled(values - block.upper, block.upper) > threshold))
        below = np.flatnonzero(np.isfinite(block.lower) & lower_ok
                               & (scaled(block.lower - values, block.lower) > threshold))
        if above.size == 0 and below.size == 0:
            return None
        jacobian = sp.csr_matrix(block.function.jacobian(x))
        rows = np.concatenate([above, below])
        sign = np.concatenate([np.ones(above.size), -np.ones(below.size)])
        gradient = sign[:, None] * jacobian[rows].toarray()
        bound = np.concatenate([block.upper[above], block.lower[below]])
        rhs = sign * (bound - values[rows]) + gradient @ x
        for k, row in enumerate(above):
            if row in squares:
                _apply_secants(gradient[k], rhs, k, *squares[row], x)
        rhs = _drop_tiny(gradient, rhs, col_lower, col_upper)
        keep = np.any(gradient != 0.0, axis=1) & np.isfinite(rhs)
        if not keep.any():
            return None
        return Cuts(sp.csr_matrix(gradient[keep]), np.full(int(keep.sum()), -np.inf), rhs[keep])


def _integer_squares(block, problem: Problem) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per row of ``block``: its separable squares ``½h·x_j²`` (h > 0) on integer columns."""
    if not hasattr(block.function, "separable_squares"):
        return {}
    squares = {}
    for row in range(block.n_rows):
        cols, h = block.function.separable_squares(row)
        use = problem.integrality[cols] & (h > 0)
        if use.any():
            squares[row] = (cols[use], h[use])
    return squares


def _apply_secants(gradient: np.ndarray, rhs: np.ndarray, k: int, cols: np.ndarray,
                   h: np.ndarray, x: np.ndarray) -> None:
    """Strengthen an upper-side cut in place: a term ``½h·x_j²`` of an integer column alone
    in its row lies above its secant between ``f = floor(x_j)`` and ``f + 1`` at every
    integer, so that secant replaces the tangent at ``x_j``."""
    floor = np.floor(x[cols])
    gradient[cols] += 0.5 * h * (2 * floor + 1) - h * x[cols]
    rhs[k] += float(np.sum(0.5 * h * (floor * (floor + 1) - x[cols] ** 2)))


def _drop_tiny(gradient: np.ndarray, rhs: np.ndarray, lower: np.ndarray,
               upper: np.ndarray) -> np.ndarray:
    """Zero the negligible coefficients of the cuts ``gradient @ x <= rhs`` (in place) and
    return the right-hand sides loosened by what those terms could contribute, so every
    cut stays valid."""
    largest = np.abs(gradient).max(axis=1, keepdims=True)
    tiny = (gradient != 0.0) & (np.abs(gradient) < _TINY_COEFFICIENT * largest)
    if not tiny.any():
        return rhs
    coef = np.where(tiny, gradient, 0.0)
    with np.errstate(invalid="ignore"):
        least = np.where(coef > 0, coef * lower, np.where(coef < 0, coef * upper, 0.0))
    least = np.where(np.isnan(least), -np.inf, least)
    gradient[tiny] = 0.0
    return rhs - least.sum(axis=1)
