"""RENS: search the neighbourhood of the root LP point's roundings with a sub-MIP."""

from __future__ import annotations

import math

import numpy as np

from branchwise.core.problem import Problem
from branchwise.core.tolerances import INTEGRALITY
from branchwise.solver.heuristics import HeuristicContext
from branchwise.solver.options import SolveOptions
from branchwise.solver.sub_mip import SubMipHeuristic


class Rens(SubMipHeuristic):
    """Fix the integer columns the root LP sets integral, restrict the fractional ones to
    their floor and ceiling, and search what is left (Berthold's RENS) at the root."""

    name = "rens"

    def __init__(self, problem: Problem, integer_cols: np.ndarray, options: SolveOptions,
                 deadline: float = math.inf, min_fixed_share: float = 0.5,
                 node_limit: int = 500, time_limit: float = 10.0) -> None:
        super().__init__(problem, integer_cols, options, time_limit, deadline)
        self.min_fixed_share = min_fixed_share
        self.node_limit = node_limit
        self.last_neighbourhood = b""

    def should_run(self, context: HeuristicContext) -> bool:
        """At the root when enough integer columns are integral in the LP."""
        if not context.at_root or context.fractional.size == 0:
            return False
        fixed_share = 1.0 - context.fractional.size / self.integer_cols.size
        return fixed_share >= self.min_fixed_share

    def neighbourhood(self, context: HeuristicContext) -> tuple[np.ndarray, np.ndarray]:
        """Bounds fixing the LP point's integral columns and boxing the fractional ones
        between their floor and ceiling."""
        ints, values = self.integer_cols, context.x[self.integer_cols]
        lower, upper = context.lower.copy(), context.upper.copy()
        lower[ints] = np.maximum(lower[ints], np.floor(values + INTEGRALITY))
        upper[ints] = np.minimum(upper[ints], np.ceil(values - INTEGRALITY))
        return lower, upper

    def run(self, context: HeuristicContext) -> np.ndarray | None:
        """The best point of the neighbourhood found within the budget (each neighbourhood
        is searched once: the root may offer the same LP point again)."""
        lower, upper = self.neighbourhood(context)
        key = lower.tobytes() + upper.tobytes()
        if key == self.last_neighbourhood:
            return None
        self.last_neighbourhood = key
        return self._search(lower, upper, context.cutoff, self.node_limit)
