"""Smooth nonlinear rows of a :class:`~branchwise.core.problem.Problem`: plain data that the
modeling layer builds, the readers fill and the solver linearises.

A block of rows is ``lower <= f(x) <= upper`` for a smooth ``f: R^n -> R^m`` that can give
its values, its sparse Jacobian and, per row, whether it is convex or concave. The solver
only relies on those three things (see :class:`SmoothFunction`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from branchwise.core.tolerances import bound_excess

#: A quadratic form counts as positive semidefinite when its least eigenvalue is above
#: ``-CURVATURE_TOLERANCE·max(1, largest |eigenvalue|)``.
CURVATURE_TOLERANCE = 1e-9


class SmoothFunction(Protocol):
    """``f: R^n -> R^m``, continuously differentiable where it is defined."""

    n_out: int

    def value(self, x: np.ndarray) -> np.ndarray:
        """``f(x)``, shape ``(m,)``; NaN or inf where ``x`` is outside the domain."""

    def jacobian(self, x: np.ndarray) -> sp.csr_matrix:
        """The ``(m, n)`` Jacobian at ``x``."""

    def curvature(self) -> tuple[np.ndarray, np.ndarray]:
        """Two boolean arrays of shape ``(m,)``: which rows are convex and which concave
        over the function's whole domain (an affine row is both; unknown is neither)."""

    def columns(self) -> np.ndarray:
        """The columns ``f`` depends on (sorted, unique)."""


class QuadraticFunction:
    """``f_i(x) = ½ xᵀ Q_i x + a_i·x + b_i`` for ``i < m``, each ``Q_i`` symmetric ``n × n``."""

    def __init__(self, hessians: list[sp.spmatrix], linear: sp.spmatrix,
                 constant: np.ndarray | None = None) -> None:
        self.linear = sp.csr_matrix(linear, dtype=float)
        self.n_out, self.n = self.linear.shape
        if len(hessians) != self.n_out:
            raise ValueError("one Hessian per row is needed")
        self.hessians = [sp.csr_matrix(h, dtype=float, shape=(self.n, self.n)) for h in hessians]
        for h in self.hessians:
            asymmetry = abs(h - h.T)
            if asymmetry.nnz and asymmetry.max() > 1e-12 * max(1.0, abs(h).max()):
                raise ValueError("a quadratic row's Hessian must be symmetric")
        self.constant = (np.zeros(self.n_out) if constant is None
                         else np.asarray(constant, dtype=float).reshape(self.n_out))
        self._curvature: tuple[np.ndarray, np.ndarray] | None = None

    def value(self, x: np.ndarray) -> np.ndarray:
        quadratic = np.array([0.5 * x @ (h @ x) for h in self.hessians])
        return quadratic + self.linear @ x + self.constant

    def jacobian(self, x: np.ndarray) -> sp.csr_matrix:
        return sp.csr_matrix(self.gradients(x))

    def gradients(self, x: np.ndarray) -> np.ndarray:
        """Each row's gradient ``Q_i x + a_i``, as a dense ``(m, n)`` array."""
        quadratic = np.vstack([h @ x for h in self.hessians]) if self.n_out \
            else np.zeros((0, self.n))
        return quadratic + self.linear.toarray()

    def curvature(self) -> tuple[np.ndarray, np.ndarray]:
        if self._curvature is None:
            pairs = [_quadratic_curvature(h) for h in self.hessians]
            self._curvature = (np.array([p[0] for p in pairs], dtype=bool),
                               np.array([p[1] for p in pairs], dtype=bool))
        return self._curvature

    def separable_squares(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """Columns ``j`` whose only quadratic term in row ``row`` is ``½ h_j x_j²``, and
        their ``h_j``: the outer approximation replaces those tangents by secants between
        consecutive integers when ``x_j`` is integer."""
        hessian = self.hessians[row].tocoo()
        coupled = np.unique(np.concatenate([hessian.row[hessian.row != hessian.col],
                                            hessian.col[hessian.row != hessian.col]]))
        diagonal = (hessian.row == hessian.col) & ~np.isin(hessian.row, coupled)
        return hessian.row[diagonal].astype(np.int64), hessian.data[diagonal]

    def columns(self) -> np.ndarray:
        used = [self.linear.indices] + [h.indices for h in self.hessians]
        return np.unique(np.concatenate(used)).astype(np.int64)


def _quadratic_curvature(hessian: sp.csr_matrix) -> tuple[bool, bool]:
    """(convex, concave) of ``½xᵀHx`` from the eigenvalues of ``H`` on its support."""
    support = np.unique(hessian.indices)
    if support.size == 0:
        return True, True
    dense = hessian[support][:, support].toarray()
    eigenvalues = np.linalg.eigvalsh(0.5 * (dense + dense.T))
    tolerance = CURVATURE_TOLERANCE * max(1.0, float(np.abs(eigenvalues).max()))
    return bool(eigenvalues.min() >= -tolerance), bool(eigenvalues.max() <= tolerance)


@dataclass
class NonlinearRows:
    """``lower <= function(x) <= upper``, one entry per output of ``function``."""

    function: SmoothFunction
    lower: np.ndarray
    upper: np.ndarray
    names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        m = self.function.n_out
        self.lower = np.broadcast_to(np.asarray(self.lower, dtype=float), (m,)).copy()
        self.upper = np.broadcast_to(np.asarray(self.upper, dtype=float), (m,)).copy()
        if not self.names:
            self.names = [f"nl{i}" for i in range(m)]
        if len(self.names) != m or np.any(self.lower > self.upper):
            raise ValueError("nonlinear rows need one name each and lower <= upper")

    @property
    def n_rows(self) -> int:
        return self.function.n_out

    def convex_sides(self) -> tuple[np.ndarray, np.ndarray]:
        """Which finite sides describe convex sets: ``f <= upper`` needs ``f`` convex,
        ``f >= lower`` needs ``f`` concave. Infinite sides count as convex."""
        convex, concave = self.function.curvature()
        return (convex | ~np.isfinite(self.upper)), (concave | ~np.isfinite(self.lower))

    def is_convex(self) -> bool:
        """True when every row describes a convex set."""
        upper_ok, lower_ok = self.convex_sides()
        return bool(np.all(upper_ok & lower_ok))

    def excess(self, x: np.ndarray) -> np.ndarray:
        """How far each row is outside its bounds at ``x`` (scaled like linear rows:
        relative to ``max(1, |bound|)``); inf where ``f`` is undefined."""
        return bound_excess(self.function.value(x), self.lower, self.upper)


#: How to go on when a problem is refused as nonconvex.
NONCONVEX_ADVICE = ("solve with nonconvex='heuristic', or --nonconvex heuristic on the command "
                    "line, to search for a good solution without proof of optimality")


class NonconvexError(ValueError):
    """A problem's continuous relaxation is not convex, so branch-and-bound over its
    relaxations proves nothing; solve with ``nonconvex="heuristic"`` to search anyway."""
