"""The user's model: variables, constraints and one objective, turned into a Problem."""

from __future__ import annotations

import types
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from branchwise.expr import (
    Constraint,
    Expression,
    LinExpr,
    QuadExpr,
    Rows,
    Var,
    VarArray,
    as_expression,
    indexed_names,
)
from branchwise.problem import Problem
from branchwise.result import Result
from branchwise.solver import SolveOptions, solve
from branchwise.tolerances import INTEGRALITY, RELATIVE_GAP

#: The reformulations ``Model.solve`` accepts for logical constructs.
REFORMULATIONS = ("auto", "bigm", "hull")

Shape = int | tuple[int, ...] | None


@dataclass
class _Block:
    """One call to ``continuous``/``integer``/``binary``: consecutive columns and their bounds."""

    var: Var | VarArray
    lower: np.ndarray
    upper: np.ndarray
    integer: bool


class Model:
    """A mixed-integer model built from variables, expression constraints and an objective."""

    def __init__(self, name: str = "", strict_gap: float = 1e-6) -> None:
        """``strict_gap`` is the margin a strict comparison on continuous expressions keeps."""
        if not strict_gap > 0:
            raise ValueError("strict_gap must be positive")
        self.name = name
        self.strict_gap = float(strict_gap)
        self.constraints: list[Constraint] = []
        self.objective: Expression = LinExpr.constant(0.0)
        self.maximize_objective = False
        self.n_vars = 0
        self._blocks: list[_Block] = []
        self._var_names: set[str] = set()
        self._row_names: set[str] = set()

    def __repr__(self) -> str:
        return (f"Model({self.name!r}, variables={self.n_vars}, "
                f"constraints={len(self.constraints)})")

    # --- variables ------------------------------------------------------------------------

    def continuous(self, name: str, lb: float | np.ndarray = -np.inf,
                   ub: float | np.ndarray = np.inf, shape: Shape = None, *,
                   semicontinuous: bool = False) -> Var | VarArray:
        """Real variables in ``[lb, ub]`` (unbounded unless given); an array when ``shape``."""
        if semicontinuous:
            raise NotImplementedError(
                "semicontinuous variables come with the program-logic constructs, not yet here")
        return self._add_block(name, lb, ub, shape, integer=False)

    def integer(self, name: str, lb: float | np.ndarray = -np.inf,
                ub: float | np.ndarray = np.inf, shape: Shape = None) -> Var | VarArray:
        """Integer variables in ``[lb, ub]`` (unbounded unless given); an array when ``shape``."""
        return self._add_block(name, lb, ub, shape, integer=True)

    def binary(self, name: str, shape: Shape = None) -> Var | VarArray:
        """0/1 variables; an array when ``shape``."""
        return self._add_block(name, 0.0, 1.0, shape, integer=True)

    def _add_block(self, name: str, lb: float | np.ndarray, ub: float | np.ndarray,
                   shape: Shape, integer: bool) -> Var | VarArray:
        if not isinstance(name, str) or not name:
            raise ValueError("a variable needs a non-empty string name")
        if name in self._var_names:
            raise ValueError(f"a variable named {name!r} already exists in this model")
        dims = _normalize_shape(shape, name)
        lower, upper = _bounds(lb, ub, () if dims is None else dims, name)
        start = self.n_vars
        var = Var(self, start, name) if dims is None else VarArray(self, start, dims, name)
        self._blocks.append(_Block(var, lower.ravel(), upper.ravel(), integer))
        self._var_names.add(name)
        self.n_vars += lower.size
        return var

    # --- constraints and objective --------------------------------------------------------

    def add(self, constraint: Constraint | Iterable[Constraint],
            name: str | None = None) -> Constraint | list[Constraint]:
        """Keep ``constraint`` (or each of a list, named ``name[k]``) and return it."""
        if isinstance(constraint, (list, tuple, types.GeneratorType)):
            return [self.add(c, None if name is None else f"{name}[{k}]")
                    for k, c in enumerate(constraint)]
        _check_constraint(constraint)
        if constraint.model not in (None, self):
            raise ValueError("the constraint uses variables of a different model")
        if constraint.name is not None:
            raise ValueError(f"this constraint was already added as {constraint.name!r}")
        constraint.name = self._row_name(name)
        self.constraints.append(constraint)
        return constraint

    def _row_name(self, name: str | None) -> str:
        """``name`` checked for uniqueness, or the next free ``c<k>``."""
        if name is None:
            k = len(self.constraints)
            while f"c{k}" in self._row_names:
                k += 1
            name = f"c{k}"
        elif not isinstance(name, str) or not name:
            raise ValueError("a constraint name must be a non-empty string")
        elif name in self._row_names:
            raise ValueError(f"a constraint named {name!r} already exists in this model")
        self._row_names.add(name)
        return name

    def minimize(self, expr: Expression | float) -> None:
        """Make ``expr`` (a scalar linear or quadratic expression, or a number) the objective."""
        self._set_objective(expr, maximize=False)

    def maximize(self, expr: Expression | float) -> None:
        """Make ``expr`` the objective, to be maximised."""
        self._set_objective(expr, maximize=True)

    def _set_objective(self, expr: Expression | float, maximize: bool) -> None:
        if isinstance(expr, Constraint):
            raise TypeError("the objective must be an expression, not a constraint")
        expr = as_expression(expr)
        if expr.shape != ():
            raise ValueError(f"the objective must be scalar, not of shape {expr.shape}: "
                             "use .sum() to add up an array expression")
        if expr.model not in (None, self):
            raise ValueError("the objective uses variables of a different model")
        self.objective, self.maximize_objective = expr, maximize

    # --- the canonical problem ------------------------------------------------------------

    def column_bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Lower bounds, upper bounds and integrality of every column, in column order."""
        if not self._blocks:
            return np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool)
        lower = np.concatenate([b.lower for b in self._blocks])
        upper = np.concatenate([b.upper for b in self._blocks])
        integer = np.concatenate([np.full(b.lower.size, b.integer) for b in self._blocks])
        return lower, upper, integer

    def column_names(self) -> list[str]:
        """``x`` for a scalar variable, ``X[i,j]`` for the elements of an array."""
        return [n for b in self._blocks for n in indexed_names(b.var.name, b.var.shape)]

    def row_names(self) -> list[str]:
        """``demand`` for a scalar constraint, ``demand[i,j]`` for the elements of an array."""
        return [r for c in self.constraints for r in indexed_names(c.name, c.shape)]

    def rows(self) -> tuple[Rows, np.ndarray, np.ndarray]:
        """Every constraint's rows, stacked in order, with their lower and upper bounds."""
        bounds = [c.row_bounds() for c in self.constraints]
        rows = Rows.stack([c.body.rows for c in self.constraints])
        lower = np.concatenate([b[0] for b in bounds] + [np.zeros(0)])
        upper = np.concatenate([b[1] for b in bounds] + [np.zeros(0)])
        return rows, lower, upper

    def to_problem(self) -> Problem:
        """The model as canonical arrays."""
        col_lower, col_upper, integer = self.column_bounds()
        rows, row_lower, row_upper = self.rows()
        A = rows.matrix(self.n_vars)  # noqa: N806
        A.eliminate_zeros()
        c, offset, Q = self._objective_arrays()  # noqa: N806
        return Problem(
            c=c, A=A, row_lower=row_lower, row_upper=row_upper,
            col_lower=col_lower, col_upper=col_upper, integrality=integer,
            objective_offset=offset, Q=Q, maximize=self.maximize_objective,
            col_names=self.column_names(), row_names=self.row_names(), name=self.name)

    def _objective_arrays(self) -> tuple[np.ndarray, float, sp.csr_matrix | None]:
        """Dense ``c``, the offset, and symmetric ``Q`` (or None) with ``½xᵀQx = xᵀPx``."""
        n = self.n_vars
        quad = self.objective if isinstance(self.objective, QuadExpr) else None
        lin = quad.lin if quad is not None else self.objective
        c = np.bincount(lin.rows.indices, weights=lin.rows.data, minlength=n)
        if quad is None:
            return c, float(lin.const[0]), None
        P = quad.matrix(n)  # noqa: N806
        Q = (P + P.T).tocsr()  # noqa: N806
        Q.eliminate_zeros()
        return c, float(lin.const[0]), Q if Q.nnz else None

    # --- checking and solving -------------------------------------------------------------

    def violation(self, x: np.ndarray) -> tuple[float, str]:
        """Largest scaled violation of the model's bounds, integrality and constraints at ``x``,
        and where it is; scaled as :meth:`Problem.violation`."""
        x = np.asarray(x, dtype=float)
        if x.shape != (self.n_vars,) or not np.all(np.isfinite(x)):
            return np.inf, "solution vector has the wrong size or non-finite entries"
        worst, culprit = 0.0, None
        for kind, excess in self._excesses(x):
            if excess.size and excess.max() > worst:
                worst, culprit = float(excess.max()), (kind, int(excess.argmax()))
        if culprit is None:
            return worst, ""
        kind, i = culprit
        names = self.row_names() if kind == "constraint" else self.column_names()
        return worst, f"{kind} {names[i]}"

    def _excesses(self, x: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """Scaled excess over every column bound, integrality and row bound at ``x``."""
        col_lower, col_upper, integer = self.column_bounds()
        rows, row_lower, row_upper = self.rows()
        activity = rows.dot(x)
        frac = np.where(integer, np.abs(x - np.round(x)), 0.0)
        return [
            ("variable", _scaled(col_lower - x, col_lower)),
            ("variable", _scaled(x - col_upper, col_upper)),
            ("constraint", _scaled(row_lower - activity, row_lower)),
            ("constraint", _scaled(activity - row_upper, row_upper)),
            ("integrality of", np.where(frac > INTEGRALITY, frac, 0.0)),
        ]

    def solve(self, time_limit: float | None = None, gap: float = RELATIVE_GAP,
              node_limit: int | None = None, threads: int = 1, log: bool = False,
              reformulation: str = "auto") -> Result:
        """Solve with branch-and-bound and return a Result.

        ``reformulation`` ("auto", "bigm" or "hull") picks how logical constructs become
        rows; it is checked now but has no effect until the program-logic constructs land.
        """
        if reformulation not in REFORMULATIONS:
            raise ValueError(f"reformulation must be one of {REFORMULATIONS}, "
                             f"not {reformulation!r}")
        options = SolveOptions(time_limit=time_limit, gap=gap, node_limit=node_limit,
                               threads=threads, log=log)
        return Result(self, solve(self.to_problem(), options))


def _normalize_shape(shape: Shape, name: str) -> tuple[int, ...] | None:
    """``shape`` as a tuple of non-negative ints (None stays None, for a scalar)."""
    if shape is None:
        return None
    dims = (shape,) if np.isscalar(shape) else tuple(shape)
    if not all(isinstance(d, (int, np.integer)) and d >= 0 for d in dims):
        raise ValueError(f"shape of {name!r} must be non-negative integers, got {shape!r}")
    return tuple(int(d) for d in dims)


def _bounds(lb: float | np.ndarray, ub: float | np.ndarray, shape: tuple[int, ...],
            name: str) -> tuple[np.ndarray, np.ndarray]:
    """Bound arrays broadcast to ``shape``, checked to be numbers with ``lb <= ub``."""
    try:
        lower = np.array(np.broadcast_to(np.asarray(lb, dtype=float), shape))
        upper = np.array(np.broadcast_to(np.asarray(ub, dtype=float), shape))
    except (TypeError, ValueError) as err:
        raise ValueError(f"bounds of {name!r} must be numbers broadcastable "
                         f"to shape {shape}: {err}") from None
    if np.isnan(lower).any() or np.isnan(upper).any():
        raise ValueError(f"bounds of {name!r} must not be NaN")
    if (lower > upper).any() or (lower == np.inf).any() or (upper == -np.inf).any():
        raise ValueError(f"bounds of {name!r} are empty: lb must be <= ub and finite on its side")
    return lower, upper


def _scaled(excess: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """``excess`` relative to ``max(1, |bound|)``: relative for large bounds, absolute for small."""
    return excess / np.maximum(1.0, np.abs(np.where(np.isfinite(bound), bound, 0.0)))


def _check_constraint(constraint: object) -> None:
    """Raise a helpful error unless ``constraint`` is a linear Constraint."""
    if isinstance(constraint, (bool, np.bool_)) or (
            isinstance(constraint, np.ndarray) and constraint.dtype == bool):
        raise TypeError(
            f"m.add got {constraint!r}, a plain True/False: comparing numbers gives a bool, "
            "not a constraint. Did a variable get replaced by a number?")
    if not isinstance(constraint, Constraint):
        raise TypeError(f"m.add needs a constraint such as x + y <= 3, "
                        f"got {type(constraint).__name__}")
    if constraint.is_quadratic:
        raise NotImplementedError(
            "quadratic constraints need the nonlinear relaxations, not available yet")
