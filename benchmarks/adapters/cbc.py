"""CBC, the binary bundled with PuLP, run on an uncompressed MPS; its log gives the answer."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.adapters.base import Limits, Outcome, finite_or_none

SUFFIXES = (".mps", ".mps.gz")
FEATURES = ()  # MILP only: no QUADOBJ, no QCMATRIX

#: CBC's closing messages mapped onto the harness's words, checked in this order.
_MESSAGES = (
    ("Result - Optimal solution found", "optimal"),
    ("Result - Problem proven infeasible", "infeasible"),
    ("Result - Linear relaxation infeasible", "infeasible"),
    ("Result - Linear relaxation unbounded", "unbounded"),
    ("Result - Problem proven unbounded", "unbounded"),
    ("Result - Stopped on time", "time_limit"),
    ("Result - Stopped on iterations or time", "time_limit"),
    ("Result - Stopped on node", "node_limit"),
    ("Result - Stopped by", "interrupted"),
    ("Pre-processing says infeasible or unbounded", "infeasible_or_unbounded"),
)


def binary() -> str:
    """Path of the CBC executable that PuLP ships."""
    import pulp

    path = pulp.apis.PULP_CBC_CMD().path
    if not path or not Path(path).exists():
        raise ImportError("PuLP is installed but its bundled CBC binary is missing")
    return path


def version() -> str:
    """CBC's version line and the PuLP version that ships it."""
    import pulp

    out = subprocess.run([binary(), "-quit"], capture_output=True, text=True, timeout=30).stdout
    found = re.search(r"Version:\s*(\S+)", out)
    return f"CBC {found.group(1) if found else '?'} (PuLP {pulp.__version__})"


def solve(path: Path, limits: Limits) -> Outcome:
    """Run CBC on ``path`` (decompressed first: it cannot read gzip) and parse its log."""
    with tempfile.TemporaryDirectory(dir=limits.tmp_dir) as scratch:
        model = _plain_copy(path, Path(scratch))
        sense = mps_sense(model)
        command = [binary(), str(model), *(["max"] if sense == "max" else []),
                   "timeMode", "elapsed", "sec", str(limits.time_limit),
                   "ratioGap", str(limits.gap), "solve"]
        start = time.perf_counter()
        log = subprocess.run(command, capture_output=True, text=True).stdout
        elapsed = time.perf_counter() - start
    outcome = parse_log(log, elapsed, sense)
    if outcome.status == "optimal" and elapsed >= 0.99 * limits.time_limit:
        outcome.note = "CBC claims optimal as its time limit ends (coin-or/Cbc#364)"
    return outcome


def parse_log(log: str, elapsed: float, sense: str) -> Outcome:
    """Status, objective, bound and nodes from CBC's closing messages."""
    status = next((s for text, s in _MESSAGES if text in log), None)
    if status is None:
        return Outcome("error", time=elapsed, sense=sense, note=_complaint(log))
    objective = _number(r"^Objective value:\s*(\S+)", log)
    bound = _number(r"^Lower bound:\s*(\S+)", log)
    if status == "optimal" and bound is None:
        bound = objective
    nodes = _number(r"^Enumerated nodes:\s*(\S+)", log)
    return Outcome(status, objective=objective, bound=bound,
                   nodes=None if nodes is None else int(nodes), time=elapsed, sense=sense)


def mps_sense(path: Path) -> str:
    """"max" when the MPS file's OBJSENSE section says so (CBC itself ignores it)."""
    words: list[str] = []
    with path.open() as f:
        for line in f:
            if line.startswith(("ROWS", "COLUMNS")):
                break
            words.extend(line.upper().split())
    if "OBJSENSE" in words and words.index("OBJSENSE") + 1 < len(words):
        return "max" if words[words.index("OBJSENSE") + 1].startswith("MAX") else "min"
    return "min"


def _plain_copy(path: Path, folder: Path) -> Path:
    """``path`` itself, or an uncompressed copy in ``folder`` for ``.gz`` files."""
    if path.suffix != ".gz":
        return path
    target = folder / path.stem
    with gzip.open(path, "rb") as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return target


def _number(pattern: str, log: str) -> float | None:
    """The float captured by ``pattern`` in ``log``, or None."""
    found = re.search(pattern, log, re.MULTILINE)
    try:
        return finite_or_none(float(found.group(1))) if found else None
    except ValueError:
        return None


def _complaint(log: str) -> str:
    """The line of a log that says what went wrong (else its last line), for an error note."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    bad = [line for line in lines if re.search(r"error|not valid|bad image", line, re.I)]
    return "CBC: " + ((bad or lines or ["printed nothing"])[-1])[:200]
