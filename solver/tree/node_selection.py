"""Best-first node selection with plunging, by bound or by pseudocost estimate."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from branchwise.solver.plugins import BranchPoint, NodeSelector, SearchSetup
from branchwise.solver.tree.nodes import Node, NodeQueue


@dataclass(frozen=True)
class PlungingParameters:
    """When a plunge goes on, how often best estimate yields to best bound, and how many
    open nodes keep a warm-start basis."""

    #: While plunging, a child is kept only if its bound is within this share of the gap
    #: between the best open bound and the incumbent.
    plunge_gap_share: float = 0.3
    #: With best-estimate selection, every this many picks take the best bound instead.
    bound_every: int = 10
    #: Past this many open nodes, queued nodes keep no warm-start basis (memory bound).
    max_nodes_with_basis: int = 20_000


class BestFirstPlunging(NodeSelector):
    """Dive depth-first into a child while it stays close to the best bound; when the
    plunge ends, take the open node of best bound, or of best estimate with the options'
    ``node_selection="estimate"`` (SCIP's best estimate with plunging)."""

    name = "plunging"
    priority = 100
    Parameters = PlungingParameters

    def setup(self, search: SearchSetup) -> None:
        self.incumbent, self.pseudocosts = search.incumbent, search.pseudocosts
        self.by_estimate = search.options.node_selection == "estimate"
        self.queue = NodeQueue(self.parameters.bound_every if self.by_estimate else None,
                               basis_limit=self.parameters.max_nodes_with_basis)

    def __len__(self) -> int:
        return len(self.queue)

    def insert(self, node: Node) -> None:
        self.queue.push(node)

    def select(self) -> Node | None:
        return self.queue.pop() if self.queue else None

    def best_bound(self) -> float:
        return self.queue.best_bound()

    def descend(self, first: Node, second: Node, point: BranchPoint | None) -> Node | None:
        """Queue one child and plunge into the other (the lower-bound one when they
        differ); children of a rule's branching get their estimates first."""
        if point is not None and self.by_estimate:
            estimates = self._child_estimates(point)
            for child in (first, second):
                child.estimate = estimates[child.branched[1]]
        if first.bound > second.bound:
            first, second = second, first
        self.queue.push(second)
        if self._worth_plunging(first):
            return first
        self.queue.push(first)
        return None

    def _worth_plunging(self, child: Node) -> bool:
        """Keep diving depth-first while the child stays close to the best bound."""
        if child.bound >= self.incumbent.cutoff:
            return False
        if not self.incumbent.bounded:
            return True
        best = min(self.queue.best_bound(), child.bound)
        share = self.parameters.plunge_gap_share
        return child.bound <= best + share * (self.incumbent.value - best)

    def _child_estimates(self, point: BranchPoint) -> tuple[float, float]:
        """Pseudocost guesses of the best objective in the down and up child of branching
        on ``point.col``: the node's bound plus, per fractional column, the cheaper way to
        make it integral, ``col`` going its way."""
        x, fractional, col = point.x, point.fractional, point.col
        if fractional.size == 0:
            return -math.inf, -math.inf
        down_up = self.pseudocosts.estimates(fractional)
        frac = x[fractional] - np.floor(x[fractional])
        costs = np.vstack([down_up[0] * frac, down_up[1] * (1.0 - frac)])
        cheapest = costs.min(axis=0)
        total = point.bound + float(cheapest.sum())
        k = int(np.flatnonzero(fractional == col)[0]) if col in fractional else None
        if k is None:
            return total, total
        rest = total - float(cheapest[k])
        return rest + float(costs[0, k]), rest + float(costs[1, k])
