"""The solve pipeline: presolve, search the reduced problem, map the answer back, verify."""

from __future__ import annotations

import functools
import math
import time
from dataclasses import replace

from threadpoolctl import ThreadpoolController

from branchwise.problem import Problem
from branchwise.smooth import NONCONVEX_ADVICE, NonconvexError
from branchwise.solver.binary_products import linearize_binary_objective
from branchwise.solver.epigraph import objective_as_row
from branchwise.solver.highs_session import release_scheduler
from branchwise.solver.merge_rows import merge_row_blocks
from branchwise.solver.options import SolveOptions
from branchwise.solver.presolve import Presolve
from branchwise.solver.result import SolveReport
from branchwise.solver.search import Search
from branchwise.solver.stats import OBJECTIVE_STATS
from branchwise.tolerances import FEASIBILITY


def solve(problem: Problem, options: SolveOptions | None = None) -> SolveReport:
    """Solve ``problem`` (a MILP, an MIQP, or a MINLP whose continuous relaxation is
    convex; others only with ``nonconvex="heuristic"``) to the options' gap.

    BLAS runs on ``options.threads`` threads meanwhile: the engine's matrices are small,
    and a multi-threaded BLAS on them was measured 25-40x slower in the NLP subsolver on a
    loaded 2-core machine. HiGHS's thread scheduler is released afterwards, so highspy
    code of the caller's in the same process can choose its own thread count."""
    options = (options or SolveOptions()).started()
    try:
        with _blas_threads().limit(limits=options.threads, user_api="blas"):
            return _solve(problem, options)
    finally:
        release_scheduler()


@functools.cache
def _blas_threads() -> ThreadpoolController:
    """One controller per process (finding the loaded BLAS libraries takes milliseconds)."""
    return ThreadpoolController()


def _solve(problem: Problem, options: SolveOptions) -> SolveReport:
    if problem.objective_over_binaries() and not problem.convex_objective:
        return _with_columns_dropped(problem, _solve(linearize_binary_objective(problem), options))
    problem = merge_row_blocks(problem)
    nonconvex = problem.nonconvex_parts() if options.nonconvex == "error" else []
    if nonconvex:
        part = "the quadratic objective" if nonconvex[0] == "objective" else \
            f"nonlinear row {nonconvex[0]}"
        raise NonconvexError(f"{part} is not convex: branch-and-bound cannot prove a bound "
                             f"({NONCONVEX_ADVICE})")
    if _objective_goes_to_a_row(problem, options):
        return _with_objective_row(problem, options)
    if (not options.presolve or problem.Q is not None or problem.has_sos
            or problem.has_nonlinear_rows):
        return Search(problem, options).run()
    started = time.perf_counter()
    presolve = Presolve(problem, options.deadline.remaining())
    stats = {"presolve": presolve.outcome, "presolve_time": time.perf_counter() - started}
    if presolve.outcome == "infeasible":
        return SolveReport("infeasible", None, None, math.inf, 0,
                           time.perf_counter() - started, stats=stats)
    if presolve.outcome == "empty":
        report = SolveReport("optimal", None, None, -math.inf, 0, 0.0)
    elif presolve.outcome == "reduced":
        reduced = presolve.reduced
        stats.update(presolved_rows=reduced.n_rows, presolved_cols=reduced.n_cols)
        report = Search(reduced, options).run()
    else:
        return _without_presolve(problem, options, started, stats)
    return _postsolve(problem, presolve, report, options, started, stats)


def _postsolve(problem: Problem, presolve: Presolve, report: SolveReport,
               options: SolveOptions, started: float, stats: dict) -> SolveReport:
    """Map the reduced problem's answer to the original columns and verify it there."""
    if presolve.reduced is not None and presolve.reduced.maximize != problem.maximize:
        # HiGHS hands back a maximisation as the minimisation of the negated objective.
        flipped = {key: -report.stats[key] for key in OBJECTIVE_STATS
                   if report.stats.get(key) is not None}
        report = replace(report, bound=-report.bound,
                         objective=None if report.objective is None else -report.objective,
                         stats={**report.stats, **flipped})
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
    """Search the original problem in the time that is left (the options' deadline)."""
    report = Search(problem, options).run()
    return replace(report, time=time.perf_counter() - started, stats={**report.stats, **stats})


def _objective_goes_to_a_row(problem: Problem, options: SolveOptions) -> bool:
    """True for a quadratic objective that HiGHS's QP cannot take (not convex) or that the
    options ask to relax by outer approximation."""
    if problem.Q is None or not problem.Q.nnz:
        return False
    return options.quadratic_objective == "outer" or not problem.convex_objective


def _with_objective_row(problem: Problem, options: SolveOptions) -> SolveReport:
    """Solve with the quadratic objective as an epigraph row, then drop its column."""
    return _with_columns_dropped(problem, _solve(objective_as_row(problem), options))


def _with_columns_dropped(problem: Problem, report: SolveReport) -> SolveReport:
    """A report on an extended problem (extra columns after ``problem``'s) mapped back
    to ``problem``, its point verified there."""
    if report.x is None:
        return report
    x = report.x[: problem.n_cols]
    verified = report.verified and problem.violation(x)[0] <= FEASIBILITY
    return replace(report, x=x, objective=problem.objective_value(x), verified=verified)
