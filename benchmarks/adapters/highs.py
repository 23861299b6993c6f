"""HiGHS through highspy: reads the file itself, one thread, the run's gap and time limit."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.adapters.base import Limits, Outcome, finite_or_none

SUFFIXES = (".mps", ".mps.gz", ".lp")
FEATURES = ("quadratic objective",)


def version() -> str:
    """highspy's HiGHS version."""
    import highspy

    return f"HiGHS {highspy.Highs().version()} (highspy)"


def solve(path: Path, limits: Limits) -> Outcome:
    """Solve ``path`` with HiGHS and report its status, incumbent, bound and nodes."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(limits.time_limit))
    h.setOptionValue("mip_rel_gap", float(limits.gap))
    if h.readModel(str(path)) == highspy.HighsStatus.kError:
        return Outcome("error", note=f"HiGHS could not read {path.name}")
    start = time.perf_counter()
    h.run()
    elapsed = time.perf_counter() - start
    info = h.getInfo()
    model_status = h.getModelStatus()
    status = _status_table().get(model_status, h.modelStatusToString(model_status))
    has_solution = info.primal_solution_status == 2
    objective = info.objective_function_value if has_solution else None
    is_mip = any(int(v) != 0 for v in h.getLp().integrality_)
    bound = info.mip_dual_bound if is_mip else (objective if status == "optimal" else None)
    sense = "max" if h.getLp().sense_ == highspy.ObjSense.kMaximize else "min"
    return Outcome(
        status,
        objective=finite_or_none(objective),
        bound=finite_or_none(bound),
        nodes=int(info.mip_node_count) if is_mip else 0,
        time=elapsed,
        sense=sense,
    )


def _status_table() -> dict:
    """HiGHS model statuses mapped onto the harness's words."""
    import highspy

    s = highspy.HighsModelStatus
    return {
        s.kOptimal: "optimal",
        s.kInfeasible: "infeasible",
        s.kUnbounded: "unbounded",
        s.kUnboundedOrInfeasible: "infeasible_or_unbounded",
        s.kTimeLimit: "time_limit",
        s.kInterrupt: "interrupted",
    }
