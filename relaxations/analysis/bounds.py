"""Proven bounds, the source of every big-M.

Interval arithmetic over affine expressions and derived columns, feasibility-based bound
tightening (FBBT) over linear rows iterated to a fixed point, and optional
optimisation-based tightening (OBBT: one LP per bound) through an LP-solving callable the
caller supplies (this package never imports the solver). A bound that cannot be proven
raises :class:`UnboundedExpressionError`, which names the variables to bound.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from branchwise.core.deadline import NO_DEADLINE, Deadline, TimeLimitReached
from branchwise.core.tolerances import BOUND_PROGRESS, INTEGRALITY, round_off_slack
from branchwise.expr import FEW_TERMS, Constraint, LinExpr, Rows, scalar_terms
from branchwise.functions import Definition
from branchwise.logic import required_comparisons
from branchwise.relaxations.growing import GrowingArray

if TYPE_CHECKING:
    from branchwise.model import Model

#: ``lp(c, A, row_lower, row_upper, col_lower, col_upper)``: the least ``c @ x`` over the LP,
#: ``-inf`` when unbounded, None when it could not be solved.
LPSolver = Callable[[np.ndarray, sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray,
                     np.ndarray], "float | None"]

#: Most rounds of FBBT plus forward interval evaluation of the derived columns.
PROPAGATION_ROUNDS = 20



class Described:
    """What a reduction lowers, named in the error it may raise; written out only then
    (printing an expression costs more than lowering it: 15 of 49 s at 10,000
    disjunctions)."""

    def __init__(self, item: object, column: str | None = None) -> None:
        self.item, self.column = item, column

    def __str__(self) -> str:
        return f"{self.item} (column {self.column})" if self.column else str(self.item)


#: The ``what`` that reductions pass down: a name, or a :class:`Described` construct.
What = str | Described

class UnboundedExpressionError(ValueError):
    """A reformulation needs a finite bound that cannot be proven; the message names the
    variables without one and says how to fix it."""


class Bounds:
    """Proven column bounds, growing as reductions add columns, with the rows they were
    proven from (for OBBT) and the names and definitions needed for error messages."""

    def __init__(self, lower: np.ndarray, upper: np.ndarray, names: list[str],
                 definitions: dict[int, Definition], rows: tuple | None = None,
                 lp: LPSolver | None = None, obbt: bool = False,
                 deadline: Deadline = NO_DEADLINE) -> None:
        self._lower = GrowingArray(lower.astype(float))
        self._upper = GrowingArray(upper.astype(float))
        self.names = list(names)
        self.definitions = definitions
        self.rows = rows
        self.lp = lp
        self.obbt = obbt
        #: Past it, no more LPs: OBBT keeps the interval bounds (still proven), and a bound
        #: only an LP could make finite raises :class:`TimeLimitReached`.
        self.deadline = deadline
        self._optimized: dict[tuple, float] = {}

    @property
    def lower(self) -> np.ndarray:
        """Proven lower bounds of the columns so far (a view: writes go through)."""
        return self._lower.view

    @property
    def upper(self) -> np.ndarray:
        return self._upper.view

    def extend(self, lower: np.ndarray, upper: np.ndarray, names: Sequence[str]) -> None:
        """Append columns that a reduction added."""
        self._lower.append(lower)
        self._upper.append(upper)
        self.names.extend(names)

    def interval(self, expr: LinExpr) -> tuple[float, float]:
        """Interval of a scalar affine expression over the column bounds."""
        cols, a = scalar_terms(expr)
        const = float(expr.const[0])
        if cols.size <= FEW_TERMS:
            lower, upper = self.lower, self.upper
            lo = hi = 0.0
            for j, aj in zip(cols.tolist(), a.tolist(), strict=True):
                least, most = aj * float(lower[j]), aj * float(upper[j])
                lo, hi = (lo + least, hi + most) if aj > 0 else (lo + most, hi + least)
            return lo + const, hi + const
        low, high = self.lower[cols], self.upper[cols]
        lo = float(np.sum(np.where(a > 0, a * low, a * high))) + const
        hi = float(np.sum(np.where(a > 0, a * high, a * low))) + const
        return lo, hi

    def upper_of(self, expr: LinExpr) -> float:
        """The best proven upper bound on ``expr``: interval arithmetic, then an LP when
        OBBT is on or the interval is infinite and an LP solver was given."""
        hi = self.interval(expr)[1]
        if self._can_optimize(expr) and (self.obbt or math.isinf(hi)):
            if self.deadline.expired():
                if math.isinf(hi):
                    raise TimeLimitReached("the time limit passed while proving big-M bounds")
                return hi
            hi = min(hi, -self._least(-expr))
        return hi

    def lower_of(self, expr: LinExpr) -> float:
        return -self.upper_of(-expr)

    def require_upper(self, expr: LinExpr, what: What) -> float:
        """:meth:`upper_of`, or an error naming the unbounded variables when it is infinite."""
        hi = self.upper_of(expr)
        if math.isinf(hi):
            raise self.unbounded(expr, what)
        return hi

    def _can_optimize(self, expr: LinExpr) -> bool:
        """True when an LP is available over every column ``expr`` uses."""
        return (self.lp is not None and self.rows is not None
                and expr.rows.width <= self.rows[0].shape[1])

    def _least(self, expr: LinExpr) -> float:
        """Minimum of ``expr`` over the LP relaxation of the proven rows (cached)."""
        cols, a = scalar_terms(expr)
        key = (tuple(cols), tuple(a))
        if key not in self._optimized:
            A, row_lower, row_upper = self.rows  # noqa: N806
            n = A.shape[1]
            c = np.zeros(n)
            c[cols] = a
            value = self.lp(c, A, row_lower, row_upper, self.lower[:n], self.upper[:n])
            self._optimized[key] = -math.inf if value is None else value - _safety(value)
        return self._optimized[key] + float(expr.const[0])

    def unbounded(self, expr: LinExpr, what: What) -> UnboundedExpressionError:
        """The error for ``expr`` having no finite upper bound, naming the culprits."""
        sides: dict[str, list[str]] = {}
        for j, a in zip(*scalar_terms(expr), strict=True):
            if math.isinf(self.upper[j] if a > 0 else self.lower[j]):
                for name, side in self._culprits(int(j), "ub" if a > 0 else "lb"):
                    sides.setdefault(name, [])
                    if side not in sides[name]:
                        sides[name].append(side)
        listed = ", ".join(sides) or "its variables"
        fix = ", ".join(f"{name} a finite {' and '.join(sorted(s))}"
                        for name, s in sides.items()) or "its variables bounds"
        one = len(sides) == 1
        return UnboundedExpressionError(
            f"{what}: cannot prove a finite bound on {expr.text(self.names)} for its big-M, "
            f"because {listed} "
            f"{'has' if one else 'have'} no finite bound there. Give {fix} "
            f"(m.continuous(name, lb, ub)), or add constraints that bound "
            f"{'it' if one else 'them'}.")

    def _culprits(self, column: int, side: str) -> list[tuple[str, str]]:
        """(name, "lb"/"ub") of the user's variables that leave ``column`` unbounded."""
        definition = self.definitions.get(column)
        if definition is None:
            return [(self.names[column], side)]
        found: list[tuple[str, str]] = []
        for operand in definition.operands:
            for j in scalar_terms(operand)[0]:
                for bound, label in ((self.upper[j], "ub"), (self.lower[j], "lb")):
                    if math.isinf(bound):
                        found += self._culprits(int(j), label)
        return found or [(self.names[column], side)]


