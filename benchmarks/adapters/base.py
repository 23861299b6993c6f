"""What every adapter receives (limits) and returns (an outcome), as plain data."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: Statuses an adapter reports; a solver's own wording is mapped onto these where it fits.
STATUSES = ("optimal", "infeasible", "unbounded", "time_limit", "node_limit", "interrupted")


@dataclass
class Limits:
    """The limits every solver gets for one run, and a folder for its scratch files."""

    time_limit: float
    gap: float
    tmp_dir: Path


@dataclass
class Outcome:
    """One solver's answer on one file, objective and bound in the file's own sense."""

    status: str
    objective: float | None = None
    bound: float | None = None
    nodes: int | None = None
    time: float | None = None
    sense: str = "min"
    note: str = ""
    #: (seconds, incumbent or None, bound) as the search went, where the solver tells
    #: (branchwise): the harness plots it.
    trajectory: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """The outcome as a JSON-ready dict."""
        return asdict(self)


#: Magnitudes at or beyond this are a solver's infinity (SCIP reports 1e20 for "no bound").
INFINITE = 1e20


def finite_or_none(value: float | None) -> float | None:
    """``value`` as a float, or None when it is missing, NaN or a solver's infinity."""
    if value is None or not math.isfinite(value) or abs(value) >= INFINITE:
        return None
    return float(value)
