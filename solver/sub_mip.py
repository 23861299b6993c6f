"""Sub-MIPs searched by branchwise itself: the shared core of RENS and RINS."""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from branchwise.core.problem import Problem
from branchwise.solver.heuristics import FractionalDiving, PrimalHeuristic, SimpleRounding
from branchwise.solver.options import SolveOptions
from branchwise.solver.presolve import Presolve

#: Root cut rounds a sub-MIP may spend: it hunts for points, not for a proven bound.
_CUT_ROUNDS = 3


class SubMipHeuristic(PrimalHeuristic):
    """A heuristic that searches a restricted domain with a budgeted branch-and-bound.

    Inside the sub-search only rounding and diving run, so sub-MIPs never nest.
    """

    def __init__(self, problem: Problem, integer_cols: np.ndarray, options: SolveOptions,
                 time_limit: float, deadline: float) -> None:
        self.problem = problem
        self.integer_cols = integer_cols
        self.options = options
        self.time_limit = time_limit
        self.deadline = deadline
        self.lp_iterations = 0
        self.sub_nodes = 0

    def _search(self, lower: np.ndarray, upper: np.ndarray, cutoff: float,
                node_limit: int) -> np.ndarray | None:
        """The best point found in ``[lower, upper]`` with objective below ``cutoff``,
        presolved first (fixed columns vanish, and presolve often settles it alone)."""
        started = time.perf_counter()
        time_limit = min(self.time_limit, self.deadline - started)
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

        options = self.options.nested(node_limit=node_limit, time_limit=max(time_limit, 1e-3),
                                      cut_rounds=min(self.options.cut_rounds, _CUT_ROUNDS))
        search = Search(problem, options)
        search.heuristics = [h for h in search.heuristics
                             if isinstance(h, (SimpleRounding, FractionalDiving))]
        report = search.run_nested()
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
