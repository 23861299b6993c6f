"""RINS: search where the incumbent and the node LP disagree, with a sub-MIP."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from branchwise.core.problem import Problem
from branchwise.core.tolerances import INTEGRALITY
from branchwise.solver.heuristics import HeuristicContext
from branchwise.solver.options import SolveOptions
from branchwise.solver.sub_mip import SubMipHeuristic


class Rins(SubMipHeuristic):
    """Fix the integer columns on which the incumbent and the node's LP point agree and
    search the rest within the problem's bounds (Danna, Rothberg and Le Pape's RINS).

    Sub-MIP nodes are budgeted like SCIP's: ``node_offset`` plus ``node_share`` of the
    search's nodes, less what earlier calls used and ``call_cost`` nodes per call (the
    setup of a sub-search costs about as much as that many nodes).
    """

    name = "rins"

    def __init__(self, problem: Problem, integer_cols: np.ndarray, options: SolveOptions,
                 incumbent: Callable[[], np.ndarray | None], deadline: float = math.inf,
                 frequency: int = 50, min_fixed_share: float = 0.3, node_offset: int = 200,
                 node_share: float = 0.1, call_cost: int = 100, min_nodes: int = 50,
                 max_nodes: int = 500, time_limit: float = 5.0) -> None:
        super().__init__(problem, integer_cols, options, time_limit, deadline)
        self.incumbent = incumbent
        self.frequency = frequency
        self.min_fixed_share = min_fixed_share
        self.node_offset = node_offset
        self.node_share = node_share
        self.call_cost = call_cost
        self.min_nodes = min_nodes
        self.max_nodes = max_nodes
        self.last_node = -1
        self.calls = 0

    def node_budget(self, nodes: int) -> int:
        """Sub-MIP nodes the next call may use after ``nodes`` search nodes."""
        used = self.sub_nodes + self.call_cost * self.calls
        allowed = self.node_offset + self.node_share * nodes - used
        return int(min(allowed, self.max_nodes))

    def should_run(self, context: HeuristicContext) -> bool:
        """Every ``frequency`` nodes (once per node) with an incumbent and node budget left."""
        return bool(self.frequency and context.nodes % self.frequency == 0
                    and context.nodes != self.last_node and context.fractional.size
                    and self.incumbent() is not None
                    and self.node_budget(context.nodes) >= self.min_nodes)

    def run(self, context: HeuristicContext) -> np.ndarray | None:
        """The best improving point of the agreement neighbourhood found within the budget."""
        self.last_node = context.nodes
        incumbent, ints = self.incumbent(), self.integer_cols
        agree = ints[np.abs(incumbent[ints] - context.x[ints]) <= INTEGRALITY]
        if agree.size < self.min_fixed_share * ints.size:
            return None
        lower, upper = self.problem.col_lower.copy(), self.problem.col_upper.copy()
        lower[agree] = upper[agree] = np.round(incumbent[agree])
        budget = self.node_budget(context.nodes)
        self.calls += 1
        return self._search(lower, upper, context.cutoff, budget)
