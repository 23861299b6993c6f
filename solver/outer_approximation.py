"""Outer approximation: linear cuts that keep the LP a relaxation of convex smooth rows.

For a convex ``f`` and any point ``p``, ``f(p) + ∇f(p)·(x - p) <= f(x)``, so the row
``f(x) <= u`` implies the linear row ``∇f(p)·x <= u - f(p) + ∇f(p)·p`` everywhere: the cut
is valid in every node. A concave ``f`` gives the mirrored cut for ``f(x) >= l``. Rows whose
side is not convex never get cuts here (they would cut off feasible points)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from branchwise.problem import Problem
from branchwise.tolerances import OA_VIOLATION

#: Gradient entries below this (relative to the row's largest) are dropped from a cut,
#: with the right-hand side relaxed by their largest possible contribution.
_TINY_COEFFICIENT = 1e-12


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
        self.blocks = [(block, *block.convex_sides()) for block in problem.nonlinear]
        self.generated = 0

    def cuts(self, x: np.ndarray, lower: np.ndarray, upper: np.ndarray,
             threshold: float = OA_VIOLATION) -> Cuts | None:
        """Cuts at ``x`` for every convex side whose scaled violation there exceeds
        ``threshold`` (a negative threshold also linearises nearly active sides, as at an
        NLP optimum); None when there is nothing to add. ``lower``/``upper`` (the global
        column bounds) let tiny coefficients be dropped safely."""
        pieces = [self._block_cuts(block, upper_ok, lower_ok, x, lower, upper, threshold)
                  for block, upper_ok, lower_ok in self.blocks]
        pieces = [p for p in pieces if p is not None]
        if not pieces:
            return None
        cuts = Cuts(sp.vstack([p.rows for p in pieces], format="csr"),
                    np.concatenate([p.lower for p in pieces]),
                    np.concatenate([p.upper for p in pieces]))
        self.generated += cuts.count
        return cuts

    def _block_cuts(self, block, upper_ok: np.ndarray, lower_ok: np.ndarray, x: np.ndarray,
                    col_lower: np.ndarray, col_upper: np.ndarray,
                    threshold: float) -> Cuts | None:
        with np.errstate(all="ignore"):
            values = block.function.value(x)
        if not np.all(np.isfinite(values)):
            return None
        scale_up = np.maximum(1.0, np.abs(np.where(np.isfinite(block.upper), block.upper, 0)))
        scale_lo = np.maximum(1.0, np.abs(np.where(np.isfinite(block.lower), block.lower, 0)))
        above = np.flatnonzero(np.isfinite(block.upper) & upper_ok
                               & ((values - block.upper) / scale_up > threshold))
        below = np.flatnonzero(np.isfinite(block.lower) & lower_ok
                               & ((block.lower - values) / scale_lo > threshold))
        if above.size == 0 and below.size == 0:
            return None
        jacobian = sp.csr_matrix(block.function.jacobian(x))
        pieces = []
        for rows, sign, bound in ((above, 1.0, block.upper), (below, -1.0, block.lower)):
            if rows.size:
                gradient = sign * jacobian[rows]
                rhs = sign * (bound[rows] - values[rows]) + gradient @ x
                if sign > 0:
                    gradient, rhs = self._integer_secants(block.function, rows, gradient, rhs, x)
                pieces.append(_clean(gradient, rhs, col_lower, col_upper))
        rows = sp.vstack([p[0] for p in pieces], format="csr")
        rhs = np.concatenate([p[1] for p in pieces])
        keep = (np.diff(rows.indptr) > 0) & np.isfinite(rhs)
        if not keep.any():
            return None
        return Cuts(rows[keep], np.full(int(keep.sum()), -np.inf), rhs[keep])


    def _integer_secants(self, function, rows: np.ndarray, gradient: sp.csr_matrix,
                         rhs: np.ndarray, x: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
        """Strengthen upper-side cuts: a term ``½h·x_j²`` (h > 0) of an integer column
        alone in its row lies above its secant between ``k = floor(x_j)`` and ``k + 1`` at
        every integer, so the secant replaces the tangent at ``x_j``."""
        if not hasattr(function, "separable_squares"):
            return gradient, rhs
        gradient = sp.lil_matrix(gradient)
        rhs = rhs.copy()
        for k, row in enumerate(rows):
            cols, h = function.separable_squares(int(row))
            use = self.problem.integrality[cols] & (h > 0)
            for j, hj in zip(cols[use], h[use], strict=True):
                floor = math.floor(x[j])
                gradient[k, j] += 0.5 * hj * (2 * floor + 1) - hj * x[j]
                rhs[k] += 0.5 * hj * (floor * (floor + 1) - x[j] ** 2)
        return sp.csr_matrix(gradient), rhs


def _clean(gradient: sp.csr_matrix, rhs: np.ndarray, lower: np.ndarray,
           upper: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """``gradient @ x <= rhs`` with negligible coefficients removed and the right-hand
    side loosened by what they could contribute (so the cut stays valid)."""
    gradient = sp.csr_matrix(gradient, copy=True)
    rhs = rhs.copy()
    row_of = np.repeat(np.arange(gradient.shape[0]), np.diff(gradient.indptr))
    largest = np.zeros(gradient.shape[0])
    np.maximum.at(largest, row_of, np.abs(gradient.data))
    tiny = np.abs(gradient.data) < _TINY_COEFFICIENT * np.maximum(largest[row_of], 1e-300)
    if tiny.any():
        cols, coef = gradient.indices[tiny], gradient.data[tiny]
        worst = np.where(coef > 0, coef * lower[cols], coef * upper[cols])
        np.add.at(rhs, row_of[tiny], -np.where(np.isfinite(worst), worst, -np.inf))
        gradient.data[tiny] = 0.0
        gradient.eliminate_zeros()
    return gradient, rhs
