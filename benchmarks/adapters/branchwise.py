"""branchwise itself: any problem file it reads (MPS, LP, ``.py`` models), one thread."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.adapters.base import Limits, Outcome, finite_or_none

SUFFIXES = (".mps", ".mps.gz", ".lp", ".py")


def version() -> str:
    """The installed branchwise version."""
    from importlib.metadata import version as dist_version

    import branchwise  # noqa: F401  (fails here, not in every run, when it is missing)

    return f"branchwise {dist_version('branchwise')}"


def solve(path: Path, limits: Limits) -> Outcome:
    """Solve ``path`` as ``branchwise solve`` does: ``load_problem`` then ``solve``."""
    from branchwise import solver
    from branchwise.io import load_problem

    problem = load_problem(path)
    options = solver.SolveOptions(time_limit=limits.time_limit, gap=limits.gap, threads=1)
    start = time.perf_counter()
    report = solver.solve(problem, options)
    elapsed = time.perf_counter() - start
    return Outcome(
        report.status,
        objective=finite_or_none(report.objective),
        bound=finite_or_none(report.bound),
        nodes=report.nodes,
        time=elapsed,
        sense="max" if problem.maximize else "min",
        note="" if report.verified or report.objective is None else "solution not verified",
    )
