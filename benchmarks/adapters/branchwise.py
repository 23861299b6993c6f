"""branchwise itself: any problem file it reads (MPS, LP, OSiL, ``.py`` models), one thread."""

from __future__ import annotations

from pathlib import Path

from benchmarks.adapters.base import Limits, Outcome, finite_or_none

SUFFIXES = (".mps", ".mps.gz", ".lp", ".py", ".osil")
FEATURES = ("quadratic objective", "quadratic constraints")


def version() -> str:
    """The installed branchwise version."""
    from importlib.metadata import version as dist_version

    import branchwise  # noqa: F401  (fails here, not in every run, when it is missing)

    return f"branchwise {dist_version('branchwise')}"


def solve(path: Path, limits: Limits) -> Outcome:
    """Solve ``path`` as ``branchwise solve`` does: a model file (``.py``, OSiL, quadratic
    MPS) through ``Model.solve`` and its verification, any other file as a Problem."""
    from branchwise.cli import solve_file
    from branchwise.solver import SolveOptions

    options = SolveOptions(time_limit=limits.time_limit, gap=limits.gap, threads=1)
    _, report, maximize, _ = solve_file(path, options)
    return Outcome(
        report.status,
        objective=finite_or_none(report.objective),
        bound=finite_or_none(report.bound),
        nodes=report.nodes,
        time=report.time,
        sense="max" if maximize else "min",
        note="" if report.verified or report.objective is None else "solution not verified",
        trajectory=[list(point) for point in report.trajectory],
    )
