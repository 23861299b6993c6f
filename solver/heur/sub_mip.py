"""Sub-MIPs searched by branchwise itself: the shared core of RENS and RINS."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from branchwise.core.problem import Problem
from branchwise.solver.plugins import Heuristic, SearchSetup, default_plugins
from branchwise.solver.presolve.highs_presolve import Presolve

#: The heuristics a sub-search runs: rounding and the dives, so sub-MIPs never nest.
SUB_MIP_HEURISTICS = ("rounding", "diving", "guided-diving")


@dataclass(frozen=True)
class SubMipParameters:
    """The budget of one sub-MIP."""

    #: Seconds one sub-search may take.
    time_limit: float = 5.0
    #: Root cut rounds a sub-MIP may spend: it hunts for points, not for a proven bound.
    cut_rounds: int = 3


class SubMipHeuristic(Heuristic):
    """A heuristic that searches a restricted domain with a budgeted branch-and-bound
    (with the default plugins but only :data:`SUB_MIP_HEURISTICS` among the heuristics)."""

    Parameters = SubMipParameters

    def setup(self, search: SearchSetup) -> None:
        super().setup(search)
        self.problem = search.problem
        self.integer_cols = search.integer_cols
        self.options = search.options
        self.deadline = search.deadline
        self.lp_iterations = 0
        self.sub_nodes = 0

    def _search(self, lower: np.ndarray, upper: np.ndarray, cutoff: float,
                node_limit: int) -> np.ndarray | None:
        """The best point found in ``[lower, upper]`` with objective below ``cutoff``,
        presolved first (fixed columns vanish, and presolve often settles it alone)."""
        started = time.perf_counter()
        time_limit = min(self.parameters.time_limit, self.deadline - started)
        if time_limit <= 0:
            return None
        restricted = self._restricted(lower, upper, cutoff)
        if restricted.Q is not None or restricted.has_sos:  # beyond HiGHS's MIP presolve
            return self._branch(restricted, node_limit, time_limit)
        presolve = Presolve(restricted, time_limit)
        if presolve.outcome in ("infeasible", "unbounded_or_infeasible"):
            return None
        if presolve.outcome == "empty":
            return presolve.restore(np.zeros(0))
        remaining = time_limit - (time.perf_counter() - started)
        if presolve.outcome != "reduced":
            return self._branch(restricted, node_limit, remaining)
        x = self._branch(presolve.reduced, node_limit, remaining)
        return None if x is None else presolve.restore(x)

    def _branch(self, problem: Problem, node_limit: int, time_limit: float) -> np.ndarray | None:
        """Branch and bound on ``problem`` within the limits, rounding and diving only."""
        from branchwise.solver.search import Search  # the search module imports this one

        cut_rounds = min(self.options.cut_rounds, self.parameters.cut_rounds)
        options = self.options.nested(node_limit=node_limit, time_limit=max(time_limit, 1e-3),
                                      cut_rounds=cut_rounds)
        plugins = default_plugins(problem, options).only(Heuristic, SUB_MIP_HEURISTICS)
        report = Search(problem, options, plugins).run_nested()
        self.lp_iterations += report.stats["lp_iterations"]
        self.sub_nodes += report.nodes
        return report.x

    def _restricted(self, lower: np.ndarray, upper: np.ndarray, cutoff: float) -> Problem:
        """The problem on ``[lower, upper]``; a linear objective also gets a cutoff row."""
        problem = self.problem
        if not math.isfinite(cutoff) or (problem.Q is not None and problem.Q.nnz):
            return replace(problem, col_lower=lower, col_upper=upper)
        sign = -1.0 if problem.maximize else 1.0
        return replace(
            problem, col_lower=lower, col_upper=upper,
            A=sp.vstack([problem.A, sp.csr_matrix(sign * problem.c)], format="csr"),
            row_lower=np.append(problem.row_lower, -np.inf),
            row_upper=np.append(problem.row_upper, cutoff),
            row_names=[*problem.row_names, "objective_cutoff"],
        )
