"""The problem a reformulation builds: the model's columns and linear rows first, then
whatever the reductions add, with the proven bounds and the options they all read.

Quadratic and nonlinear constraints pass through unchanged as blocks of nonlinear rows
over the model's columns; a nonlinear objective becomes the epigraph column
``_objective<k>`` (minimised or maximised) with the row ``f(x) - t <= 0`` (``>= 0`` when
maximising). Both are compiled when the problem is assembled, over its final columns."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from branchwise.core.problem import Problem
from branchwise.core.smooth import NonlinearRows
from branchwise.core.tolerances import round_off_slack
from branchwise.expr import Constraint, LinExpr, Rows, indexed_names, scalar_terms
from branchwise.functions import Definition
from branchwise.nonlinear.expr import NlExpr
from branchwise.nonlinear.rows import nonlinear_rows, smooth_function
from branchwise.relaxations.analysis.bounds import Bounds
from branchwise.relaxations.choice import Options
from branchwise.relaxations.growing import GrowingArray

if TYPE_CHECKING:
    from branchwise.model import Model

#: A linear row ``Σ coefs_k x_cols[k] + const`` as plain Python lists, for scalar loops.
Terms = tuple[list[int], list[float], float]


class Target:
    """Columns, rows and SOS sets being assembled into a :class:`Problem`."""

    def __init__(self, model: Model, bounds: Bounds, options: Options,
                 used: Iterable[Definition], relaxed: dict[Definition, str]) -> None:
        self.model = model
        self.bounds = bounds
        self.options = options
        self.relaxed = relaxed
        lower, upper, integer = model.column_bounds()
        #: Columns fixed at 0 whose values the way back recomputes (unused definitions,
        #: columns moved into the objective): a written problem can leave them out.
        self.retired: set[int] = set()
        for d in model.definitions:  # proven bounds where used, fixed at 0 where not
            lower[d.column] = upper[d.column] = 0.0
            self.retired.add(d.column)
        for d in used:
            lower[d.column], upper[d.column] = bounds.lower[d.column], bounds.upper[d.column]
            self.retired.discard(d.column)
        self._lower, self._upper, self._integer = [lower], [upper], [integer]
        self._integral = GrowingArray(model.integral_columns())
        self.names = list(bounds.names)
        rows, row_lower, row_upper = model.rows()
        self._rows, self._row_lower, self._row_upper = [rows], [row_lower], [row_upper]
        self.row_names = model.row_names()
        self._rows_by_column = None  # rows_with's snapshot, taken on its first call
        self.sos1: list[np.ndarray] = []
        self.sos2: list[np.ndarray] = []
        #: Indicator expressions of reified conditions, shared by every use (indicator.py).
        self.literals: dict = {}
        #: Integer columns created for the logic (hint starting with "_"): the search
        #: branches on them first (Problem.logic_columns).
        self.logic_columns: list[int] = []
        self._taken = set(self.names) | set(self.row_names)
        self._counter = 0
        #: Quadratic and nonlinear constraints, then the objective's epigraph row, each as
        #: (constraint, its rows' names); compiled in :meth:`problem`.
        self.smooth: list[tuple[Constraint, list[str]]] = [
            (c, indexed_names(c.name, c.shape)) for c in model.nonlinear_constraints]
        self._taken |= {name for _, names in self.smooth for name in names}
        #: (column, expression): the objective's coefficient on the column moves onto the
        #: expression (the column is fixed at 0; see :meth:`move_objective_term`).
        self._objective_moves: list[tuple[int, LinExpr]] = []
        #: The epigraph column and row of a nonlinear objective (None otherwise).
        self.objective_column: int | None = None
        self.objective_row: str | None = None
        if isinstance(model.objective, NlExpr):
            self._epigraph(model.objective, model.maximize_objective)

    @property
    def n_cols(self) -> int:
        return len(self.names)

    @property
    def integral(self) -> np.ndarray:
        """True for the columns (so far) whose value must be integral."""
        return self._integral.view

    def _fresh(self, hint: str) -> str:
        """A column or row name starting with ``hint`` that is not taken yet."""
        while f"{hint}{self._counter}" in self._taken:
            self._counter += 1
        self._taken.add(f"{hint}{self._counter}")
        return f"{hint}{self._counter}"

    def new_columns(self, count: int, lower: float | np.ndarray, upper: float | np.ndarray,
                    integer: bool, hint: str) -> list[LinExpr]:
        """``count`` new columns, as one-column expressions."""
        return [column(j) for j in self.new_column_indices(count, lower, upper, integer, hint)]

    def new_column_indices(self, count: int, lower: float | np.ndarray,
                           upper: float | np.ndarray, integer: bool, hint: str) -> np.ndarray:
        """``count`` new columns, as their indices (for reductions that build rows as
        arrays)."""
        start = self.n_cols
        lower = np.broadcast_to(np.asarray(lower, dtype=float), (count,)).copy()
        upper = np.broadcast_to(np.asarray(upper, dtype=float), (count,)).copy()
        names = [self._fresh(hint) for _ in range(count)]
        self._lower.append(lower)
        self._upper.append(upper)
        self._integer.append(np.full(count, integer))
        self._integral.append(np.full(count, integer))
        self.names += names
        self.bounds.extend(lower, upper, names)
        if integer and hint.startswith("_"):
            self.logic_columns += range(start, start + count)
        return np.arange(start, start + count)

    def binary(self, hint: str = "_b") -> LinExpr:
        return self.new_columns(1, 0.0, 1.0, True, hint)[0]

    def continuous(self, hint: str, lower: float = -math.inf, upper: float = math.inf
                   ) -> LinExpr:
        return self.new_columns(1, lower, upper, False, hint)[0]

    def add_row(self, expr: LinExpr, lower: float = -math.inf, upper: float = math.inf,
                hint: str = "_r") -> None:
        """The row ``lower <= expr <= upper`` (``expr`` scalar; its constant moves across)."""
        const = float(expr.const[0])
        self._rows.append(expr.rows)
        self._row_lower.append(np.array([lower - const]))
        self._row_upper.append(np.array([upper - const]))
        self.row_names.append(self._fresh(hint))

    def add_rows(self, rows: Rows, lower: np.ndarray, upper: np.ndarray,
                 hint: str = "_r") -> None:
        """The rows ``lower <= rows @ x <= upper`` at once (a reduction's whole block, built
        as arrays: one :meth:`add_row` per row costs an expression per row)."""
        self._rows.append(rows)
        self._row_lower.append(np.asarray(lower, dtype=float))
        self._row_upper.append(np.asarray(upper, dtype=float))
        self.row_names.extend(self._fresh(hint) for _ in range(rows.n_rows))

    def add(self, constraint: Constraint, hint: str = "_r") -> None:
        """A linear, non-strict scalar comparison as a row."""
        lower, upper = constraint.row_bounds()
        self.add_row(LinExpr(None, constraint.body.rows, np.zeros(1), ()), float(lower[0]),
                     float(upper[0]), hint)

    def move_objective_term(self, j: int, expr: LinExpr) -> None:
        """Put ``expr`` in the objective where model column ``j`` is, instead of a row
        ``x_j = expr``: for a derived column read only by the objective. The column is
        fixed at 0; its value is recomputed from its definition when mapped back."""
        self._lower[0][j] = self._upper[0][j] = 0.0
        self._objective_moves.append((j, expr))
        self.retired.add(j)

    def rows_with(self, columns: Iterable[int]) -> list[tuple[Terms, float, float]]:
        """The rows that read any of ``columns``, each as its terms (duplicates summed,
        zeros dropped, constant 0) and its two bounds: the rows there were at the first call,
        the model's own and those of the constructs lowered before any tree (LowerLogic's
        order puts requirements first), so a tree sees no other tree's internal rows."""
        if self._rows_by_column is None:  # built once: a snapshot, not kept up to date
            block = Rows.stack(self._rows)
            self._rows_by_column = (block, np.concatenate(self._row_lower),
                                    np.concatenate(self._row_upper),
                                    block.matrix(max(block.width, 1)).tocsc())
        rows, lower, upper, by_column = self._rows_by_column
        found: set[int] = set()
        for j in columns:
            if j < by_column.shape[1]:
                found.update(by_column.indices[by_column.indptr[j]:by_column.indptr[j + 1]]
                             .tolist())
        picked = []
        for i in sorted(found):
            span = slice(rows.indptr[i], rows.indptr[i + 1])
            coefs: dict[int, float] = {}
            for j, a in zip(rows.indices[span].tolist(), rows.data[span].tolist(),
                            strict=True):
                coefs[j] = coefs.get(j, 0.0) + a
            coefs = {j: a for j, a in coefs.items() if a != 0.0}
            if coefs:
                picked.append(((list(coefs), list(coefs.values()), 0.0), float(lower[i]),
                               float(upper[i])))
        return picked

    def add_sos(self, kind: str, members: list[int]) -> None:
        (self.sos1 if kind == "sos1" else self.sos2).append(np.asarray(members, np.int64))

    def column_of(self, expr: LinExpr, hint: str) -> int:
        """The column that equals ``expr``: its own when it is one column, else a new column
        bound to it by a row (so it can enter an SOS set)."""
        cols, data = scalar_terms(expr)
        if cols.size == 1 and data[0] == 1 and expr.const[0] == 0:
            return int(cols[0])
        lo, hi = self.bounds.interval(expr)
        integer = _is_01(expr, self)
        var = self.new_columns(1, lo, hi, integer, hint)[0]
        self.add_row(var - expr, 0.0, 0.0, hint)
        return int(var.rows.indices[0])

    def _epigraph(self, objective: NlExpr, maximize: bool) -> None:
        """The column ``t`` that stands for ``objective`` and its row, ``t`` bounded on the
        side that matters by the objective's interval over the column bounds."""
        lower, upper = np.concatenate(self._lower), np.concatenate(self._upper)
        low, high = smooth_function(objective, self.n_cols, lower, upper).interval()
        low, high = float(np.nan_to_num(low[0], nan=-np.inf)), float(np.nan_to_num(
            high[0], nan=np.inf))
        low, high = low - _slack(low), high + _slack(high)  # against round-off
        t = self.new_columns(1, -np.inf if maximize else low,
                             high if maximize else np.inf, False, "_objective")[0]
        self.objective_column = int(t.rows.indices[0])
        self.objective_row = self.names[self.objective_column]
        self.smooth.append((Constraint(objective - t, ">=" if maximize else "<="),
                            [self.objective_row]))

    def problem(self) -> Problem:
        """The assembled :class:`Problem`."""
        n = self.n_cols
        A = Rows.stack(self._rows).matrix(n)  # noqa: N806
        A.eliminate_zeros()
        lower, upper = np.concatenate(self._lower), np.concatenate(self._upper)
        if self.objective_column is None:
            c, offset, Q = self.model.objective_arrays(n)  # noqa: N806
            for j, expr in self._objective_moves:
                weight, c[j] = c[j], 0.0
                np.add.at(c, expr.rows.indices, weight * expr.rows.data)
                offset += weight * float(expr.const[0])
        else:
            c, offset, Q = np.zeros(n), 0.0, None  # noqa: N806
            c[self.objective_column] = 1.0
        nonlinear = []
        for constraint, names in self.smooth:
            f, row_lower, row_upper = nonlinear_rows(constraint, self.options.strict_gap)
            nonlinear.append(NonlinearRows(smooth_function(f, n, lower, upper),
                                           row_lower, row_upper, names))
        return Problem(
            c=c, A=A, row_lower=np.concatenate(self._row_lower),
            row_upper=np.concatenate(self._row_upper), col_lower=lower, col_upper=upper,
            integrality=np.concatenate(self._integer), objective_offset=offset, Q=Q,
            maximize=self.model.maximize_objective, sos1=self.sos1, sos2=self.sos2,
            nonlinear=nonlinear, col_names=list(self.names), row_names=list(self.row_names),
            name=self.model.name, logic_columns=np.array(self.logic_columns, dtype=np.int64))


def _slack(bound: float) -> float:
    """The round-off slack of a computed bound (0 for an infinite or integral one)."""
    return round_off_slack(bound)


def column(j: int) -> LinExpr:
    """The expression that is column ``j``."""
    return LinExpr(None, Rows.identity(j, 1), np.zeros(1), ())


def _is_01(expr: LinExpr, target: Target) -> bool:
    """True for ``1 - b`` style expressions of a binary column (kept integral)."""
    cols, _ = scalar_terms(expr)
    return bool(cols.size == 1 and target.integral[cols[0]]
                and target.bounds.interval(expr) == (0.0, 1.0))
