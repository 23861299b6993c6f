"""The branch-and-bound loop: pop a node, solve its LP, prune, find incumbents, branch.

The loop knows the plugin kinds (:mod:`.plugins`), never a concrete plugin: it walks each
kind by priority and acts on the :class:`~.plugins.Result` of every call. The root is
processed in :mod:`.root`, integral LP points are settled in :mod:`.integral`."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np

from branchwise.core.problem import Problem
from branchwise.solver.branch.pseudocosts import Pseudocosts
from branchwise.solver.heur.heuristics import fractional_columns
from branchwise.solver.integral import IntegralPoints, Unresolved
from branchwise.solver.log import SearchLog
from branchwise.solver.options import SolveOptions
from branchwise.solver.plugins import (
    BranchingContext,
    BranchPoint,
    HeuristicContext,
    Plugins,
    PropagationContext,
    Result,
    SearchSetup,
    Timing,
    default_plugins,
)
from branchwise.solver.relax.lp import LPSolution, NodeLP
from branchwise.solver.relax.lp_nlp import IntegralAttempts, NonlinearSide
from branchwise.solver.relax.node_relaxation import Relaxation
from branchwise.solver.report import build_report, log_progress
from branchwise.solver.result import SolveReport, StopSearch
from branchwise.solver.root import solve_root
from branchwise.solver.sepa.cut_rows import integer_rounded
from branchwise.solver.stats import SearchStats
from branchwise.solver.timers import Timers
from branchwise.solver.tree.incumbent import Incumbent
from branchwise.solver.tree.nodes import BoundChange, Node, column_children, record_changes
from branchwise.solver.walks import PluginWalks
from branchwise.solver.watch import Watchers


class Search:
    """One branch-and-bound run over a problem with a set of plugins (None: the
    :func:`~.plugins.default_plugins`); internally always a minimisation."""

    def __init__(self, problem: Problem, options: SolveOptions,
                 plugins: Plugins | None = None) -> None:
        self.problem, self.options = problem, options
        self.started = time.perf_counter()
        self.deadline = options.deadline.at  # the one clock of the run (a perf_counter time)
        self.integer_cols = np.flatnonzero(problem.integrality)
        self.root_lower, self.root_upper = integer_rounded(
            problem.col_lower, problem.col_upper, problem.integrality)
        self.lp = NodeLP(problem)
        self.timers = Timers()
        self.nonlinear = NonlinearSide(
            problem, self.lp, self.integer_cols, (self.root_lower, self.root_upper),
            self.timers, self.deadline) if problem.has_nonlinear_rows else None
        self.incumbent = Incumbent(problem, self.lp, self.integer_cols, options,
                                   None if self.nonlinear is None else self.nonlinear.nlp)
        self.plugins = default_plugins(problem, options) if plugins is None else plugins
        self.setup = SearchSetup(problem, options, self.lp, self.integer_cols, self.incumbent,
                                 Pseudocosts(self.lp.n), self.deadline)
        self.walks = PluginWalks(self.plugins, self.setup, self.timers)
        self.selector = self.walks.selector
        self.stats = SearchStats()
        self.relaxation = Relaxation(self.lp, self.nonlinear, self.incumbent, options,
                                     self.stats, self.timers, self.remaining)
        self.log = SearchLog(options.log, options.log_interval, time_limit=options.time_limit)
        self.watchers = Watchers(options.on_incumbent, options.on_progress,
                                 options.log_interval)
        self.incumbent.listener = lambda: self.watchers.incumbent(self)
        self.unresolved = Unresolved(self.log, self.user_value)
        self.integral = IntegralPoints(problem, self.lp, self.integer_cols, self.incumbent,
                                       self.nonlinear, self.unresolved, self.deadline)
        self.active_bound = -math.inf  # bound of the node in hand (-inf before the root)
        self._last_domain: tuple[np.ndarray, np.ndarray] | None = None
        #: Bumped whenever the root domain tightens after nodes were propagated against it.
        self.root_version = 0

    def run(self) -> SolveReport:
        """Search until the tree is exhausted or a limit stops it."""
        self.log.line(f"branchwise: {self.problem.n_rows} rows, {self.problem.n_cols} columns, "
                      f"{self.integer_cols.size} integer")
        try:
            status = self._search()
        except StopSearch as stop:
            status = stop.status
        except KeyboardInterrupt:
            status = "interrupted"
        return build_report(self, status)

    def run_nested(self) -> SolveReport:
        """:meth:`run` for a search inside another (a sub-MIP, the unboundedness check): an
        interrupt stops the outer search too, instead of ending only this one."""
        report = self.run()
        if report.status == "interrupted":
            raise KeyboardInterrupt
        return report

    def _search(self) -> str:
        root_domain = PropagationContext(Timing.DOMAIN, self.root_lower, self.root_upper)
        if np.any(self.root_lower > self.root_upper) or self.walks.propagate(
                root_domain) is Result.CUTOFF:
            return "infeasible"
        root_status = solve_root(self)
        if root_status is not None:
            if root_status == "optimal":
                self.active_bound = math.inf  # the root itself proved it: nothing stays open
                if self.incumbent.found:  # its bound reached the incumbent's value
                    self.stats.root_bound = max(self.stats.root_bound, self.incumbent.value)
            return root_status
        node, warm = None, False
        while True:
            if node is None:
                node, warm = self.selector.select(), False
                if node is None:
                    self.active_bound = math.inf
                    break
            else:
                warm = True
            self.active_bound = node.bound
            self._check_limits()
            self.watchers.tick(self)
            self.propagate_global()
            node = None if node.bound >= self.incumbent.cutoff else self._process(node, warm)
        if self.unresolved.bound < self.incumbent.cutoff:
            return "optimal" if self._gap_closed() else "numerical_error"
        return "optimal" if self.incumbent.found else "infeasible"

    # ------------------------------------------------------------- one node
    def _process(self, node: Node, warm: bool) -> Node | None:
        """Propagate a node's domain and load it into the LP; returns the child to plunge
        into, if any (``warm``: the node is a child of the one just processed)."""
        lower, upper = node.domain(self.root_lower, self.root_upper,
                                   self._last_domain if warm else None)
        # The trail holds the ancestors' propagation: start from what came after it, unless
        # the root domain has tightened since.
        changed = (node.unsettled_columns() if node.root_version == self.root_version
                   else None)
        self._last_domain = (lower, upper)
        if np.any(lower > upper):
            return None
        before = lower.copy(), upper.copy()
        if self.walks.propagate(PropagationContext(Timing.DOMAIN, lower, upper,
                                                   changed)) is Result.CUTOFF:
            return None
        record_changes(node, lower, upper, *before)
        node.root_version, node.settled = self.root_version, node.changes
        self.lp.set_bounds(lower, upper)
        if not warm:
            self.lp.set_basis(node.basis)
        self.stats.nodes += 1
        if self.options.on_node is not None:
            self.options.on_node(self.stats.nodes, len(self.selector))
        return self._solve_node(node, lower, upper)

    def _solve_node(self, node: Node, lower: np.ndarray, upper: np.ndarray) -> Node | None:
        """Solve the node's relaxation (again after tightenings or cuts), settle an
        integral point, run the heuristics, and branch."""
        attempts = IntegralAttempts()
        for tightening_round in itertools.count():
            result = self.relaxation.solve(at_root=False)
            if result.status in ("infeasible", "cutoff"):
                return None
            if result.status != "optimal":
                self.unresolved.add(node.bound, f"a node's LP ended {result.status}, even "
                                                "solved from scratch")
                return None
            bound = max(result.objective, node.bound)
            if node.branched is not None:
                self.setup.pseudocosts.learn(*node.branched, result.objective)
                node.branched = None
            if bound >= self.incumbent.cutoff:
                return None
            x = result.x
            fractional = fractional_columns(x, self.integer_cols)
            if fractional.size == 0:
                outcome, children = self.integral.settle(node, bound, x, lower, upper, attempts)
                if outcome is Result.SEPARATED:
                    continue
                return None if children is None else self.selector.descend(*children, None)
            if self._propagate_after_lp(node, lower, upper, result) is Result.CUTOFF:
                return None
            self.run_heuristics(x, fractional, lower, upper)
            if bound >= self.incumbent.cutoff:
                return None
            branching = self.walks.branch(BranchingContext(
                x, bound, fractional, self.incumbent.cutoff, tightening_round))
            if branching.result is Result.CUTOFF:
                return None
            if branching.result is not Result.REDUCED_DOMAIN:
                break
            for col, lo, hi in branching.tightenings:  # then solve the node again
                node.changes = BoundChange(node.changes, col, lo, hi)
                lower[col], upper[col] = max(lower[col], lo), min(upper[col], hi)
            self.lp.set_bounds(lower, upper)
        node.bound = bound
        log_progress(self)
        node.basis = self.lp.get_basis()
        children = column_children(node, branching.col, branching.value, branching.down_bound,
                                   branching.up_bound, lower, upper)
        return self.selector.descend(*children, BranchPoint(x, fractional, bound,
                                                            branching.col))

    def _propagate_after_lp(self, node: Node, lower: np.ndarray, upper: np.ndarray,
                            result: LPSolution) -> Result:
        """The propagators that use a node's LP optimum; what they tighten goes into the
        node's trail (its children inherit it) and the LP."""
        before = lower.copy(), upper.copy()
        outcome = self.walks.propagate(PropagationContext(Timing.NODE_LP, lower, upper,
                                                          objective=result.objective))
        if outcome is Result.REDUCED_DOMAIN:
            record_changes(node, lower, upper, *before)
            self.lp.set_bounds(lower, upper)
        return outcome

    def propagate_global(self, root_lp: LPSolution | None = None,
                         reduced_costs: np.ndarray | None = None) -> None:
        """Propagate the root domain: once with the root LP and its reduced costs, then
        before every node (for the propagators that act when the incumbent improves)."""
        context = PropagationContext(Timing.GLOBAL, self.root_lower, self.root_upper,
                                     objective=None if root_lp is None else root_lp.objective,
                                     reduced_costs=reduced_costs)
        if self.walks.propagate(context) is Result.REDUCED_DOMAIN:
            self.root_version += 1

    def run_heuristics(self, x: np.ndarray, fractional: np.ndarray, lower: np.ndarray,
                       upper: np.ndarray) -> None:
        """Call every heuristic, by priority, at the LP point of a node's domain."""
        self.walks.run_heuristics(HeuristicContext(
            x, fractional, lower, upper, self.incumbent.cutoff, self.stats.nodes,
            self.stats.lp_iterations, self.options.deadline))

    # -------------------------------------------------------------- helpers
    def remaining(self) -> float:
        """Seconds left before the time limit."""
        return self.deadline - time.perf_counter()

    def global_bound(self) -> float:
        """Lowest bound over everything not yet explored (inf once the tree is empty),
        rounded up to the objective's step."""
        bound = min(self.selector.best_bound(), self.active_bound, self.unresolved.bound)
        return self.incumbent.round_bound(bound)

    def _gap_closed(self) -> bool:
        if not self.incumbent.found:
            return False
        bound = self.global_bound()
        return bound >= self.incumbent.cutoff or self.incumbent.within_gap(bound)

    def _check_limits(self) -> None:
        if self._gap_closed():
            raise StopSearch("optimal")
        if self.remaining() <= 0:
            raise StopSearch("time_limit")
        limit = self.options.node_limit
        if limit is not None and self.stats.nodes >= limit:
            raise StopSearch("node_limit")

    def user_value(self, internal: float) -> float:
        """An internal (minimised, offset-free) objective value in the problem's sense."""
        return self.lp.sign * internal + self.problem.objective_offset
