"""Mutants of the shipped problem files, run through the command line and judged against an
independent reading of the same file.

A mutant is a seeded edit of a source file's bytes: a byte changed, the file cut short,
a line deleted or repeated, two fields swapped, a byte outside UTF-8 inserted; a gzipped
source is written back gzipped (and sometimes cut short as gzip data). Each mutant goes
through ``branchwise solve --json`` in this process, and its outcome is one of
:data:`OUTCOMES`:

- ``agree``: exit 0, and the oracle reads the file and reaches the same status (and the same
  objective when optimal). The oracle is HiGHS, except for mutants of files with QCMATRIX
  sections (which HiGHS refuses) and of MIQPs (which it does not solve): SCIP judges those.
- ``refusal``: exit 1 with one line on stderr that names the file (or, for a model the
  solver refuses rather than the file, one line saying why).
- ``undecided``: exit 0 but the oracle or branchwise did not finish within the time limit,
  or (an MIQP) SCIP refuses a file HiGHS reads.
- ``disagreement``, ``unnamed``, ``traceback``, ``hang``: the failures (an answer the oracle
  does not give, or a file it refuses; an error line that does not name the file or is more
  than one line; an exception out of the command; no answer within :data:`HANG_SECONDS`).

Every MPS mutant HiGHS can represent (no QCMATRIX) is also read by our own MPS reader, the
one for quadratic and semicontinuous files, and must give HiGHS's arrays or be refused
(:func:`compare_readers`).

``python -m tests.file_fuzz N [SEED]`` runs N mutants and prints the counts.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import math
import random
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import highspy
import numpy as np
import scipy.sparse as sp

from branchwise.cli import main
from branchwise.core.tolerances import INFINITY
from branchwise.io.mps import parse_mps
from tests.paths import DATA, ROOT

#: Small MIPs HiGHS and branchwise solve in well under a second, and the MINLP MPS files.
MIP_SOURCES = [ROOT / "problems" / "mip" / f"{name}.mps.gz"
               for name in ("p0033", "flugpl", "gr4x6", "lseu")]
MINLP_SOURCES = sorted((ROOT / "problems" / "minlp").glob("*.mps"))
#: Small files of the tests: a semicontinuous column (HiGHS solves it), and MIQPs (HiGHS
#: reads them but does not solve MIQPs, so SCIP judges them).
SC_SOURCES = [DATA / "sc.mps"]
MIQP_SOURCES = [DATA / "quadobj.mps", DATA / "qmatrix.mps"]
#: Sources written as LP files by ``branchwise convert`` (see :func:`lp_sources`).
LP_FROM = ("p0033", "flugpl", "gr4x6")
OUTCOMES = ("agree", "refusal", "undecided", "disagreement", "unnamed", "traceback", "hang")
#: Seconds the solver and the oracle get per mutant, and after which a run is a hang.
SOLVE_SECONDS = 10.0
HANG_SECONDS = 60
#: Relative and absolute difference at which two objectives differ.
OBJECTIVE_TOLERANCE = 1e-6


class Mutant(NamedTuple):
    """One mutated file: where it is written, what was done to which source."""

    path: Path
    source: str
    edit: str


def lp_sources(folder: Path) -> list[Path]:
    """LP files written from the MIP sources by ``branchwise convert``."""
    made = []
    for name in LP_FROM:
        out = folder / f"{name}.lp"
        if main(["convert", str(ROOT / "problems" / "mip" / f"{name}.mps.gz"), str(out)]) != 0:
            raise AssertionError(f"branchwise convert failed on {name}")
        made.append(out)
    return made


def _text_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def _flip(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + bytes([rng.randrange(256)]) + data[at + 1:]


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data))]


def _lines(edit: Callable[[list[bytes], int], list[bytes]]):
    def mutate(data: bytes, rng: random.Random) -> bytes:
        lines = data.split(b"\n")
        return b"\n".join(edit(lines, rng.randrange(len(lines))))
    return mutate


def _swap(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    fa, fb = lines[a].split(), lines[b].split()
    if not fa or not fb:
        return data
    i, j = rng.randrange(len(fa)), rng.randrange(len(fb))
    if a == b:
        fa[i], fa[j] = fa[j], fa[i]
        lines[a] = b"    " + b" ".join(fa) if lines[a][:1].isspace() else b" ".join(fa)
    else:
        fa[i], fb[j] = fb[j], fa[i]
        for k, fields in ((a, fa), (b, fb)):
            lines[k] = (b"    " if lines[k][:1].isspace() else b"") + b"  ".join(fields)
    return b"\n".join(lines)


def _non_utf8(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + bytes([rng.randrange(0x80, 0x100)]) + data[at:]


#: The edits, by name.
EDITS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "flip": _flip,
    "truncate": _truncate,
    "delete_line": _lines(lambda lines, k: lines[:k] + lines[k + 1:]),
    "duplicate_line": _lines(lambda lines, k: lines[:k + 1] + lines[k:]),
    "swap_fields": _swap,
    "non_utf8": _non_utf8,
}


def mutants(sources: list[Path], count: int, seed: int, folder: Path) -> Iterator[Mutant]:
    """``count`` mutants of ``sources``, written into ``folder``; the same for the same seed."""
    rng = random.Random(seed)
    for k in range(count):
        source = sources[k % len(sources)]
        edit = rng.choice(list(EDITS))
        data = EDITS[edit](_text_bytes(source), rng)
        name = source.name.removesuffix(".gz")
        if source.name.endswith(".gz"):
            data = gzip.compress(data, mtime=0)
            name = source.name
            if rng.random() < 0.2:
                data, edit = data[:rng.randrange(len(data))], "gzip_truncate"
        path = folder / f"m{k:04d}_{edit}_{name}"
        path.write_bytes(data)
        yield Mutant(path, source.name, edit)


class Verdict(NamedTuple):
    """An oracle's reading: None when it refuses the file or did not finish."""

    status: str | None
    objective: float | None
    finished: bool