def model_bounds(model: Model, used: Sequence[Definition], lp: LPSolver | None = None,
                 obbt: bool = False, propagate: bool = True,
                 deadline: Deadline = NO_DEADLINE) -> Bounds:
    """Proven bounds on every column of ``model``: its variables' bounds, tightened by FBBT
    over its linear rows, the comparisons it requires, and the inequalities every used
    derived column satisfies, alternating with interval evaluation of those columns.
    Without ``propagate`` (a model with nothing that needs a bound) just the bounds given.
    Rounds stop at ``deadline`` (the bounds reached so far are proven too)."""
    lower, upper, _ = model.column_bounds()
    if not propagate:
        return Bounds(lower, upper, model.column_names(), {}, deadline=deadline)
    integral = model.integral_columns()
    constraints = list(model.constraints) + [
        c for c in required_comparisons(model.conditions) if not c.is_quadratic]
    for d in used:
        y = LinExpr(model, Rows.identity(d.column, 1), np.zeros(1), ())
        constraints += d.valid_inequalities(y)
    A, row_lower, row_upper = _rows(constraints, model.n_vars)  # noqa: N806
    for _ in range(PROPAGATION_ROUNDS):
        if deadline.expired():
            break
        before = (lower.copy(), upper.copy())
        lower, upper = fbbt(A, row_lower, row_upper, lower, upper, integral, deadline=deadline)
        bounds = Bounds(lower, upper, [], {})
        for d in used:
            lo, hi = d.interval(*(bounds.interval(o) for o in d.operands))
            lower[d.column] = max(lower[d.column], lo - _safety(lo))
            upper[d.column] = min(upper[d.column], hi + _safety(hi))
        if _settled(before, (lower, upper)):
            break
    definitions = {d.column: d for d in model.definitions}
    return Bounds(lower, upper, model.column_names(), definitions, (A, row_lower, row_upper),
                  lp, obbt, deadline)


def _rows(constraints: list[Constraint], n: int) -> tuple[sp.csr_matrix, np.ndarray,
                                                             np.ndarray]:
    """The rows of linear constraints as a matrix with row bounds."""
    if not constraints:
        return sp.csr_matrix((0, n)), np.zeros(0), np.zeros(0)
    bounds = [c.row_bounds() for c in constraints]
    A = Rows.stack([c.body.rows for c in constraints]).matrix(n)  # noqa: N806
    A.eliminate_zeros()
    return (A, np.concatenate([b[0] for b in bounds]), np.concatenate([b[1] for b in bounds]))


