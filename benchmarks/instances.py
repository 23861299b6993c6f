"""Which files a run solves, their known optima, what they need beyond linear rows, and the
MPS the peers get for ``.py`` models."""

from __future__ import annotations

import csv
import gzip
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.runner import ROOT, child_env
from benchmarks.verdict import INFEASIBLE

#: File endings a problem folder is scanned for (longest first, so ".mps.gz" wins over ".gz").
SUFFIXES = (".mps.gz", ".mps", ".lp", ".py", ".osil", ".nl")
#: Folder of the named subsets (``--subset NAME`` reads ``subsets/NAME.txt``).
SUBSETS = Path(__file__).with_name("subsets")
#: What an MPS section asks of a solver beyond linear rows (an adapter's ``FEATURES``).
NEEDS = {"QUADOBJ": "quadratic objective", "QMATRIX": "quadratic objective",
         "QCMATRIX": "quadratic constraints"}


@dataclass
class Instance:
    """One problem file, its name (the file name less its suffix), known optimum, and what
    a solver must handle besides linear rows (for MPS files; OSiL and NL files go only to
    the solvers that read them, all of which take their nonlinear parts)."""

    name: str
    path: Path
    known: float | str | None
    needs: frozenset[str] = field(default_factory=frozenset)


def collect(sources: list[Path], names: set[str] | None = None) -> tuple[list[Instance], list[str]]:
    """Instances in the given folders and files (restricted to ``names``), and notes on gaps."""
    notes: list[str] = []
    files: list[Path] = []
    for source in sources:
        if source.is_dir():
            files.extend(sorted(p for p in source.iterdir() if _suffix(p) and p.is_file()))
        elif source.is_file() and _suffix(source):
            files.append(source)
        else:
            notes.append(f"skipped {source}: not a folder or a problem file")
    found = [Instance(_name(p), p.resolve(), known_optimum(p), needs(p)) for p in files]
    if names is not None:
        missing = names - {i.name for i in found}
        notes.extend(f"instance {n} not found" for n in sorted(missing))
        found = [i for i in found if i.name in names]
    return found, notes


def subset(name: str) -> set[str]:
    """The instance names listed in ``subsets/NAME.txt``."""
    path = SUBSETS / f"{name}.txt"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in SUBSETS.glob("*.txt")))
        raise ValueError(f"unknown subset {name!r} (known: {known})")
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return {line for line in lines if line}


def known_optimum(path: Path) -> float | str | None:
    """The optimum listed for ``path`` in ``optimal.csv`` beside it (INFEASIBLE, or None)."""
    table = path.parent / "optimal.csv"
    if not table.exists():
        return None
    with table.open(newline="") as f:
        for row in csv.DictReader(f):
            if row.get("name") == _name(path):
                return _parse_optimum(row.get("optimal_objective", ""))
    return None


def needs(path: Path) -> frozenset[str]:
    """What an MPS file's quadratic sections ask of a solver (nothing for other files).

    The harness reads section lines itself rather than asking branchwise, the solver under
    test, so that a broken branchwise cannot stop a run of its peers."""
    if not path.name.endswith((".mps", ".mps.gz")):
        return frozenset()
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt") as lines:
        sections = {line.split()[0].upper() for line in lines if line[:1].isalpha()}
    return frozenset(NEEDS[s] for s in sections & NEEDS.keys())


def readable(path: Path, suffixes: list[str]) -> bool:
    """True when a solver with these suffixes reads ``path`` as it is."""
    return any(path.name.endswith(s) for s in suffixes)


def convert(instance: Instance, folder: Path) -> tuple[Path | None, str]:
    """The reformulated MPS that ``branchwise convert`` writes for a model file, or a note."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{instance.name}.mps"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "branchwise.cli", "convert", str(instance.path), str(target)],
            capture_output=True, text=True, timeout=600, env=child_env(), cwd=ROOT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"branchwise convert failed: {exc}"
    if done.returncode != 0 or not target.exists():
        message = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"branchwise convert exited {done.returncode}: {message}"
    return target, ""


def _parse_optimum(text: str) -> float | str | None:
    """A number, INFEASIBLE, or None for anything else."""
    text = text.strip()
    if text.lower() == INFEASIBLE:
        return INFEASIBLE
    try:
        return float(text)
    except ValueError:
        return None


def _suffix(path: Path) -> str | None:
    """The problem-file ending of ``path``, or None (also for ``_private.py`` helpers)."""
    if path.name.startswith(("_", ".")):
        return None
    return next((s for s in SUFFIXES if path.name.endswith(s)), None)


def _name(path: Path) -> str:
    """The file name less its problem-file ending."""
    suffix = _suffix(path) or path.suffix
    return path.name[: -len(suffix)] if suffix else path.name
