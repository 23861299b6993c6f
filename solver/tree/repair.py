"""Repair of an integral point whose rounding breaks a row: its discrete choices fixed and
substituted out, the LP over the remaining columns solved on its own, then polished.

The node LP holds the big-M coefficients, and HiGHS scales them: a point it calls feasible
can break a row by 1e-6 or more once its binaries are rounded (``x <= 1e5 y`` with ``y`` at
1e-11). With the integers fixed, their contribution moves into the row sides exactly, no
big coefficient is left for the LP to scale, and a row the point still breaks is moved
inward by what it breaks it by (the polish the model layer applies with its margin rows).
This is the search's counterpart of ``Model.solve``'s re-solve with the choices fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from branchwise.core.problem import Problem
from branchwise.core.tolerances import FEASIBILITY, REPAIR_MARGIN, bound_excess
from branchwise.solver.relax.lp import LPSolution, NodeLP

#: Times a repaired point that still breaks rows has them moved inward and is solved again.
_POLISH_ROUNDS = 3


@dataclass
class Repair:
    """What repairing one assignment gave.

    ``status`` is ``"feasible"`` (``x`` verified), ``"infeasible"`` (no values of the other
    columns complete the assignment) or ``"failed"`` (no remedy produced a verified point).
    ``bound`` is the LP optimum over the other columns (internal minimisation sense,
    objective offset left out): no point with this assignment does better, so it bounds a
    node that holds only this assignment (inf when infeasible, -inf when unknown).
    """

    status: str
    bound: float
    x: np.ndarray | None = None
    reason: str = ""


def repair_assignment(problem: Problem, point: np.ndarray, fixed: np.ndarray,
                      time_limit: float = np.inf) -> Repair:
    """Fix ``point``'s values on the columns ``fixed`` (integers already rounded), solve the
    LP of ``problem`` over the other columns within their own bounds, and polish it until
    the whole point passes :meth:`Problem.violation` (linear rows and bounds only)."""
    free = np.setdiff1d(np.arange(problem.n_cols), fixed)
    shift = problem.A[:, fixed] @ point[fixed]
    row_lower, row_upper = problem.row_lower - shift, problem.row_upper - shift
    fixed_rows = np.diff(problem.A[:, free].tocsr().indptr) == 0
    broken = bound_excess(shift[fixed_rows], problem.row_lower[fixed_rows],
                          problem.row_upper[fixed_rows])
    if broken.size and broken.max() > FEASIBILITY:
        name = problem.row_names[int(np.flatnonzero(fixed_rows)[np.argmax(broken)])]
        return Repair("infeasible", np.inf,
                      reason=f"the assignment alone breaks row {name} by {broken.max():.3g}")
    sign = -1.0 if problem.maximize else 1.0
    fixed_value = sign * (problem.objective_value(_only(point, fixed))
                          - problem.objective_offset)
    if free.size == 0:
        worst, where = problem.violation(point)
        if worst <= FEASIBILITY:
            return Repair("feasible", fixed_value, point.copy())
        return Repair("infeasible", np.inf, reason=f"the assignment breaks {where}")
    reduced = _over_free_columns(problem, point, fixed, free, row_lower, row_upper)
    bound, reason = -np.inf, ""
    for polish in range(_POLISH_ROUNDS + 1):
        result = _solve(reduced, time_limit)
        if result.status == "infeasible" and polish == 0:
            return Repair("infeasible", np.inf,
                          reason="the LP over the continuous columns is infeasible")
        if result.status != "optimal":
            what = "with its broken rows moved inward " if polish else ""
            return Repair("failed", bound, reason=(
                f"{reason}; " if reason else "") + f"the LP {what}ended {result.status}")
        if polish == 0:
            bound = result.objective + fixed_value
        candidate = point.copy()
        candidate[free] = result.x
        worst, where = problem.violation(candidate)
        if worst <= FEASIBILITY:
            return Repair("feasible", bound, candidate)
        reason = (f"the point with its integers fixed breaks {where} by {worst:.3g} after "
                  f"{polish} polishing rounds")
        reduced = _moved_inward(reduced, problem, candidate)
    return Repair("failed", bound, reason=reason)


def _only(point: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """``point`` on ``columns``, zero elsewhere (the fixed columns' own objective share)."""
    kept = np.zeros_like(point)
    kept[columns] = point[columns]
    return kept


def _over_free_columns(problem: Problem, point: np.ndarray, fixed: np.ndarray,
                       free: np.ndarray, row_lower: np.ndarray,
                       row_upper: np.ndarray) -> Problem:
    """``problem`` over the ``free`` columns, ``fixed`` ones at ``point`` moved into the row
    sides and, through the quadratic cross terms, into the linear objective."""
    c = problem.c[free]
    Q = None  # noqa: N806 - the Problem's own name for the quadratic term
    if problem.Q is not None and problem.Q.nnz:
        c = c + problem.Q[free][:, fixed] @ point[fixed]
        Q = problem.Q[free][:, free]  # noqa: N806
    return Problem(
        c=c, A=problem.A[:, free], row_lower=row_lower, row_upper=row_upper,
        col_lower=problem.col_lower[free], col_upper=problem.col_upper[free],
        integrality=np.zeros(free.size, dtype=bool), Q=Q, maximize=problem.maximize,
        row_names=list(problem.row_names))


def _moved_inward(reduced: Problem, problem: Problem, candidate: np.ndarray) -> Problem:
    """``reduced`` with every row side that ``candidate`` breaks moved inward by the
    amount it breaks it by, plus REPAIR_MARGIN (scaled by the side, as verification is)."""
    activity = problem.A @ candidate
    over, under = activity - problem.row_upper, problem.row_lower - activity
    with np.errstate(invalid="ignore"):  # inf - inf on a side that is absent
        row_upper = np.where(over > 0, reduced.row_upper - over - _margin(problem.row_upper),
                             reduced.row_upper)
        row_lower = np.where(under > 0, reduced.row_lower + under + _margin(problem.row_lower),
                             reduced.row_lower)
    return replace(reduced, row_lower=row_lower, row_upper=row_upper)


def _margin(side: np.ndarray) -> np.ndarray:
    """REPAIR_MARGIN scaled like FEASIBILITY: relative for large sides, absolute for small."""
    return REPAIR_MARGIN * np.maximum(1.0, np.abs(np.where(np.isfinite(side), side, 0.0)))


def _solve(reduced: Problem, time_limit: float) -> LPSolution:
    """Solve the reduced LP in a model of its own; from scratch with HiGHS's other
    remedies (primal simplex, presolve) when the first solve fails."""
    lp = NodeLP(reduced)
    result = lp.solve(time_limit=time_limit)
    if result.status in ("error", "unbounded_or_infeasible", "unbounded"):
        result = lp.solve_from_scratch(time_limit=time_limit)
    return result
