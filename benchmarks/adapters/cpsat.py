"""CP-SAT (OR-Tools) on an MPS file through its model builder, one worker.

CP-SAT solves integer programs only: it would scale continuous columns to integers and
answer a nearby problem, so a file with any continuous column is refused (an ``error``
outcome naming the count) rather than solved approximately.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.adapters.base import Limits, Outcome, finite_or_none

SUFFIXES = (".mps",)


def version() -> str:
    """The OR-Tools version."""
    import ortools
    from ortools.linear_solver.python import model_builder  # noqa: F401  (CP-SAT's reader)

    return f"CP-SAT (OR-Tools {ortools.__version__})"


def solve(path: Path, limits: Limits) -> Outcome:
    """Solve ``path`` with CP-SAT and report its status, incumbent and bound."""
    from ortools.linear_solver.python import model_builder as mb

    model = mb.Model()
    if not model.import_from_mps_file(str(path)):
        return Outcome("error", note=f"OR-Tools could not read {path.name}")
    continuous = sum(not v.is_integral for v in model.get_variables())
    if continuous:
        raise ValueError(f"{continuous} continuous column(s): CP-SAT needs integer columns")
    solver = mb.Solver("sat")
    solver.set_time_limit_in_seconds(float(limits.time_limit))
    solver.set_solver_specific_parameters(
        f"num_workers:1 relative_gap_limit:{limits.gap:g}")
    start = time.perf_counter()
    status = solver.solve(model)
    elapsed = time.perf_counter() - start
    words = {mb.SolveStatus.OPTIMAL: "optimal", mb.SolveStatus.INFEASIBLE: "infeasible",
             mb.SolveStatus.UNBOUNDED: "unbounded", mb.SolveStatus.FEASIBLE: "time_limit",
             mb.SolveStatus.NOT_SOLVED: "time_limit"}
    found = status in (mb.SolveStatus.OPTIMAL, mb.SolveStatus.FEASIBLE)
    return Outcome(
        words.get(status, status.name.lower()),
        objective=finite_or_none(solver.objective_value) if found else None,
        bound=finite_or_none(solver.best_objective_bound),
        time=elapsed,
        sense="max" if model.helper.maximize() else "min",
    )
