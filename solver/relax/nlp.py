"""The continuous nonlinear relaxation: the whole problem (linear and smooth rows, the
quadratic objective) over given column bounds, solved by SLSQP with exact gradients.

The search calls it at the root (a bound and a point to linearise at) and wherever the
integer columns are fixed (the best point for that assignment). Fixed columns are taken
out of the variables SLSQP sees, so a fixed-integer subproblem is only as big as its
continuous part."""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from branchwise.core.problem import Problem
from branchwise.core.tolerances import FEASIBILITY, NLP_TOLERANCE, bound_excess

#: Most SLSQP iterations in one solve.
_MAX_ITERATIONS = 500


@dataclass
class NlpResult:
    """One NLP solve: ``optimal`` (a KKT point within tolerance, feasible), ``infeasible``
    (SLSQP ended without a feasible point: for a convex problem, evidence, not a proof) or
    ``failed``; objective in the internal minimisation sense, without the offset."""

    status: str
    x: np.ndarray | None
    objective: float
    #: True when every column was fixed: the verdict is then an exact evaluation.
    exact: bool = False


class NlpRelaxation:
    """The problem's continuous relaxation, minimised, ready to solve over any bounds."""

    def __init__(self, problem: Problem, deadline: float = math.inf) -> None:
        """``deadline`` (a ``time.perf_counter()`` value) stops any SLSQP run past it."""
        self.problem = problem
        self.deadline = deadline
        self.sign = -1.0 if problem.maximize else 1.0
        self.c = self.sign * problem.c
        self.Q = None if problem.Q is None or not problem.Q.nnz else self.sign * problem.Q

    def objective(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """Internal objective (minimised, no offset) and its gradient at ``x``."""
        if self.Q is None:
            return float(self.c @ x), self.c
        qx = self.Q @ x
        return float(self.c @ x + 0.5 * x @ qx), self.c + qx

    def solve(self, lower: np.ndarray, upper: np.ndarray, start: np.ndarray,
              iterations: int = _MAX_ITERATIONS) -> NlpResult:
        """Minimise over ``lower <= x <= upper`` from ``start`` (clipped into the box), with
        at most ``iterations`` SLSQP iterations per attempt; past the deadline "failed"."""
        free = np.flatnonzero(lower < upper)
        base = np.clip(start, lower, upper)
        base = np.where(np.isfinite(base), base, np.where(np.isfinite(lower), lower, 0.0))
        if free.size == 0:
            return replace(self._judge(base), exact=True)
        rows = _StackedRows(self.problem, _Embedding(base, free))
        if rows.fixed_part_violated(base):
            return NlpResult("infeasible", None, self.objective(base)[0], exact=True)
        if time.perf_counter() > self.deadline:
            return NlpResult("failed", None, self.objective(base)[0])
        result = self._slsqp(rows, base[free], lower[free], upper[free], iterations)
        if result.status != "optimal" and time.perf_counter() <= self.deadline:
            # a stationary start (zero gradients) can stall it
            centre = 0.5 * (np.nan_to_num(lower, neginf=-1.0) + np.nan_to_num(upper, posinf=1.0))
            retry = self._slsqp(rows, centre[free], lower[free], upper[free], iterations)
            if retry.x is not None:
                result = retry
        return result

    def _slsqp(self, rows: _StackedRows, start: np.ndarray, lower: np.ndarray,
               upper: np.ndarray, iterations: int) -> NlpResult:
        """One SLSQP run over the free columns from ``start`` (their values)."""
        from scipy.optimize import minimize  # ~0.5 s to import: only problems with rows need it
        embed = rows.embed
        bounds = list(zip(_none_if_inf(lower), _none_if_inf(upper), strict=True))

        def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
            value, gradient = self.objective(embed.full(z))
            return value, gradient[embed.free]

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            solution = minimize(fun, np.clip(start, lower, upper), jac=True, method="SLSQP",
                                bounds=bounds, constraints=_constraints(rows),
                                options={"maxiter": iterations, "ftol": NLP_TOLERANCE},
                                callback=self._stop_at_deadline)
        x = embed.full(np.clip(solution.x, lower, upper))
        return self._judge(x, converged=bool(solution.success))

    def _stop_at_deadline(self, _: object) -> None:
        if time.perf_counter() > self.deadline:
            raise StopIteration

    def _judge(self, x: np.ndarray, converged: bool = True) -> NlpResult:
        """The result for point ``x``: optimal when SLSQP converged to a feasible point."""
        relaxed = self.problem.violation(x, integer_tol=np.inf)[0]
        objective = self.objective(x)[0]
        if relaxed <= FEASIBILITY:
            return NlpResult("optimal" if converged else "failed", x, objective)
        return NlpResult("infeasible" if converged else "failed", None, objective)


class _Embedding:
    """Maps SLSQP's variables (the free columns) into full column vectors."""

    def __init__(self, base: np.ndarray, free: np.ndarray) -> None:
        self.base, self.free = base.copy(), free

    def full(self, z: np.ndarray) -> np.ndarray:
        x = self.base.copy()
        x[self.free] = z
        return x


class _StackedRows:
    """The linear rows and every nonlinear block as one vector function of the free
    columns, with dense Jacobians; the last point's values and Jacobian are kept, since
    SLSQP asks for both sides' functions at the same point."""

    def __init__(self, problem: Problem, embed: _Embedding) -> None:
        self.A, self.blocks, self.embed = problem.A, problem.nonlinear, embed
        linear = sp.csr_matrix(self.A[:, embed.free])
        self.linear_jacobian = linear.toarray()
        self.lower = np.concatenate([problem.row_lower, *[b.lower for b in self.blocks]])
        self.upper = np.concatenate([problem.row_upper, *[b.upper for b in self.blocks]])
        involved = [np.intersect1d(b.function.columns(), embed.free).size > 0
                    for b in self.blocks]
        #: Rows that depend on a free column (the others are constants over the box).
        self.moving = np.concatenate([np.diff(linear.indptr) > 0,
                                      *[np.full(b.n_rows, k) for b, k in zip(
                                          self.blocks, involved, strict=True)]])
        self._values_at: np.ndarray | None = None
        self._jacobian_at: np.ndarray | None = None
        self._values = self._jacobian = np.zeros(0)

    def fixed_part_violated(self, x: np.ndarray) -> bool:
        """True when a row over fixed columns only is violated at ``x``: nothing in the box
        can satisfy it."""
        excess = bound_excess(self.values(x[self.embed.free]), self.lower, self.upper)
        return bool(np.any(~self.moving & (excess > FEASIBILITY)))

    def values(self, z: np.ndarray) -> np.ndarray:
        if self._values_at is None or not np.array_equal(z, self._values_at):
            x = self.embed.full(z)
            self._values = np.concatenate([self.A @ x, *[b.function.value(x)
                                                         for b in self.blocks]])
            self._values_at = z.copy()
        return self._values

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        if self._jacobian_at is None or not np.array_equal(z, self._jacobian_at):
            x = self.embed.full(z)
            nonlinear = [_dense(b.function.jacobian(x))[:, self.embed.free] for b in self.blocks]
            self._jacobian = np.vstack([self.linear_jacobian, *nonlinear])
            self._jacobian_at = z.copy()
        return self._jacobian


def _constraints(rows: _StackedRows) -> list[dict]:
    """SLSQP constraint dicts over every finite side of the rows that move with the free
    columns: one for the equalities (``f - b == 0``), one for the inequalities
    (``u - f >= 0``, ``f - l >= 0``), all rows evaluated together once per point."""
    moving = rows.moving
    lower, upper = rows.lower, rows.upper
    equal = moving & np.isfinite(lower) & (lower == upper)
    above = np.flatnonzero(moving & np.isfinite(upper) & ~equal)
    below = np.flatnonzero(moving & np.isfinite(lower) & ~equal)
    equal = np.flatnonzero(equal)
    sign = np.concatenate([-np.ones(above.size), np.ones(below.size)])
    sides = np.concatenate([above, below])
    bound = np.concatenate([upper[above], lower[below]])
    constraints = []
    if equal.size:
        constraints.append({"type": "eq", "fun": lambda z: rows.values(z)[equal] - lower[equal],
                            "jac": lambda z: rows.jacobian(z)[equal]})
    if sides.size:
        constraints.append({"type": "ineq",
                            "fun": lambda z: sign * (rows.values(z)[sides] - bound),
                            "jac": lambda z: sign[:, None] * rows.jacobian(z)[sides]})
    return constraints


def _dense(matrix: sp.spmatrix | np.ndarray) -> np.ndarray:
    """A dense array (blocks are small next to SLSQP's own dense work)."""
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)


def _none_if_inf(values: np.ndarray) -> list[float | None]:
    return [float(v) if np.isfinite(v) else None for v in values]
