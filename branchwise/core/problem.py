"""The canonical problem: plain arrays that the modeling layer, the reductions and the
solver all share. No modeling classes live here."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from branchwise.core.smooth import NonlinearRows, QuadraticFunction
from branchwise.core.tolerances import (
    FEASIBILITY,
    INFINITY,
    INTEGRALITY,
    LARGE_COEFFICIENT,
    scaled,
)


@dataclass
class Problem:
    """``min/max c·x + ½ xᵀQx + offset`` s.t. ``row_lower <= A x <= row_upper``,
    ``col_lower <= x <= col_upper`` and ``x[j]`` integral where ``integrality[j]``.

    Infinite bounds are ``±np.inf``. ``Q`` (symmetric) is ``None`` for a linear objective.
    ``nonlinear`` holds blocks of smooth rows ``lower <= f(x) <= upper`` (a nonlinear
    objective arrives as an epigraph column and one such row).
    """

    c: np.ndarray
    A: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray
    objective_offset: float = 0.0
    Q: sp.csr_matrix | None = None
    maximize: bool = False
    #: Special ordered sets, as arrays of column indices: in each SOS1 set at most one
    #: column is nonzero (a complementarity pair is an SOS1 set of two); in each SOS2 set
    #: at most two columns, adjacent in the given order, are nonzero.
    sos1: list[np.ndarray] = field(default_factory=list)
    sos2: list[np.ndarray] = field(default_factory=list)
    nonlinear: list[NonlinearRows] = field(default_factory=list)
    col_names: list[str] = field(default_factory=list)
    row_names: list[str] = field(default_factory=list)
    name: str = ""
    #: Integer columns a reformulation created for the model's logic (indicators and
    #: disjunct binaries): the search branches on them before other integers.
    logic_columns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __post_init__(self) -> None:
        n = len(self.c)
        self.c = np.asarray(self.c, dtype=float)
        self.A = sp.csr_matrix(self.A, dtype=float, shape=(len(self.row_lower), n))
        self.row_lower = _as_bounds(self.row_lower)
        self.row_upper = _as_bounds(self.row_upper)
        self.col_lower = _as_bounds(self.col_lower)
        self.col_upper = _as_bounds(self.col_upper)
        self.integrality = np.asarray(self.integrality, dtype=bool)
        if self.Q is not None:
            self.Q = sp.csr_matrix(self.Q, dtype=float, shape=(n, n))
        self.sos1 = [np.asarray(members, dtype=np.int64) for members in self.sos1]
        self.sos2 = [np.asarray(members, dtype=np.int64) for members in self.sos2]
        self.logic_columns = np.unique(np.asarray(self.logic_columns, dtype=np.int64))
        if not self.col_names:
            self.col_names = [f"x{j}" for j in range(n)]
        if not self.row_names:
            self.row_names = [f"r{i}" for i in range(self.n_rows)]
        self.validate()

    @property
    def n_cols(self) -> int:
        return len(self.c)

    @property
    def n_rows(self) -> int:
        return self.A.shape[0]

    def validate(self) -> None:
        """Raise ValueError when the arrays do not describe one consistent problem."""
        n, m = self.n_cols, self.n_rows
        for label, arr, size in (
            ("col_lower", self.col_lower, n), ("col_upper", self.col_upper, n),
            ("integrality", self.integrality, n), ("row_lower", self.row_lower, m),
            ("row_upper", self.row_upper, m),
        ):
            if arr.shape != (size,):
                raise ValueError(f"{label} has shape {arr.shape}, expected ({size},)")
        if len(self.col_names) != n or len(self.row_names) != m:
            raise ValueError("col_names/row_names do not match the problem size")
        for block in self.nonlinear:
            used = block.function.columns()
            if used.size and (used.min() < 0 or used.max() >= n):
                raise ValueError("a nonlinear row uses a column outside the problem")
        for members in self.sos1 + self.sos2:
            if members.ndim != 1 or members.size < 2 or members.min() < 0 or members.max() >= n:
                raise ValueError("an SOS set needs at least two valid column indices")
        logic = self.logic_columns
        if logic.ndim != 1 or (logic.size and (logic.min() < 0 or logic.max() >= n
                                               or not self.integrality[logic].all())):
            raise ValueError("logic_columns must be indices of integer columns")
        for label, arr in (("c", self.c), ("A", self.A.data)):
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{label} has non-finite coefficients")
        self._refuse_huge_coefficients()

    def _refuse_huge_coefficients(self) -> None:
        """A coefficient no LP solver can take is a one-line error naming its row and column."""
        huge = np.flatnonzero(np.abs(self.A.data) >= LARGE_COEFFICIENT)
        if huge.size:
            k = int(huge[0])
            row = int(np.searchsorted(self.A.indptr, k, side="right") - 1)
            col = int(self.A.indices[k])
            raise ValueError(
                f"coefficient {self.A.data[k]:g} of {self.col_names[col]!r} in row "
                f"{self.row_names[row]!r} is too large (|a| >= {LARGE_COEFFICIENT:g}): "
                "rescale the variable or the row")

    def objective_value(self, x: np.ndarray) -> float:
        """Objective at ``x`` in the problem's own sense (no sign flip for maximisation)."""
        value = float(self.c @ x) + self.objective_offset
        if self.Q is not None:
            value += 0.5 * float(x @ (self.Q @ x))
        return value

    def violation(self, x: np.ndarray, integer_tol: float = INTEGRALITY) -> tuple[float, str]:
        """Largest scaled violation of rows, bounds and integrality at ``x``, and where it is.

        Row and bound violations are divided by ``max(1, |bound|)`` so the check is relative
        for large numbers and absolute for small ones. Returns ``(0.0, "")`` for a feasible point.
        """
        x = np.asarray(x, dtype=float)
        if x.shape != (self.n_cols,) or not np.all(np.isfinite(x)):
            return np.inf, "solution vector has the wrong size or non-finite entries"
        worst, where = 0.0, ""
        activity = self.A @ x
        checks = (
            ("row", self.row_names, self.row_lower - activity, self.row_lower),
            ("row", self.row_names, activity - self.row_upper, self.row_upper),
            ("column", self.col_names, self.col_lower - x, self.col_lower),
            ("column", self.col_names, x - self.col_upper, self.col_upper),
        )
        for kind, names, excess, bound in checks:
            relative = scaled(excess, bound)
            if relative.size and relative.max() > worst:
                i = int(relative.argmax())
                worst, where = float(relative[i]), f"{kind} {names[i]}"
        for kind, excess in self._special_excesses(x):
            if excess > worst:
                worst, where = excess, kind
        frac = np.abs(x - np.round(x))[self.integrality]
        if frac.size and frac.max() > integer_tol and frac.max() > worst:
            j = int(np.flatnonzero(self.integrality)[frac.argmax()])
            worst, where = float(frac.max()), f"integrality of {self.col_names[j]}"
        return worst, where

    def _special_excesses(self, x: np.ndarray):
        """(where, excess) for every SOS set (the entries outside what it allows) and every
        block of nonlinear rows (its worst row)."""
        for k, members in enumerate(self.sos1):
            values = np.sort(np.abs(x[members]))
            yield f"SOS1 set {k}", float(values[-2])
        for k, members in enumerate(self.sos2):
            values = np.abs(x[members])
            pairs = values[:-1] + values[1:]
            yield f"SOS2 set {k}", float(values.sum() - pairs.max())
        for block in self.nonlinear:
            excess = block.excess(x)
            if excess.size:
                i = int(np.argmax(excess))
                yield f"row {block.names[i]}", float(excess[i])

    @property
    def has_sos(self) -> bool:
        return bool(self.sos1 or self.sos2)

    @property
    def has_nonlinear_rows(self) -> bool:
        return any(block.n_rows for block in self.nonlinear)

    def is_convex(self) -> bool:
        """True when the continuous relaxation is convex: a positive semidefinite ``Q``
        (negative semidefinite when maximising) and only convex nonlinear rows."""
        return not self.nonconvex_parts()

    @functools.cached_property
    def convex_objective(self) -> bool:
        """True when ``½xᵀQx`` (if any) has the curvature the sense needs: positive
        semidefinite for a minimisation, negative for a maximisation. Computed once (an
        eigendecomposition): ``Q`` is not to be replaced in place afterwards."""
        if self.Q is None or not self.Q.nnz:
            return True
        convex, concave = QuadraticFunction([self.Q], sp.csr_matrix((1, self.n_cols)))\
            .curvature()
        return bool((concave if self.maximize else convex)[0])

    def objective_over_binaries(self) -> bool:
        """True when ``Q`` is nonzero and every column it touches is binary."""
        if self.Q is None or not self.Q.nnz:
            return False
        support = np.unique(sp.coo_matrix(self.Q).row)
        return bool(np.all(self.integrality[support]) and np.all(self.col_lower[support] >= 0)
                    and np.all(self.col_upper[support] <= 1))

    def nonconvex_parts(self) -> list[str]:
        """What keeps the relaxation from being convex: ``"objective"`` for a ``Q`` of the
        wrong curvature, then the names of nonlinear rows with a side that is not convex.

        A ``Q`` over binary columns only never counts: on 0/1 points it is linear in the
        products ``x_i·x_j``, which the engine linearises exactly."""
        parts = []
        if not self.convex_objective and not self.objective_over_binaries():
            parts.append("objective")
        for block in self.nonlinear:
            upper_ok, lower_ok = block.convex_sides()
            parts += [block.names[i] for i in np.flatnonzero(~(upper_ok & lower_ok))]
        return parts

    def without_idle_columns(self, candidates: np.ndarray, order: np.ndarray | None = None
                             ) -> Problem:
        """The problem without those ``candidates`` that are fixed and read by nothing (no
        row, no ``Q`` entry, no SOS set), their fixed value's cost moved to the offset, the
        other columns in ``order`` (a permutation of all of them; default: as they are).

        Meant for writing a problem out: the columns a reformulation fixes because it
        recomputes their values on the way back (unused definitions, decision-tree nodes)
        only clutter a file. A problem with nonlinear rows is returned as it is (their
        functions are built over every column)."""
        idle = np.zeros(self.n_cols, dtype=bool)
        idle[np.asarray(candidates, dtype=np.int64)] = True
        idle &= (self.col_lower == self.col_upper) & (np.diff(self.A.tocsc().indptr) == 0)
        if self.Q is not None:
            touched = sp.coo_matrix(self.Q)
            idle[touched.row] = idle[touched.col] = False
        for members in (*self.sos1, *self.sos2):
            idle[members] = False
        order = np.arange(self.n_cols) if order is None else np.asarray(order, dtype=np.int64)
        if self.nonlinear or not (idle.any() or np.any(order != np.arange(self.n_cols))):
            return self
        keep = order[~idle[order]]
        renumber = np.full(self.n_cols, -1, dtype=np.int64)
        renumber[keep] = np.arange(keep.size)
        logic = renumber[self.logic_columns]
        return Problem(
            c=self.c[keep], A=self.A[:, keep], row_lower=self.row_lower,
            row_upper=self.row_upper, col_lower=self.col_lower[keep],
            col_upper=self.col_upper[keep], integrality=self.integrality[keep],
            objective_offset=self.objective_offset + float(self.c[idle] @ self.col_lower[idle]),
            Q=None if self.Q is None else self.Q[keep][:, keep], maximize=self.maximize,
            sos1=[renumber[m] for m in self.sos1], sos2=[renumber[m] for m in self.sos2],
            col_names=[self.col_names[j] for j in keep.tolist()],
            row_names=list(self.row_names), name=self.name, logic_columns=logic[logic >= 0])

    def is_feasible(self, x: np.ndarray, tol: float = FEASIBILITY) -> bool:
        """True when ``x`` satisfies rows, bounds and integrality within ``tol``."""
        return self.violation(x)[0] <= tol


def _as_bounds(values: np.ndarray) -> np.ndarray:
    """Float array with every magnitude at or beyond INFINITY mapped to ±inf."""
    arr = np.array(values, dtype=float)
    arr[arr >= INFINITY] = np.inf
    arr[arr <= -INFINITY] = -np.inf
    return arr
