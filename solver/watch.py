"""The caller's view of a running search: a call on every new incumbent and one at the
log's rate with the progress; either may stop the search by returning True (status
``interrupted``, the incumbent kept).

Both receive :func:`progress`'s dict, objective and bound in the problem's own sense;
``on_incumbent`` also the point. An exception a callback raises is not caught here: it
ends the search and reaches the caller (``Model.solve`` keeps its result first).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from branchwise.solver.result import StopSearch, relative_gap

if TYPE_CHECKING:
    from branchwise.solver.search import Search

#: ``on_incumbent(x, progress)`` and ``on_progress(progress)``: True stops the search.
IncumbentCallback = Callable[[np.ndarray, dict], "bool | None"]
ProgressCallback = Callable[[dict], "bool | None"]


def progress(search: Search) -> dict:
    """The numbers a log row shows, by name: ``objective`` (None without an incumbent),
    ``bound``, ``gap``, ``nodes``, ``open_nodes`` and ``time`` since the search began."""
    incumbent = search.incumbent
    bound = search.user_value(min(search.global_bound(), incumbent.value))
    objective = search.user_value(incumbent.value) if incumbent.found else None
    return {"objective": objective, "bound": bound, "gap": relative_gap(objective, bound),
            "nodes": search.stats.nodes, "open_nodes": len(search.selector),
            "time": time.perf_counter() - search.started}


class Watchers:
    """The options' two callbacks, the progress one at most once per ``interval`` s, and
    the trajectory: (time, incumbent, bound) at every improvement and at that rate, which
    the report keeps (``SolveReport.trajectory``, what ``Result.plot`` draws)."""

    def __init__(self, on_incumbent: IncumbentCallback | None,
                 on_progress: ProgressCallback | None, interval: float) -> None:
        self.on_incumbent, self.on_progress, self.interval = on_incumbent, on_progress, interval
        self._next = 0.0
        self.trajectory: list[tuple[float, float | None, float]] = []

    def incumbent(self, search: Search) -> None:
        """Report the incumbent ``search`` just accepted."""
        now = self.record(search)
        if self.on_incumbent is not None and self.on_incumbent(search.incumbent.x, now):
            raise StopSearch("interrupted")

    def tick(self, search: Search) -> None:
        """Report progress when it is due."""
        if time.perf_counter() < self._next:
            return
        self._next = time.perf_counter() + self.interval
        now = self.record(search)
        if self.on_progress is not None and self.on_progress(now):
            raise StopSearch("interrupted")

    def record(self, search: Search) -> dict:
        """Add the search's progress now to the trajectory, and return it."""
        now = progress(search)
        self.trajectory.append((now["time"], now["objective"], now["bound"]))
        return now