_HIGHS_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "unbounded_or_infeasible",
    highspy.HighsModelStatus.kModelEmpty: "optimal",
}


def highs_verdict(path: Path) -> Verdict:
    """HiGHS reading and solving the file itself."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    if highs.readModel(str(path)) == highspy.HighsStatus.kError:
        return Verdict(None, None, True)
    highs.setOptionValue("time_limit", SOLVE_SECONDS)
    highs.run()
    status = _HIGHS_STATUS.get(highs.getModelStatus())
    objective = highs.getInfo().objective_function_value if status == "optimal" else None
    return Verdict(status, objective, status is not None)


def scip_verdict(path: Path) -> Verdict:
    """SCIP reading and solving the file (it reads QCMATRIX; HiGHS does not). SCIP wants a
    NAME line, which HiGHS and we do not: a file without one is given one (a NAME line
    holds nothing of the model)."""
    import pyscipopt

    model = pyscipopt.Model()
    model.hideOutput()
    try:
        model.readProblem(str(_with_name_line(path)))
    except Exception:  # noqa: BLE001 - SCIP refuses the file, whatever it raises
        return Verdict(None, None, True)
    model.setParam("limits/time", SOLVE_SECONDS)
    model.optimize()
    status = {"optimal": "optimal", "infeasible": "infeasible", "unbounded": "unbounded",
              "inforunbd": "unbounded_or_infeasible"}.get(model.getStatus())
    objective = model.getObjVal() if status == "optimal" else None
    return Verdict(status, objective, status is not None)


class _Hang(Exception):
    pass


@contextlib.contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    def expire(signum, frame):
        raise _Hang
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(path: Path) -> tuple[int | str, str, str]:
    """``branchwise solve PATH --json``: exit status (or "traceback"/"hang"), stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["solve", str(path), "--json", "--quiet", "--time-limit", str(SOLVE_SECONDS)]
    try:
        with _deadline(HANG_SECONDS), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            code: int | str = main(argv)
    except _Hang:
        code = "hang"
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 2
    except Exception as error:  # noqa: BLE001 - an exception out of the command is the finding
        code, err = "traceback", io.StringIO(f"{type(error).__name__}: {error}")
    return code, out.getvalue(), err.getvalue()


def _same(ours: dict, theirs: Verdict) -> bool:
    if theirs.status == "unbounded_or_infeasible" or ours["status"] == "unbounded_or_infeasible":
        return ours["status"] in ("infeasible", "unbounded", "unbounded_or_infeasible") and \
            theirs.status in ("infeasible", "unbounded", "unbounded_or_infeasible")
    if ours["status"] != theirs.status:
        return False
    if theirs.status != "optimal":
        return True
    return math.isclose(ours["objective"] or 0.0, theirs.objective or 0.0,
                        rel_tol=OBJECTIVE_TOLERANCE, abs_tol=OBJECTIVE_TOLERANCE)


def judge(path: Path, oracle: Callable[[Path], Verdict] = highs_verdict) -> tuple[str, str]:
    """The outcome (of :data:`OUTCOMES`) of one file, and a line saying what happened."""
    code, out, err = run_cli(path)
    if code in ("traceback", "hang"):
        return str(code), err.strip()
    if code == 1:
        lines = err.strip().splitlines()
        named = len(lines) == 1 and (str(path) in lines[0] or "not proven convex" in lines[0])
        return ("refusal" if named else "unnamed"), err.strip()
    if code != 0:
        return "unnamed", f"exit {code}: {err.strip()}"
    ours, theirs = json.loads(out), oracle(path)
    said = f"ours {ours['status']} {ours['objective']}, oracle {theirs.status} {theirs.objective}"
    if not theirs.finished or ours["status"] == "time_limit":
        return "undecided", said
    if theirs.status is None:
        return "disagreement", "the oracle refuses the file; " + said
    return ("agree" if _same(ours, theirs) else "disagreement"), said


