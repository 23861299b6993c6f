"""RENS: search the neighbourhood of the root LP point's roundings with a sub-MIP."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from branchwise.core.tolerances import INTEGRALITY
from branchwise.solver.heur.sub_mip import SubMipHeuristic, SubMipParameters
from branchwise.solver.plugins import HeuristicContext, SearchSetup


@dataclass(frozen=True)
class RensParameters(SubMipParameters):
    time_limit: float = 10.0
    #: Share of the integer columns the root LP must set integral for RENS to run.
    min_fixed_share: float = 0.5
    node_limit: int = 500


class Rens(SubMipHeuristic):
    """Fix the integer columns the root LP sets integral, restrict the fractional ones to
    their floor and ceiling, and search what is left (Berthold's RENS) at the root."""

    name = "rens"
    priority = 700
    Parameters = RensParameters

    def setup(self, search: SearchSetup) -> None:
        super().setup(search)
        self.last_neighbourhood = b""

    def should_run(self, context: HeuristicContext) -> bool:
        """At the root when enough integer columns are integral in the LP."""
        if not context.at_root or context.fractional.size == 0:
            return False
        fixed_share = 1.0 - context.fractional.size / self.integer_cols.size
        return fixed_share >= self.parameters.min_fixed_share

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
        return self._search(lower, upper, context.cutoff, self.parameters.node_limit)
