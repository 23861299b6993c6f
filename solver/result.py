"""What a search returns: status, the incumbent as a column vector, bound and counters."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Every status a search can end with.
#: ``numerical_error`` means some relaxation could not be solved reliably, so the bound is
#: not proven; the incumbent (if any) is still verified.
#: ``feasible`` ends a search asked to treat a nonconvex problem heuristically
#: (``SolveOptions(nonconvex="heuristic")``): the solution is verified, but some node was
#: closed by a local NLP solve, so nothing is proven about optimality (the bound is -inf
#: for a minimisation, +inf for a maximisation).
STATUSES = (
    "optimal", "infeasible", "unbounded", "time_limit", "node_limit", "interrupted",
    "numerical_error", "feasible",
)


class StopSearch(Exception):
    """Raised inside a search that ends early (a limit reached); carries the status."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class SolveReport:
    """Outcome of one search, with objective and bound in the problem's own sense."""

    status: str
    x: np.ndarray | None
    objective: float | None
    bound: float
    nodes: int
    time: float
    verified: bool = False
    stats: dict = field(default_factory=dict)
    #: With ``SolveOptions.pool`` above 1: the best points found, distinct in their
    #: integer columns, best first (the incumbent among them).
    pool: list[np.ndarray] = field(default_factory=list)
    #: (seconds into the search, incumbent or None, bound) at every improvement and at
    #: the log's rate, the objective's sense: how the gap closed.
    trajectory: list[tuple[float, float | None, float]] = field(default_factory=list)
    #: Why the search could not prove its bound, for ``numerical_error`` (empty otherwise):
    #: which node or point no remedy settled, and what the last remedy saw.
    reason: str = ""

    @property
    def gap(self) -> float:
        """Relative gap |objective - bound| / max(1, |objective|); inf without an incumbent."""
        return relative_gap(self.objective, self.bound)


def relative_gap(objective: float | None, bound: float) -> float:
    """The relative gap between an objective and a bound, as every log and result reports it."""
    if objective is None or not np.isfinite(bound):
        return float("inf")
    return abs(objective - bound) / max(1.0, abs(objective))
