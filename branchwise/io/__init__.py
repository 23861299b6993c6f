"""Problem files in and out: MPS/LP through HiGHS, ``.py`` model files, solution files."""

from __future__ import annotations

from pathlib import Path

from branchwise.io.files import ProblemFileError, read_problem, write_problem
from branchwise.io.pyfile import describe, load_python_problem
from branchwise.io.solution import write_solution
from branchwise.problem import Problem

__all__ = [
    "ProblemFileError",
    "load_problem",
    "load_python_problem",
    "read_problem",
    "write_problem",
    "write_solution",
]


def load_problem(path: str | Path) -> Problem:
    """The :class:`Problem` in any problem file: .mps, .mps.gz, .lp, or a ``.py`` model file."""
    if not str(path).lower().endswith(".py"):
        return read_problem(path)
    model = load_python_problem(path)
    try:
        problem = model.to_problem()
    except Exception as error:  # the model cannot be lowered: bad input, not a crash
        raise ProblemFileError(f"{path}: {describe(error)}") from None
    if not problem.name:
        problem.name = Path(path).stem
    return problem
