"""Problem files in and out: MPS/LP through HiGHS, OSiL and quadratic MPS through our own
readers, ``.py`` model files, solution files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from branchwise.core.problem import Problem
from branchwise.io.files import READABLE, ProblemFileError, read_problem, write_problem
from branchwise.io.mps import features, read_mps
from branchwise.io.osil import read_osil
from branchwise.io.pyfile import describe, load_python_problem
from branchwise.io.solution import write_solution

__all__ = [
    "ProblemFileError",
    "load_model",
    "load_problem",
    "load_python_problem",
    "read_mps",
    "read_osil",
    "read_problem",
    "write_problem",
    "write_solution",
]


def load_model(path: str | Path) -> Any | None:
    """The model a model file describes, or None for a file that is a plain Problem.

    A ``.py`` file gives its ``model`` (a ``bw.Model``, or anything with ``to_problem()``);
    ``.osil`` and an MPS file with QUADOBJ, QMATRIX or QCMATRIX sections or SC bounds
    (semicontinuous columns, which a Problem cannot hold) give a ``bw.Model`` read by our
    own readers. Other MPS and LP files return None: HiGHS reads them.
    """
    name = str(path).lower()
    if name.endswith(".py"):
        return load_python_problem(path)
    if name.endswith(".osil"):
        return read_osil(path)
    if name.endswith((".mps", ".mps.gz")) and Path(path).is_file() and features(path):
        return read_mps(path)
    return None


def load_problem(path: str | Path) -> Problem:
    """The :class:`Problem` in any problem file: .mps, .mps.gz, .lp, .osil or a ``.py`` model."""
    model = load_model(path)
    if model is None:
        if not str(path).lower().endswith(READABLE):
            raise ProblemFileError(f"{path}: cannot read this file type "
                                   f"(use {', '.join((*READABLE, '.osil', '.py'))})")
        return read_problem(path)
    try:
        problem = model.to_problem()
    except Exception as error:  # the model cannot be lowered: bad input, not a crash
        raise ProblemFileError(f"{path}: {describe(error)}") from None
    if not problem.name:
        problem.name = Path(path).stem
    return problem
