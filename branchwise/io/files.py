"""Read and write problem files (.mps, .mps.gz, .lp) through HiGHS's own parsers and writers.

HiGHS applies the MPS conventions the published optima rely on: integer columns between
``MARKER INTORG/INTEND`` with no entry in BOUNDS are binary, explicit bounds are kept.

HiGHS drops some malformed entries with only a warning (a row never declared, a second value
for an entry) and reads a field that is not a number as 0. So an MPS file is first checked
by our own reader (:mod:`branchwise.io.mps`), which refuses those with the line; a warning
of HiGHS that it dropped something is a refusal too. Files with bytes outside UTF-8 are
read as :mod:`branchwise.io.text` decodes them (HiGHS gets a UTF-8 copy, so that the names
it hands back are text).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import highspy
import numpy as np

from branchwise.core.highs_model import (
    UnsupportedColumnError,
    from_highs_model,
    to_highs_model,
)
from branchwise.core.highs_session import new_highs
from branchwise.core.problem import Problem
from branchwise.io.errors import ProblemFileError
from branchwise.io.mps import MpsError, parse_mps_text
from branchwise.io.text import FileText, read_text

#: File name endings HiGHS reads, and the subset it writes.
READABLE = (".mps", ".mps.gz", ".lp", ".lp.gz")
WRITABLE = (".mps", ".lp")


def read_problem(path: str | Path) -> Problem:
    """Read an MPS or LP file (optionally gzipped) into a :class:`Problem`."""
    path = Path(path)
    _check_suffix(path, READABLE, "read")
    if not path.is_file():
        raise ProblemFileError(f"{path}: no such file")
    text = read_text(path)
    if _is_mps(path):
        try:
            parse_mps_text(text.text, _stem(path))
        except MpsError as error:
            raise ProblemFileError(f"{path}: {' '.join(str(error).split())}") from None
    highs = new_highs()
    with _utf8_copy(path, text) as readable:
        status, errors, dropped = _logged(highs, lambda: highs.readModel(str(readable)))
    if status == highspy.HighsStatus.kError:
        reason = errors[0] if errors else "HiGHS could not parse it"
        raise ProblemFileError(f"{path}: {reason}")
    if dropped:
        raise ProblemFileError(f"{path}: HiGHS would drop part of it: {dropped[0]}")
    model = highs.getModel()
    try:
        return from_highs_model(model.lp_, model.hessian_, name=_stem(path))
    except UnsupportedColumnError as error:
        raise ProblemFileError(f"{path}: {error}; semicontinuous columns are read from MPS "
                               "files only (load_model, the command line)") from None
    except ValueError as error:  # Problem.validate: e.g. a non-finite coefficient
        raise ProblemFileError(f"{path}: {error}") from None


def _is_mps(path: Path) -> bool:
    return path.name.lower().endswith((".mps", ".mps.gz"))


@contextmanager
def _utf8_copy(path: Path, text: FileText) -> Iterator[Path]:
    """``path`` itself when its bytes are UTF-8, else a UTF-8 copy of its text (HiGHS reads
    any bytes, but highspy cannot hand back names that are not UTF-8)."""
    if text.utf8:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="branchwise-") as folder:
        copy = Path(folder) / f"{_stem(path) or 'model'}{'.mps' if _is_mps(path) else '.lp'}"
        copy.write_text(text.text, encoding="utf-8")
        yield copy


def write_problem(problem: Problem, path: str | Path) -> None:
    """Write ``problem`` as .mps or .lp (the format follows the file name).

    Neither format keeps free rows (no finite bound on either side: they constrain nothing).
    LP files also split a ranged row into two rows, and HiGHS replaces every name when one is
    not a valid LP name. The file is read back; when it does not hold the same problem (a
    name that is an LP keyword, such as ``st`` or ``free``, can do that) it is removed and a
    :class:`ProblemFileError` says so.
    """
    path = Path(path)
    _check_suffix(path, WRITABLE, "write")
    if problem.nonlinear:
        raise ProblemFileError(f"{path}: MPS and LP files cannot hold the problem's "
                               "nonlinear rows (quadratic constraints included)")
    highs = new_highs()
    if highs.passModel(to_highs_model(problem)) == highspy.HighsStatus.kError:
        raise ProblemFileError(f"{path}: HiGHS rejected the problem")
    status, errors, _ = _logged(highs, lambda: highs.writeModel(str(path)))
    if status == highspy.HighsStatus.kError:
        raise ProblemFileError(f"{path}: {errors[0] if errors else 'HiGHS could not write it'}")
    _check_written(problem, path)


def _check_written(problem: Problem, path: Path) -> None:
    """Read ``path`` back; remove it and raise when it does not hold ``problem``."""
    try:
        back = read_problem(path)
    except ProblemFileError as error:
        detail = str(error).removeprefix(f"{path}: ")
    else:
        if _same_columns(problem, back) and back.n_rows == _rows_in_file(problem, path):
            return
        detail = "its columns or rows differ"
    path.unlink()
    raise ProblemFileError(f"{path}: the written file does not read back as the same problem "
                           f"({detail}); a name may be a keyword of the format, try .mps")


def _same_columns(a: Problem, b: Problem) -> bool:
    """True when two problems have the same objective, column bounds and integrality. The
    integrality of a column without entries fixed at an integer (a derived column a
    reformulation absorbed) changes nothing, and HiGHS 1.16 writes such a column inside
    or outside its integer markers by where it stands, not by its own integrality."""
    if not (a.n_cols == b.n_cols and a.maximize == b.maximize and all(
            np.array_equal(getattr(a, f), getattr(b, f))
            for f in ("c", "col_lower", "col_upper"))):
        return False
    free_to_differ = ((np.diff(a.A.tocsc().indptr) == 0) & (a.col_lower == a.col_upper)
                      & (a.col_lower == np.round(a.col_lower)))
    return bool(np.array_equal(a.integrality.astype(bool) | free_to_differ,
                               b.integrality.astype(bool) | free_to_differ))


def _rows_in_file(problem: Problem, path: Path) -> int:
    """How many rows the file written for ``problem`` holds: free rows dropped, LP ranges split."""
    lower, upper = np.isfinite(problem.row_lower), np.isfinite(problem.row_upper)
    rows = int(np.count_nonzero(lower | upper))
    if path.name.lower().endswith(".lp"):
        rows += int(np.count_nonzero(lower & upper & (problem.row_lower < problem.row_upper)))
    return rows


def _stem(path: str | Path) -> str:
    """The file name without its problem-file ending: ``p0033`` for ``p0033.mps.gz``."""
    name = Path(path).name
    for suffix in sorted(READABLE + (".py",), key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _check_suffix(path: Path, allowed: tuple[str, ...], verb: str) -> None:
    """Refuse a file name whose ending is not one of ``allowed``."""
    if not path.name.lower().endswith(allowed):
        raise ProblemFileError(f"{path}: cannot {verb} this file type (use {', '.join(allowed)})")


def _logged(highs: highspy.Highs, action: Callable[[], highspy.HighsStatus]):
    """Run ``action`` with HiGHS's log captured, not printed; return its status, its errors
    and its warnings that it dropped part of the input (an entry ignored, or two rows or
    columns of the same name, which leaves the names unusable).

    Each error is one line: HiGHS's message, plus the line and column it points at, if any.
    """
    messages: list[str] = []
    highs.setOptionValue("log_to_console", False)
    highs.setOptionValue("output_flag", True)
    highs.cbLogging.subscribe(lambda event: messages.append(event.message))
    try:
        status = action()
    finally:
        highs.setOptionValue("output_flag", False)
    errors = [_one_line(m) for m in messages if m.lstrip().startswith("ERROR:")]
    dropped = [" ".join(m.strip().removeprefix("WARNING:").split()) for m in messages
               if m.lstrip().startswith("WARNING:")
               and ("ignored" in m or "have the same name" in m)]
    return status, errors, dropped


def _one_line(message: str) -> str:
    """HiGHS's first error line, with the ``--> file:line:column`` pointer shortened to one line."""
    lines = message.strip().removeprefix("ERROR:").strip().splitlines()
    pointer = next((line for line in lines if line.strip().startswith("-->")), "")
    *_, line, column = pointer.rsplit(":", 2) if pointer.count(":") >= 2 else ("", "", "")
    where = f" (line {line}, column {column})" if line.isdigit() and column.isdigit() else ""
    return lines[0].strip() + where
