"""SCIP through PySCIPOpt: reads MPS, LP, OSiL and NL files, one thread, the run's gap."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.adapters.base import Limits, Outcome, finite_or_none

SUFFIXES = (".mps", ".mps.gz", ".lp", ".osil", ".nl", ".cip")
FEATURES = ("quadratic objective", "quadratic constraints")

#: SCIP statuses mapped onto the harness's words; "gaplimit" is the run's gap being met.
_STATUS = {
    "optimal": "optimal",
    "gaplimit": "optimal",
    "infeasible": "infeasible",
    "unbounded": "unbounded",
    "inforunbd": "infeasible_or_unbounded",
    "timelimit": "time_limit",
    "nodelimit": "node_limit",
    "totalnodelimit": "node_limit",
    "userinterrupt": "interrupted",
}


def version() -> str:
    """SCIP and PySCIPOpt versions."""
    import pyscipopt

    return f"SCIP {pyscipopt.Model().version()} (PySCIPOpt {pyscipopt.__version__})"


def solve(path: Path, limits: Limits) -> Outcome:
    """Solve ``path`` with SCIP and report its status, incumbent, bound and nodes."""
    import pyscipopt

    m = pyscipopt.Model()
    m.hideOutput()
    m.setParam("limits/time", float(limits.time_limit))
    m.setParam("limits/gap", float(limits.gap))
    m.setParam("parallel/maxnthreads", 1)
    m.setParam("lp/threads", 1)
    m.readProblem(str(path))
    start = time.perf_counter()
    m.optimize()
    elapsed = time.perf_counter() - start
    raw = m.getStatus()
    has_solution = m.getNSols() > 0
    return Outcome(
        _STATUS.get(raw, raw),
        objective=finite_or_none(m.getObjVal()) if has_solution else None,
        bound=finite_or_none(m.getDualbound()),
        nodes=int(m.getNTotalNodes()),
        time=elapsed,
        sense="max" if m.getObjectiveSense() == "maximize" else "min",
    )
