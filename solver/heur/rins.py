"""RINS: search where the incumbent and the node LP disagree, with a sub-MIP."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from branchwise.core.tolerances import INTEGRALITY
from branchwise.solver.heur.sub_mip import SubMipHeuristic, SubMipParameters
from branchwise.solver.plugins import HeuristicContext, SearchSetup


@dataclass(frozen=True)
class RinsParameters(SubMipParameters):
    """When RINS runs and how many sub-MIP nodes it may spend (see :class:`Rins`)."""

    frequency: int = 50
    #: Share of the integer columns incumbent and LP point must agree on.
    min_fixed_share: float = 0.3
    node_offset: int = 200
    node_share: float = 0.1
    call_cost: int = 100
    min_nodes: int = 50
    max_nodes: int = 500


class Rins(SubMipHeuristic):
    """Fix the integer columns on which the incumbent and the node's LP point agree and
    search the rest within the problem's bounds (Danna, Rothberg and Le Pape's RINS).

    Sub-MIP nodes are budgeted like SCIP's: ``node_offset`` plus ``node_share`` of the
    search's nodes, less what earlier calls used and ``call_cost`` nodes per call (the
    setup of a sub-search costs about as much as that many nodes).
    """

    name = "rins"
    priority = 500
    Parameters = RinsParameters

    def setup(self, search: SearchSetup) -> None:
        super().setup(search)
        self.last_node = -1
        self.calls = 0

    def node_budget(self, nodes: int) -> int:
        """Sub-MIP nodes the next call may use after ``nodes`` search nodes."""
        p = self.parameters
        used = self.sub_nodes + p.call_cost * self.calls
        allowed = p.node_offset + p.node_share * nodes - used
        return int(min(allowed, p.max_nodes))

    def should_run(self, context: HeuristicContext) -> bool:
        """Every ``frequency`` nodes (once per node) with an incumbent and node budget left."""
        frequency = self.parameters.frequency
        return bool(frequency and context.nodes % frequency == 0
                    and context.nodes != self.last_node and context.fractional.size
                    and self.incumbent.x is not None
                    and self.node_budget(context.nodes) >= self.parameters.min_nodes)

    def run(self, context: HeuristicContext) -> np.ndarray | None:
        """The best improving point of the agreement neighbourhood found within the budget."""
        self.last_node = context.nodes
        incumbent, ints = self.incumbent.x, self.integer_cols
        agree = ints[np.abs(incumbent[ints] - context.x[ints]) <= INTEGRALITY]
        if agree.size < self.parameters.min_fixed_share * ints.size:
            return None
        lower, upper = self.problem.col_lower.copy(), self.problem.col_upper.copy()
        lower[agree] = upper[agree] = np.round(incumbent[agree])
        budget = self.node_budget(context.nodes)
        self.calls += 1
        return self._search(lower, upper, context.cutoff, budget)
