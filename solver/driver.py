"""The solve pipeline: presolve, search the reduced problem, map the answer back, verify."""

from __future__ import annotations

import math
import time
from dataclasses import replace

from branchwise.problem import Problem
from branchwise.solver.options import SolveOptions
from branchwise.solver.presolve import Presolve
from branchwise.solver.result import SolveReport
from branchwise.solver.search import Search
from branchwise.tolerances import FEASIBILITY


def solve(problem: Problem, options: SolveOptions | None = None) -> SolveReport:
    """Solve ``problem`` (a MILP, or an MIQP with a convex objective) to the options' gap."""
    options = options or SolveOptions()
    if not options.presolve or problem.Q is not None or problem.has_sos:
        return Search(problem, options).run()
    started = time.perf_counter()
    presolve = Presolve(problem, options.time_limit)
    stats = {"presolve": presolve.outcome, "presolve_time": time.perf_counter() - started}
    if presolve.outcome == "infeasible":
        return SolveReport("infeasible", None, None, math.inf, 0,
                           time.perf_counter() - started, stats=stats)
    if presolve.outcome == "empty":
        report = SolveReport("optimal", None, None, -math.inf, 0, 0.0)
    elif presolve.outcome == "reduced":
        remaining = options.time_limit - (time.perf_counter() - started)
        reduced = presolve.reduced
        stats.update(presolved_rows=reduced.n_rows, presolved_cols=reduced.n_cols)
        report = Search(reduced, replace(options, time_limit=max(remaining, 1e-3))).run()
    else:
        return _without_presolve(problem, options, started, stats)
    return _postsolve(problem, presolve, report, options, started, stats)


def _postsolve(problem: Problem, presolve: Presolve, report: SolveReport,
               options: SolveOptions, started: float, stats: dict) -> SolveReport:
    """Map the reduced problem's answer to the original columns and verify it there."""
    if presolve.reduced is not None and presolve.reduced.maximize != problem.maximize:
        # HiGHS hands back a maximisation as the minimisation of the negated objective.
        report = replace(report, bound=-report.bound,
                         objective=None if report.objective is None else -report.objective)
    if report.status in ("infeasible", "unbounded"):
        return replace(report, time=time.perf_counter() - started, stats={**report.stats, **stats})
    x = None
    if report.x is not None or presolve.outcome == "empty":
        x = presolve.restore(report.x if report.x is not None else [])
        if x is None or problem.violation(x)[0] > FEASIBILITY:
            stats["postsolve_failed"] = True
            return _without_presolve(problem, options, started, stats)
    objective = problem.objective_value(x) if x is not None else None
    bound = report.bound if presolve.outcome == "reduced" else objective
    return replace(report, x=x, objective=objective, bound=bound, verified=x is not None,
                   time=time.perf_counter() - started, stats={**report.stats, **stats})


def _without_presolve(problem: Problem, options: SolveOptions, started: float,
                      stats: dict) -> SolveReport:
    """Search the original problem in the time that is left."""
    remaining = options.time_limit - (time.perf_counter() - started)
    report = Search(problem, replace(options, time_limit=max(remaining, 1e-3))).run()
    return replace(report, time=time.perf_counter() - started, stats={**report.stats, **stats})
