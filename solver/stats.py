"""The search's own counters, typed, and the statistics dictionary a report carries."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: Entries of a report's ``stats`` that are objective values (in the problem's sense): a
#: change of objective sense flips them with the objective.
OBJECTIVE_STATS = ("root_bound_before_cuts", "root_bound")


@dataclass
class SearchStats:
    """What the loop counts, in the internal (minimised, offset-free) sense."""

    nodes: int = 0
    lp_iterations: int = 0
    root_lp_iterations: int = 0
    root_bound: float = -math.inf
    #: The first root LP's objective (None until it is solved).
    root_bound_before_cuts: float | None = None
    #: Rounds and cuts of root separation (None when no separation ran).
    cut_rounds: int | None = None
    cuts: int | None = None

    def root_gap_closed(self, incumbent_value: float | None) -> float | None:
        """Share of the gap between the root LP bound and the incumbent that cuts closed."""
        before = self.root_bound_before_cuts
        if before is None or incumbent_value is None or incumbent_value - before <= 1e-9:
            return None
        return (self.root_bound - before) / (incumbent_value - before)

    def as_dict(self, user_value: Callable[[float], float]) -> dict:
        """The report's entries for these counters (objective values through
        ``user_value``); the optional ones only when they were measured."""
        before = self.root_bound_before_cuts
        node_iterations = self.lp_iterations - self.root_lp_iterations
        return {
            **({} if before is None else {"root_bound_before_cuts": user_value(before)}),
            **({} if self.cuts is None else {"cut_rounds": self.cut_rounds,
                                             "cuts": self.cuts}),
            "root_bound": user_value(self.root_bound),
            "lp_iterations": self.lp_iterations,
            "root_lp_iterations": self.root_lp_iterations,
            "mean_node_lp_iterations": node_iterations / max(1, self.nodes),
        }


def heuristic_iterations(heuristics: Iterable) -> dict[str, int]:
    """Simplex iterations per heuristic, by name."""
    return {heuristic.name: heuristic.lp_iterations for heuristic in heuristics}
