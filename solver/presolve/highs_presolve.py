"""HiGHS's MIP presolve in front of the search, and postsolve of its answers."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import highspy
import numpy as np

from branchwise.core.highs_model import from_highs_model, to_highs_model
from branchwise.core.highs_session import new_highs
from branchwise.core.passes import Pass
from branchwise.core.problem import Problem
from branchwise.core.tolerances import FEASIBILITY
from branchwise.solver.options import SolveOptions
from branchwise.solver.result import SolveReport
from branchwise.solver.stats import OBJECTIVE_STATS

_OUTCOME = {
    highspy.HighsPresolveStatus.kNotReduced: "not_reduced",
    highspy.HighsPresolveStatus.kReduced: "reduced",
    highspy.HighsPresolveStatus.kReducedToEmpty: "empty",
    highspy.HighsPresolveStatus.kInfeasible: "infeasible",
    highspy.HighsPresolveStatus.kUnboundedOrInfeasible: "unbounded_or_infeasible",
    highspy.HighsPresolveStatus.kTimeout: "timeout",
}


class Presolve:
    """Runs HiGHS's presolve (MIP reductions included) on a problem once.

    ``outcome`` is one of reduced, empty, not_reduced, infeasible,
    unbounded_or_infeasible, timeout or error; ``reduced`` is the smaller problem when
    there is one, and ``restore`` maps its points back to the original columns.
    """

    def __init__(self, problem: Problem, time_limit: float) -> None:
        self.original = problem
        self.highs = new_highs()
        if np.isfinite(time_limit):
            self.highs.setOptionValue("time_limit", float(max(time_limit, 1e-3)))
        self.highs.passModel(to_highs_model(problem))
        status = self.highs.presolve()
        self.outcome = "error" if status == highspy.HighsStatus.kError else _OUTCOME.get(
            self.highs.getModelPresolveStatus(), "error")
        self.reduced: Problem | None = None
        if self.outcome == "reduced":
            self.reduced = from_highs_model(self.highs.getPresolvedLp(), name=problem.name)
            self.reduced.logic_columns = _surviving_logic_columns(problem, self.reduced)

    def restore(self, x_reduced: np.ndarray) -> np.ndarray | None:
        """The original-space point of a reduced-space point (None if postsolve fails)."""
        solution = highspy.HighsSolution()
        solution.col_value = np.asarray(x_reduced, dtype=float)
        reduced = self.reduced
        activity = reduced.A @ x_reduced if reduced is not None else np.zeros(0)
        solution.row_value = activity
        solution.value_valid = True
        solution.dual_valid = False
        if self.highs.postsolve(solution) == highspy.HighsStatus.kError:
            return None
        x = np.array(self.highs.getSolution().col_value, dtype=float)
        return x if x.shape == (self.original.n_cols,) else None


def _surviving_logic_columns(original: Problem, reduced: Problem) -> np.ndarray:
    """The reduced problem's columns that were logic columns of the original, found by
    name (HiGHS keeps the names of the columns it keeps); none when names repeat."""
    names = original.col_names
    if not original.logic_columns.size or len(set(names)) != len(names):
        return np.zeros(0, dtype=np.int64)
    logic = {names[j] for j in original.logic_columns}
    return np.array([j for j, name in enumerate(reduced.col_names)
                     if name in logic and reduced.integrality[j]], dtype=np.int64)


@dataclass
class _Presolved:
    """What mapping an answer back through presolve needs: the problem presolved, the
    presolve (for postsolve), when it started and the stats it reports."""

    original: Problem
    presolve: Presolve
    started: float
    stats: dict


class HighsPresolve(Pass):
    """HiGHS's presolve as a pass over a MILP (no quadratic objective, SOS sets or
    nonlinear rows), when the options ask for it.

    ``apply`` hands on the reduced problem; the original where presolve did not reduce it
    (so that is searched, the stats saying why); None where presolve settled it (infeasible,
    or reduced to nothing). ``invert`` postsolves and verifies the answer on the original,
    and where postsolve fails searches the original with the time that is left
    (``stats["postsolve_failed"]``); ``search`` is how the driver searches a problem."""

    def __init__(self, options: SolveOptions, search: Callable[[Problem], SolveReport]) -> None:
        self.options, self.search = options, search

    def accepts(self, problem: Problem) -> bool:
        """Off for a pool of solutions (HiGHS's dual reductions keep one optimum, not the
        points behind it) and for lazy rows (they read the columns presolve removes)."""
        return (self.options.presolve and self.options.pool == 1 and self.options.lazy is None
                and problem.Q is None and not problem.has_sos
                and not problem.has_nonlinear_rows)

    def apply(self, problem: Problem) -> tuple[Problem | None, _Presolved]:
        started = time.perf_counter()
        presolve = Presolve(problem, self.options.deadline.remaining())
        run = _Presolved(problem, presolve, started, {
            "presolve": presolve.outcome, "presolve_time": time.perf_counter() - started})
        if presolve.outcome == "reduced":
            reduced = presolve.reduced
            run.stats.update(presolved_rows=reduced.n_rows, presolved_cols=reduced.n_cols)
            return reduced, run
        if presolve.outcome in ("infeasible", "empty"):
            return None, run
        return problem, run

    def restore_point(self, run: _Presolved, x: np.ndarray) -> np.ndarray | None:
        return run.presolve.restore(x) if run.presolve.outcome == "reduced" else x

    def invert(self, run: _Presolved, report: SolveReport | None) -> SolveReport:
        outcome = run.presolve.outcome
        if outcome == "infeasible":
            return SolveReport("infeasible", None, None, math.inf, 0,
                               time.perf_counter() - run.started, stats=run.stats)
        if outcome == "empty":
            return self._postsolve(run, SolveReport("optimal", None, None, -math.inf, 0, 0.0))
        if outcome == "reduced":
            return self._postsolve(run, report)
        return _timed(report, run)

    def _postsolve(self, run: _Presolved, report: SolveReport) -> SolveReport:
        """The reduced problem's answer on the original columns, verified there."""
        problem, presolve = run.original, run.presolve
        if presolve.reduced is not None and presolve.reduced.maximize != problem.maximize:
            # HiGHS hands back a maximisation as the minimisation of the negated objective.
            flipped = {key: -report.stats[key] for key in OBJECTIVE_STATS
                       if report.stats.get(key) is not None}
            report = replace(report, bound=-report.bound,
                             objective=None if report.objective is None else -report.objective,
                             stats={**report.stats, **flipped}, trajectory=[
                                 (t, None if o is None else -o, -b)
                                 for t, o, b in report.trajectory])
        if report.status in ("infeasible", "unbounded"):
            return _timed(report, run)
        x = None
        if report.x is not None or presolve.outcome == "empty":
            x = presolve.restore(report.x if report.x is not None else [])
            if x is None or problem.violation(x)[0] > FEASIBILITY:
                run.stats["postsolve_failed"] = True
                return _timed(self.search(problem), run)
        objective = problem.objective_value(x) if x is not None else None
        bound = report.bound if presolve.outcome == "reduced" else objective
        return _timed(replace(report, x=x, objective=objective, bound=bound,
                              verified=x is not None), run)


def _timed(report: SolveReport, run: _Presolved) -> SolveReport:
    """``report`` with the time since presolve began and presolve's stats."""
    return replace(report, time=time.perf_counter() - run.started,
                   stats={**report.stats, **run.stats})
