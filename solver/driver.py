"""The solve pipeline: a chain of whole-problem passes (merged row blocks, a linear binary
objective, the convexity check, the objective as a row, presolve), the search of what is
left, the answer mapped back through the chain and verified on the problem given."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController

from branchwise.core.highs_session import release_scheduler
from branchwise.core.passes import Chain, Pass
from branchwise.core.problem import Problem
from branchwise.core.smooth import NONCONVEX_ADVICE, NonconvexError
from branchwise.core.tolerances import FEASIBILITY
from branchwise.solver.options import SolveOptions
from branchwise.solver.presolve.binary_products import LinearizeBinaryObjective
from branchwise.solver.presolve.highs_presolve import HighsPresolve
from branchwise.solver.presolve.merge_rows import MergeRowBlocks
from branchwise.solver.presolve.objective_row import ObjectiveAsRow
from branchwise.solver.result import SolveReport
from branchwise.solver.search import Search


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
    """Rewrite ``problem`` pass by pass, search what is left, map the answer back through
    the passes in reverse and verify it on ``problem``. A pass that does not apply is
    skipped; presolve may settle the problem itself (then nothing is searched)."""
    search = functools.partial(_search, options=options)
    rewrites = Chain([
        MergeRowBlocks(),
        LinearizeBinaryObjective(),
        RequireConvex(options),
        ObjectiveAsRow(options),
        HighsPresolve(options, search),
    ])
    rewritten, inverse = rewrites.apply(problem)
    restore = functools.partial(rewrites.restore_point, inverse)
    report = None if rewritten is None else _search(rewritten, _for_rewritten(
        options, problem, rewritten, restore))
    pool = [] if report is None else [restore(x) for x in report.pool]
    answer = _verified(problem, rewrites.invert(inverse, report))
    return replace(answer, pool=[x for x in pool if x is not None
                                 and problem.violation(x)[0] <= FEASIBILITY])


def _for_rewritten(options: SolveOptions, problem: Problem, rewritten: Problem,
                   restore: Callable[[np.ndarray], np.ndarray | None]) -> SolveOptions:
    """``options`` for searching ``rewritten`` but speaking of ``problem``: a cutoff and
    the numbers the callbacks see negated where the rewrite flipped the sense (HiGHS
    presolves a maximisation into the minimisation of the negated objective), the
    callbacks' points restored to ``problem``'s columns (a point that cannot be is not
    reported), and lazy rows widened to ``rewritten``'s columns."""
    sign = 1.0 if rewritten.maximize == problem.maximize else -1.0

    def in_sense(progress: dict) -> dict:
        objective = progress["objective"]
        return {**progress, "bound": sign * progress["bound"],
                "objective": None if objective is None else sign * objective}

    def on_incumbent(x: np.ndarray, progress: dict) -> bool | None:
        restored = restore(x)
        if restored is None:
            return None
        return options.on_incumbent(restored, {
            **in_sense(progress), "objective": problem.objective_value(restored)})

    def lazy(x: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray] | None:
        restored = restore(x)
        rows = None if restored is None else options.lazy(restored)
        if rows is None:
            return None
        given = sp.csr_matrix(rows[0])  # over problem's columns: widened to rewritten's
        widened = sp.csr_matrix((given.data, given.indices, given.indptr),
                                shape=(given.shape[0], rewritten.n_cols))
        return widened, np.asarray(rows[1], dtype=float), np.asarray(rows[2], dtype=float)

    changes = {}
    if options.lazy is not None:
        changes["lazy"] = lazy
    if options.cutoff is not None and sign < 0:
        changes["cutoff"] = -options.cutoff
    if options.on_incumbent is not None:
        changes["on_incumbent"] = on_incumbent
    if options.on_progress is not None and sign < 0:
        changes["on_progress"] = lambda progress: options.on_progress(in_sense(progress))
    if not changes:
        return options
    adapted = replace(options, **changes)
    adapted.deadline = options.deadline  # the same clock, not a new limit from now
    return adapted


def _search(problem: Problem, options: SolveOptions) -> SolveReport:
    """Branch-and-bound on ``problem`` in the time the options' deadline leaves."""
    return Search(problem, options).run()


class RequireConvex(Pass):
    """Refuses a problem whose continuous relaxation is not proven convex (unless the
    options ask for a heuristic search): branch-and-bound could prove no bound on it."""

    def __init__(self, options: SolveOptions) -> None:
        self.refuse = options.nonconvex == "error"

    def accepts(self, problem: Problem) -> bool:
        return self.refuse

    def apply(self, problem: Problem) -> tuple[Problem, None]:
        nonconvex = problem.nonconvex_parts()
        if nonconvex:
            part = "the quadratic objective" if nonconvex[0] == "objective" else \
                f"nonlinear row {nonconvex[0]}"
            raise NonconvexError(f"{part} is not convex: branch-and-bound cannot prove a "
                                 f"bound ({NONCONVEX_ADVICE})")
        return problem, None


def _verified(problem: Problem, report: SolveReport) -> SolveReport:
    """``report`` with its point checked on ``problem`` itself (what the passes mapped back
    must hold there)."""
    if report.x is None:
        return report
    return replace(report, verified=report.verified
                   and problem.violation(report.x)[0] <= FEASIBILITY)
