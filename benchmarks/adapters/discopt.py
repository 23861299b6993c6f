"""discopt: reads AMPL ``.nl`` itself; MPS, LP and OSiL files reach it as ``.nl`` from SCIP."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.adapters.base import Limits, Outcome, finite_or_none

SUFFIXES = (".nl", ".mps", ".mps.gz", ".lp", ".osil")
FEATURES = ("quadratic objective", "quadratic constraints")

#: discopt statuses mapped onto the harness's words ("feasible": stopped with an incumbent).
_STATUS = {
    "optimal": "optimal",
    "infeasible": "infeasible",
    "unbounded": "unbounded",
    "time_limit": "time_limit",
    "feasible": "time_limit",
    "node_limit": "node_limit",
}


def version() -> str:
    """discopt's version (the MPS route also needs PySCIPOpt to write ``.nl``)."""
    import discopt
    import pyscipopt  # noqa: F401  (the .nl writer for every non-.nl file)

    return f"discopt {discopt.__version__}"


def solve(path: Path, limits: Limits) -> Outcome:
    """Solve ``path`` with discopt's branch and bound, one thread, the run's gap."""
    from discopt.modeling.core import from_nl

    with tempfile.TemporaryDirectory(dir=limits.tmp_dir) as scratch:
        nl_file, sense = _as_nl(path, Path(scratch))
        model = from_nl(str(nl_file))
    start = time.perf_counter()
    result = model.solve(time_limit=float(limits.time_limit), gap_tolerance=float(limits.gap),
                         threads=1)
    elapsed = time.perf_counter() - start
    return Outcome(
        _STATUS.get(result.status, result.status),
        objective=finite_or_none(result.objective),
        bound=finite_or_none(result.bound),
        nodes=result.node_count,
        time=elapsed,
        sense=sense,
    )


def _as_nl(path: Path, folder: Path) -> tuple[Path, str]:
    """``path`` as AMPL ``.nl`` (written by SCIP unless it is one already) and its sense."""
    import pyscipopt

    scip = pyscipopt.Model()
    scip.hideOutput()
    scip.readProblem(str(path))
    sense = "max" if scip.getObjectiveSense() == "maximize" else "min"
    if path.suffix == ".nl":
        return path, sense
    target = folder / "model.nl"
    scip.writeProblem(str(target), verbose=False)
    return target, sense