def _highs_arrays(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays HiGHS reads from the file (None when it refuses it), bounds at or beyond
    1e20 as infinite; integrality as two flags, integer and semicontinuous."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    if highs.readModel(str(path)) == highspy.HighsStatus.kError:
        return None
    lp = highs.getLp()
    kinds = list(lp.integrality_) or [highspy.HighsVarType.kContinuous] * lp.num_col_
    matrix = sp.csc_matrix((np.array(lp.a_matrix_.value_), np.array(lp.a_matrix_.index_),
                            np.array(lp.a_matrix_.start_)), shape=(lp.num_row_, lp.num_col_))
    arrays = {name: _infinite(np.array(getattr(lp, f"{name}_"), dtype=float)) for name in
              ("col_cost", "col_lower", "col_upper", "row_lower", "row_upper")}
    arrays["integer"] = np.array([k == highspy.HighsVarType.kInteger for k in kinds])
    arrays["semicontinuous"] = np.array([k == highspy.HighsVarType.kSemiContinuous
                                         for k in kinds])
    arrays["A"] = matrix.tocsr()
    arrays["offset"] = np.array([lp.offset_])
    arrays["maximize"] = np.array([lp.sense_ == highspy.ObjSense.kMaximize])
    return arrays


def _with_name_line(path: Path) -> Path:
    """``path``, or a copy beside it with a NAME line first when it has none."""
    if path.name.endswith(".gz") or any(line.startswith(b"NAME") for line in
                                        path.read_bytes().split(b"\n")):
        return path
    copy = path.with_name(f"named_{path.name}")
    copy.write_bytes(b"NAME\n" + path.read_bytes())
    return copy


def miqp_verdict(path: Path) -> Verdict:
    """SCIP's verdict on an MIQP (HiGHS does not solve them); when SCIP refuses a file that
    HiGHS reads (SCIP wants a NAME line, and ROWS before COLUMNS), no verdict."""
    verdict = scip_verdict(path)
    if verdict.status is None and verdict.finished and _highs_arrays(path) is not None:
        return Verdict(None, None, False)
    return verdict


def _infinite(values: np.ndarray) -> np.ndarray:
    return np.where(np.abs(values) >= INFINITY, np.copysign(np.inf, values), values)


#: What :func:`compare_readers` says when the two readers agree.
SAME, OURS_REFUSE = "same", "ours refuses"


def compare_readers(path: Path) -> str:
    """For an MPS file HiGHS can represent: :data:`SAME` when our own MPS reader and HiGHS's
    read the same arrays, :data:`OURS_REFUSE` when ours refuses it (strictness is allowed:
    the command line refuses it too), else what differs."""
    try:
        ours = parse_mps(path)
    except ValueError:  # MpsError, or ProblemFileError for bytes that cannot be read
        return OURS_REFUSE
    theirs = _highs_arrays(path)
    if theirs is None:
        return "our reader reads a file HiGHS refuses"
    n = len(ours.col_names)
    mine = {"col_cost": ours.c, "col_lower": ours.col_lower, "col_upper": ours.col_upper,
            "row_lower": ours.row_lower, "row_upper": ours.row_upper, "integer": ours.integer,
            "semicontinuous": np.zeros(n, bool) if ours.semicontinuous is None
            else ours.semicontinuous,
            "offset": np.array([ours.objective_constant]),
            "maximize": np.array([ours.maximize])}
    for name, values in mine.items():
        if values.shape != theirs[name].shape or not np.array_equal(values, theirs[name]):
            return f"{name} differs"
    if ours.A.shape != theirs["A"].shape or (ours.A != theirs["A"]).nnz:
        return "the matrix differs"
    return SAME


def sweep(count: int, seed: int, folder: Path) -> tuple[Counter, list[str]]:
    """Run ``count`` mutants; the outcome counts and a line for each failure."""
    sources = MIP_SOURCES + SC_SOURCES + MINLP_SOURCES + MIQP_SOURCES + lp_sources(folder)
    counts, failures = Counter(), []
    quadratic = {path.name for path in MINLP_SOURCES}  # QCMATRIX: HiGHS refuses them
    scip = quadratic | {path.name for path in MIQP_SOURCES}
    for mutant in mutants(sources, count, seed, folder):
        oracle = (scip_verdict if mutant.source in quadratic else
                  miqp_verdict if mutant.source in scip else highs_verdict)
        outcome, said = judge(mutant.path, oracle)
        counts[outcome] += 1
        if outcome not in ("agree", "refusal", "undecided"):
            failures.append(f"{outcome}: {mutant.path.name} ({mutant.edit} of {mutant.source}): "
                            f"{said}")
        if mutant.path.name.endswith((".mps", ".mps.gz")) and mutant.source not in quadratic:
            verdict = compare_readers(mutant.path)
            agree = verdict in (SAME, OURS_REFUSE)
            counts[f"readers: {verdict}" if agree else "readers disagree"] += 1
            if not agree:
                failures.append(f"readers disagree: {mutant.path.name}: {verdict}")
    return counts, failures


if __name__ == "__main__":
    import tempfile

    n, seed = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0
    with tempfile.TemporaryDirectory() as tmp:
        counts, failures = sweep(n, seed, Path(tmp))
    print(dict(counts))
    print("\n".join(failures))
