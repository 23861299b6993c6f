"""Solving a node's relaxation: the node LP under the incumbent's cutoff, retried from
scratch on a failure, and with nonlinear rows tightened by outer-approximation rounds."""

from __future__ import annotations

from collections.abc import Callable

from branchwise.solver.options import SolveOptions
from branchwise.solver.relax.lp import LPSolution, NodeLP
from branchwise.solver.relax.lp_nlp import NonlinearSide
from branchwise.solver.result import StopSearch
from branchwise.solver.stats import SearchStats
from branchwise.solver.timers import Timers
from branchwise.solver.tree.incumbent import Incumbent

#: Rounds of outer-approximation cuts per relaxation solve (at the root, and at a node).
_OA_ROUNDS_ROOT, _OA_ROUNDS_NODE = 50, 10


class Relaxation:
    """The relaxation solves of one search; counts their simplex iterations and stops the
    search (:class:`StopSearch`) when the clock runs out inside one."""

    def __init__(self, lp: NodeLP, nonlinear: NonlinearSide | None, incumbent: Incumbent,
                 options: SolveOptions, stats: SearchStats, timers: Timers,
                 remaining: Callable[[], float]) -> None:
        self.lp, self.nonlinear, self.incumbent = lp, nonlinear, incumbent
        self.options, self.stats, self.timers = options, stats, timers
        #: Seconds left of the search's time (read at each solve).
        self.remaining = remaining

    def solve(self, at_root: bool) -> LPSolution:
        """Solve the node LP; with nonlinear rows, add outer-approximation cuts where its
        point violates them and solve again, a few rounds."""
        result = self._solve_lp()
        if self.nonlinear is None:
            return result
        return self.nonlinear.tighten(result, self._solve_lp,
                                      _OA_ROUNDS_ROOT if at_root else _OA_ROUNDS_NODE,
                                      self.options.node_nlp and self.stats.nodes > 0)

    def _solve_lp(self) -> LPSolution:
        """Solve the node LP under the cutoff; retry from scratch once on a failure."""
        with self.timers.timing("lp"):
            result = self.lp.solve(cutoff=self.incumbent.cutoff, time_limit=self.remaining())
            if result.status in ("error", "unbounded_or_infeasible") or (
                result.status == "unbounded" and self.stats.nodes > 0
            ):
                result = self.lp.solve_from_scratch(time_limit=self.remaining())
        self.stats.lp_iterations += result.iterations
        if result.status == "time_limit":
            raise StopSearch("time_limit")
        return result