def affine_intervals(A: sp.csr_matrix, const: np.ndarray, lower: np.ndarray,  # noqa: N803
                     upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interval of each row of ``A x + const`` over the box ``[lower, upper]``."""
    lo_part, hi_part = _contributions(A, lower, upper)
    rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    lo = np.bincount(rows, weights=lo_part, minlength=A.shape[0]) + const
    hi = np.bincount(rows, weights=hi_part, minlength=A.shape[0]) + const
    return lo, hi


def fbbt(A: sp.csr_matrix, row_lower: np.ndarray, row_upper: np.ndarray,  # noqa: N803
         lower: np.ndarray, upper: np.ndarray, integral: np.ndarray,
         rounds: int = PROPAGATION_ROUNDS, deadline: Deadline = NO_DEADLINE,
         ) -> tuple[np.ndarray, np.ndarray]:
    """Column bounds tightened by the rows ``row_lower <= A x <= row_upper`` until nothing
    moves by more than BOUND_PROGRESS (or ``rounds`` passes). Implied bounds are loosened by
    BOUND_SAFETY against round-off; integral columns are rounded inwards. When the rows
    prove the bounds empty (an infeasible model) the last consistent bounds are returned.
    Passes stop at ``deadline``."""
    lower, upper = lower.astype(float).copy(), upper.astype(float).copy()
    if A.nnz == 0:
        return lower, upper
    rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    cols, a = A.indices, A.data
    for _ in range(rounds):
        if deadline.expired():
            break
        lo_part, hi_part = _contributions(A, lower, upper)
        res_lo = _residual(lo_part, rows, A.shape[0])
        res_hi = _residual(hi_part, rows, A.shape[0])
        with np.errstate(invalid="ignore", divide="ignore"):
            from_upper = (row_upper[rows] - res_lo) / a   # a x_j <= U - (min of the others)
            from_lower = (row_lower[rows] - res_hi) / a   # a x_j >= L - (max of the others)
        new_upper = np.where(a > 0, from_upper, from_lower)
        new_lower = np.where(a > 0, from_lower, from_upper)
        new_upper = np.where(np.isnan(new_upper), np.inf, new_upper)
        new_lower = np.where(np.isnan(new_lower), -np.inf, new_lower)
        cand_upper, cand_lower = upper.copy(), lower.copy()
        np.minimum.at(cand_upper, cols, new_upper + _safety(new_upper))
        np.maximum.at(cand_lower, cols, new_lower - _safety(new_lower))
        cand_upper = np.where(integral, np.floor(cand_upper + INTEGRALITY), cand_upper)
        cand_lower = np.where(integral, np.ceil(cand_lower - INTEGRALITY), cand_lower)
        if np.any(cand_lower > cand_upper + BOUND_PROGRESS * np.maximum(1, abs(cand_upper))):
            break
        cand_lower = np.minimum(cand_lower, cand_upper)
        settled = _settled((lower, upper), (cand_lower, cand_upper))
        lower, upper = np.maximum(lower, cand_lower), np.minimum(upper, cand_upper)
        if settled:
            break
    return lower, upper


def _contributions(A: sp.csr_matrix, lower: np.ndarray,  # noqa: N803
                   upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each nonzero's least and greatest contribution ``a * x_j`` over the box."""
    a, cols = A.data, A.indices
    with np.errstate(invalid="ignore"):
        lo = np.where(a > 0, a * lower[cols], a * upper[cols])
        hi = np.where(a > 0, a * upper[cols], a * lower[cols])
    return lo, hi


def _residual(parts: np.ndarray, rows: np.ndarray, n_rows: int) -> np.ndarray:
    """For each nonzero, the sum of the other contributions in its row (±inf when an
    infinite contribution other than its own is present)."""
    infinite = np.isinf(parts)
    finite_sum = np.bincount(rows, weights=np.where(infinite, 0.0, parts), minlength=n_rows)
    n_inf = np.bincount(rows, weights=infinite.astype(float), minlength=n_rows)
    sign = np.sign(parts[infinite][0]) if infinite.any() else 1.0
    others_inf = n_inf[rows] - infinite
    residual = finite_sum[rows] - np.where(infinite, 0.0, parts)
    return np.where(others_inf > 0, sign * np.inf, residual)


def _safety(value: np.ndarray | float) -> np.ndarray | float:
    """The slack added to an implied bound against floating-point round-off."""
    return round_off_slack(value)


def _settled(before: tuple[np.ndarray, np.ndarray], after: tuple[np.ndarray, np.ndarray]
             ) -> bool:
    """True when no bound moved by more than BOUND_PROGRESS (relative to its size)."""
    for old, new in zip(before, after, strict=True):
        moved = np.abs(np.where(np.isfinite(old), old, 0) - np.where(np.isfinite(new), new, 0))
        changed_kind = np.isfinite(old) != np.isfinite(new)
        if np.any(changed_kind) or np.any(moved > BOUND_PROGRESS * np.maximum(1, np.abs(
                np.where(np.isfinite(new), new, 0)))):
            return False
    return True
