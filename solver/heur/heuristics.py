"""Primal heuristics: turn a fractional LP point into an integer-feasible incumbent."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from branchwise.core.deadline import Deadline
from branchwise.core.tolerances import INTEGRALITY
from branchwise.solver.plugins import Heuristic, HeuristicContext, SearchSetup


def fractional_columns(x: np.ndarray, integer_cols: np.ndarray) -> np.ndarray:
    """Integer columns whose value is further than INTEGRALITY from an integer."""
    values = x[integer_cols]
    return integer_cols[np.abs(values - np.round(values)) > INTEGRALITY]


class SimpleRounding(Heuristic):
    """Round each fractional column in a direction no row can object to (SCIP's locks):
    a column with no down-locks goes down, one with no up-locks goes up."""

    name = "rounding"
    priority = 1000

    def setup(self, search: SearchSetup) -> None:
        super().setup(search)
        problem = search.problem
        csc = problem.A.tocsc()
        has_lower = np.isfinite(problem.row_lower)
        has_upper = np.isfinite(problem.row_upper)
        rows = csc.indices
        positive = csc.data > 0
        # Decreasing x_j can break a row if a_ij > 0 and the row has a lower side, or
        # a_ij < 0 and the row has an upper side; increasing x_j the other way round.
        down = (positive & has_lower[rows]) | (~positive & has_upper[rows])
        up = (positive & has_upper[rows]) | (~positive & has_lower[rows])
        col_of_entry = np.repeat(np.arange(problem.n_cols), np.diff(csc.indptr))
        self.down_locks = np.bincount(col_of_entry, weights=down, minlength=problem.n_cols)
        self.up_locks = np.bincount(col_of_entry, weights=up, minlength=problem.n_cols)

    def run(self, context: HeuristicContext) -> np.ndarray | None:
        """A rounded copy of the LP point if every fractional column has a lock-free side."""
        x, fractional = context.x, context.fractional
        down_ok = self.down_locks[fractional] == 0
        up_ok = self.up_locks[fractional] == 0
        if not np.all(down_ok | up_ok):
            return None
        rounded = x.copy()
        values = x[fractional]
        rounded[fractional] = np.where(down_ok, np.floor(values), np.ceil(values))
        return rounded


@dataclass(frozen=True)
class DivingParameters:
    """How often and how deep a dive goes (``frequency`` None: the options'
    ``dive_frequency``)."""

    frequency: int | None = None
    #: Most of the search's LP iterations that dives may spend, as a share.
    iteration_share: float = 0.1
    max_depth: int = 50
    #: Simplex iterations one dive may spend.
    iteration_budget: int = 2000


class FractionalDiving(Heuristic):
    """Dive from a node: repeatedly round the least fractional column, re-solve the LP,
    and back off one step on infeasibility, until the LP point is integral."""

    name = "diving"
    priority = 800
    Parameters = DivingParameters

    def setup(self, search: SearchSetup) -> None:
        super().setup(search)
        self.lp = search.lp
        self.integer_cols = search.integer_cols
        given = self.parameters.frequency
        self.frequency = search.options.dive_frequency if given is None else given
        self.lp_iterations = 0

    def should_run(self, context: HeuristicContext) -> bool:
        """At the root, then every ``frequency`` nodes while diving has used at most
        ``iteration_share`` of the search's LP iterations."""
        if not self.frequency or context.fractional.size == 0:
            return False
        if context.at_root:
            return True
        share = self.parameters.iteration_share
        within_budget = self.lp_iterations <= share * context.lp_iterations
        return context.nodes % self.frequency == 0 and within_budget

    def run(self, context: HeuristicContext) -> np.ndarray | None:
        """Dive from the LP point inside the node's domain; restores the LP afterwards."""
        lower, upper = context.lower, context.upper
        basis = self.lp.get_basis()
        try:
            return self._dive(context.x, lower.copy(), upper.copy(), context.cutoff,
                              context.deadline)
        finally:
            self.lp.set_bounds(lower, upper)
            self.lp.set_basis(basis)

    def _pick(self, x: np.ndarray, fractional: np.ndarray) -> tuple[int, bool]:
        """The column to round next and whether to try rounding it up first."""
        frac = x[fractional] - np.floor(x[fractional])
        pick = int(np.argmin(np.minimum(frac, 1.0 - frac)))
        return int(fractional[pick]), bool(frac[pick] >= 0.5)

    def _dive(self, x, lower, upper, cutoff, deadline: Deadline) -> np.ndarray | None:
        spent, budget = 0, self.parameters.iteration_budget
        for _ in range(self.parameters.max_depth):
            fractional = fractional_columns(x, self.integer_cols)
            if fractional.size == 0:
                return x
            if deadline.expired():
                return None
            col, first_up = self._pick(x, fractional)
            value = float(x[col])
            solution = None
            for up in (first_up, not first_up):
                trial_lower, trial_upper = lower.copy(), upper.copy()
                if up:
                    trial_lower[col] = math.ceil(value)
                else:
                    trial_upper[col] = math.floor(value)
                self.lp.set_bounds(trial_lower, trial_upper)
                result = self.lp.solve(cutoff=cutoff,
                                       iteration_limit=max(1, budget - spent),
                                       time_limit=deadline.remaining())
                spent += result.iterations
                self.lp_iterations += result.iterations
                if result.status == "optimal":
                    solution = result.x
                    lower, upper = trial_lower, trial_upper
                    break
                if spent >= budget:
                    return None
            if solution is None:
                return None
            x = solution
        return None
