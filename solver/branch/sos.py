"""Branching on special ordered sets: children that force parts of a violated set to zero.

No binary variables and no big-M: an SOS1 set (a complementarity pair is one) splits into
"the first part is zero" and "the rest is zero"; an SOS2 set into "everything right of
position r is zero" and "everything left of r is zero".
"""

from __future__ import annotations

import numpy as np

from branchwise.core.problem import Problem
from branchwise.core.tolerances import FEASIBILITY

#: Entries at or below this size count as zero when a set is split.
_TINY = 1e-12
#: One child's bound changes: (column, lower, upper) with lower = upper = 0 per column.
Changes = list[tuple[int, float, float]]


def most_violated_sos(problem: Problem, x: np.ndarray, tolerance: float = FEASIBILITY,
                      ) -> tuple[str, np.ndarray] | None:
    """The SOS set whose disallowed entries are largest at ``x`` (kind, members), if any
    exceeds ``tolerance``."""
    worst, chosen = tolerance, None
    for members in problem.sos1:
        excess = np.sort(np.abs(x[members]))[-2]
        if excess > worst:
            worst, chosen = excess, ("sos1", members)
    for members in problem.sos2:
        values = np.abs(x[members])
        excess = values.sum() - (values[:-1] + values[1:]).max()
        if excess > worst:
            worst, chosen = excess, ("sos2", members)
    return chosen


def sos_children(kind: str, members: np.ndarray, x: np.ndarray) -> tuple[Changes, Changes]:
    """The two children's zero-fixings for a violated set, split where its mass balances."""
    weights = np.abs(x[members])
    nonzero = np.flatnonzero(weights > _TINY)
    first, last = int(nonzero[0]), int(nonzero[-1])
    middle = int(np.searchsorted(np.cumsum(weights), weights.sum() / 2.0))
    if kind == "sos1":
        # Supports {k}: k >= r survives the first child, k < r the second.
        r = min(max(middle + 1, first + 1), last)
        return _zero(members[:r]), _zero(members[r:])
    # Supports {k, k+1}: k+1 <= r survives the first child, k >= r the second; r strictly
    # inside the LP point's support, so both children cut the point off.
    r = min(max(middle, first + 1), last - 1)
    return _zero(members[r + 1:]), _zero(members[:r])


def _zero(columns: np.ndarray) -> Changes:
    return [(int(j), 0.0, 0.0) for j in columns]
