"""Write a solve's answer as a plain-text solution file that people and scripts can read."""

from __future__ import annotations

import math
from pathlib import Path

from branchwise.solver.result import SolveReport


def write_solution(path: str | Path, names: list[str], report: SolveReport) -> None:
    """Write ``report`` to ``path`` in the branchwise solution format, a line per column
    of ``names`` (a Problem's ``col_names``, or a model's variable names).

    The format, one item a line::

        objective 3089.0        first line; ``objective none`` when there is no solution
        # status optimal        comment lines start with '#'
        C157 0.0                one ``name value`` line per column, in column order,
        C158 1.0                only when there is a solution

    Values are Python ``repr`` floats (shortest text that reads back to the same double).
    """
    lines = [f"objective {format_value(report.objective)}", f"# status {report.status}"]
    if report.x is not None:
        pairs = zip(names, report.x, strict=True)
        lines += [f"{name} {format_value(value)}" for name, value in pairs]
    Path(path).write_text("\n".join(lines) + "\n")


def format_value(value: float | None) -> str:
    """``repr`` of a float (negative zero as ``0.0``), or ``none`` for a missing value."""
    if value is None or math.isnan(value):
        return "none"
    return repr(float(value) + 0.0)
