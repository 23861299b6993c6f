"""The branch-and-bound loop: pop a node, solve its LP, prune, find incumbents, branch."""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import replace

import numpy as np

from branchwise.core.problem import Problem
from branchwise.core.tolerances import FEASIBILITY
from branchwise.solver.branching import (
    BranchDecision,
    ReliabilityBranching,
    violated_row_column,
)
from branchwise.solver.clique import CliqueSeparator
from branchwise.solver.cuts import CutPool, GomorySeparator, separate_rounds
from branchwise.solver.feasibility_pump import FeasibilityPump
from branchwise.solver.guided_diving import GuidedDiving
from branchwise.solver.heuristics import (
    FractionalDiving,
    HeuristicContext,
    PrimalHeuristic,
    SimpleRounding,
    fractional_columns,
)
from branchwise.solver.incumbent import Incumbent
from branchwise.solver.knapsack_cover import KnapsackCoverSeparator
from branchwise.solver.log import SearchLog
from branchwise.solver.logic_fixing import LogicFixing
from branchwise.solver.lp import LPSolution, NodeLP
from branchwise.solver.lp_nlp import IntegralAttempts, NonlinearSide, Verdict
from branchwise.solver.mir import MIRSeparator
from branchwise.solver.options import SolveOptions
from branchwise.solver.propagation import ActivityPropagator, reduced_cost_bounds
from branchwise.solver.rens import Rens
from branchwise.solver.result import SolveReport
from branchwise.solver.rins import Rins
from branchwise.solver.smoothing import ScholtesHeuristic
from branchwise.solver.sos import most_violated_sos, sos_children
from branchwise.solver.timers import Timers
from branchwise.solver.tree import BoundChange, Node, NodeQueue

#: While plunging, a child is kept only if its bound is within this share of the gap
#: between the best open bound and the incumbent.
_PLUNGE_GAP_SHARE = 0.3
#: Strong branching may tighten a node's domain and re-solve it at most this often; after
#: that the node branches on pseudocosts (unbounded integers could otherwise creep forever).
_MAX_TIGHTENING_ROUNDS = 10
#: With best-estimate node selection, every this many picks take the best bound instead.
_BOUND_EVERY = 10
#: Past this many open nodes, queued nodes keep no warm-start basis (memory bound).
_MAX_NODES_WITH_BASIS = 20_000
#: Rounds of outer-approximation cuts per relaxation solve (at the root, and at a node).
_OA_ROUNDS_ROOT, _OA_ROUNDS_NODE = 50, 10


class _Resolve:
    """Returned by the integral-point handling when the node's relaxation must be solved
    again (new cuts went in)."""


_RESOLVE = _Resolve()


class _Stop(Exception):
    """Raised inside the loop when a limit is reached; carries the status."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class Search:
    """One branch-and-bound run over a problem; internally always a minimisation."""

    def __init__(self, problem: Problem, options: SolveOptions) -> None:
        self.problem = problem
        self.options = options
        self.started = time.perf_counter()
        self.deadline = options.deadline.at  # the one clock of the run (a perf_counter time)
        self.integer_cols = np.flatnonzero(problem.integrality)
        self.root_lower, self.root_upper = _integer_rounded_bounds(problem)
        self.lp = NodeLP(problem)
        self.timers = Timers()
        self.nonlinear = NonlinearSide(
            problem, self.lp, self.integer_cols, (self.root_lower, self.root_upper),
            self.timers, self.deadline) if problem.has_nonlinear_rows else None
        self.incumbent = Incumbent(problem, self.lp, self.integer_cols, options,
                                   None if self.nonlinear is None else self.nonlinear.nlp)
        self.queue = NodeQueue(
            _BOUND_EVERY if options.node_selection == "estimate" else None,
            basis_limit=_MAX_NODES_WITH_BASIS)
        self.branching = ReliabilityBranching(self.lp, self.integer_cols, options,
                                              problem.logic_columns)
        incumbent_x = lambda: self.incumbent.x  # noqa: E731 - read live by the heuristics
        self.heuristics: list[PrimalHeuristic] = [
            SimpleRounding(problem),
            LogicFixing(problem, self.lp, self.integer_cols, self.deadline),
            FractionalDiving(self.lp, self.integer_cols, options.dive_frequency),
            Rens(problem, self.integer_cols, options, self.deadline),
            GuidedDiving(self.lp, self.integer_cols, options.dive_frequency, incumbent_x),
            Rins(problem, self.integer_cols, options, incumbent_x, self.deadline),
        ]
        if problem.sos1 and (self.nonlinear is not None or self.lp.is_qp):
            self.heuristics.append(ScholtesHeuristic(problem, self.deadline))
        if options.feasibility_pump:
            self.heuristics.insert(3, FeasibilityPump(problem, self.lp, self.integer_cols))
        self.separators = [GomorySeparator(problem.integrality), MIRSeparator(),
                           KnapsackCoverSeparator(), CliqueSeparator(problem)]
        self.propagator = ActivityPropagator(problem)
        self.root_reduced_costs: np.ndarray | None = None
        self.reduced_cost_fixings = 0
        self.fixed_for_value = math.inf
        self.stats: dict = {}
        self.log = SearchLog(options.log, options.log_interval)
        self.nodes = 0
        self.sos_branchings = 0
        self.lp_iterations = 0
        self.root_iterations = 0
        self.root_bound = -math.inf
        self.unresolved_bound = math.inf  # lowest bound of a node no remedy settled
        self.unresolved_reason = ""  # why that node was left
        self.unresolved_nodes = 0
        self.active_bound = -math.inf  # bound of the node in hand (-inf before the root)
        self._last_domain: tuple[np.ndarray, np.ndarray] | None = None
        #: Bumped whenever the root domain tightens after nodes were propagated against it.
        self.root_version = 0

    # ----------------------------------------------------------------- driver
    def run(self) -> SolveReport:
        """Search until the tree is exhausted or a limit stops it."""
        self.log.line(f"branchwise: {self.problem.n_rows} rows, {self.problem.n_cols} columns, "
                      f"{self.integer_cols.size} integer")
        try:
            status = self._search()
        except _Stop as stop:
            status = stop.status
        except KeyboardInterrupt:
            status = "interrupted"
        return self._report(status)

    def run_nested(self) -> SolveReport:
        """:meth:`run` for a search inside another (a sub-MIP, the unboundedness check): an
        interrupt stops the outer search too, instead of ending only this one."""
        report = self.run()
        if report.status == "interrupted":
            raise KeyboardInterrupt
        return report

    def _search(self) -> str:
        if np.any(self.root_lower > self.root_upper) or not self._propagate(
                self.root_lower, self.root_upper):
            return "infeasible"
        root_status = self._solve_root()
        if root_status is not None:
            if root_status == "optimal":
                self.active_bound = math.inf  # the root itself proved it: nothing stays open
                if self.incumbent.found:  # its bound reached the incumbent's value
                    self.root_bound = max(self.root_bound, self.incumbent.value)
            return root_status
        node: Node | None = None
        while True:
            if node is None:
                if not self.queue:
                    self.active_bound = math.inf
                    break
                node, warm = self.queue.pop(), False
            else:
                warm = True
            self.active_bound = node.bound
            self._check_limits()
            if self.incumbent.value < self.fixed_for_value:
                self._fix_by_reduced_costs()
            if node.bound >= self.incumbent.cutoff:
                node = None
                continue
            node = self._process(node, warm)
        if self.unresolved_bound < self.incumbent.cutoff:
            return "optimal" if self._gap_closed() else "numerical_error"
        return "optimal" if self.incumbent.found else "infeasible"

    def _solve_root(self) -> str | None:
        """Solve the root LP, add cuts, run the root heuristics and fix by reduced costs;
        a status string when the search ends right there."""
        self.lp.set_bounds(self.root_lower, self.root_upper)
        if self.nonlinear is not None and self.options.root_nlp:
            self.nonlinear.root(self.incumbent)
        result = self._solve_relaxation(_OA_ROUNDS_ROOT)
        self.root_iterations = result.iterations
        if result.status in ("unbounded", "unbounded_or_infeasible"):
            if self.nonlinear is not None:  # the cuts may just not reach far enough yet
                self.unresolved_reason = "the root relaxation stays unbounded after " \
                                         "outer-approximation cuts"
                raise _Stop("numerical_error")
            return self._unbounded_or_infeasible()
        if result.status in ("infeasible", "cutoff"):
            return "optimal" if self.incumbent.found else "infeasible"
        if result.status != "optimal":
            raise RuntimeError(f"the root relaxation failed ({result.status})")
        self.stats["root_bound_before_cuts"] = result.objective
        self.active_bound = result.objective  # reported if the clock stops the root here
        self._root_heuristics(result.x)
        if self.options.cut_rounds and not self.lp.is_qp:
            ended = self._root_cuts(result)
            if ended is not None:
                return ended
        # Re-solve (warm, usually no pivots) so the LP state is the root's, not a heuristic's.
        result = self._solve_relaxation(_OA_ROUNDS_ROOT)
        if result.status in ("infeasible", "cutoff"):
            return "optimal" if self.incumbent.found else "infeasible"
        if result.status != "optimal":
            raise RuntimeError(f"the root relaxation failed after cuts ({result.status})")
        self.root_bound = result.objective
        self.root_reduced_costs = self.lp.reduced_costs()
        if self.stats.get("cuts"):
            self._root_heuristics(result.x)
        self._fix_by_reduced_costs()
        self.log.line(
            f"root: LP bound {self._user_value(self.stats['root_bound_before_cuts']):.10g}, "
            f"{self.stats.get('cuts', 0)} cuts in {self.stats.get('cut_rounds', 0)} rounds "
            f"-> {self._user_value(self.root_bound):.10g}")
        self.queue.push(Node(None, result.objective, 0))
        return None

    def _root_cuts(self, result: LPSolution) -> str | None:
        """Rounds of cuts at the root; a status string if they end the search."""
        with self.timers.timing("cuts"):
            rounds = separate_rounds(
                self.lp, self.separators, CutPool(), result.x, result.objective,
                self.incumbent.cutoff, self.options.cut_rounds, self.remaining,
            )
        self.stats.update(cut_rounds=rounds.rounds, cuts=rounds.cuts)
        self.active_bound = max(self.active_bound, rounds.objective)  # valid even if stopped
        if rounds.status in ("infeasible", "cutoff"):
            return "optimal" if self.incumbent.found else "infeasible"
        if rounds.status == "time_limit":
            raise _Stop("time_limit")
        return None

    def _fix_by_reduced_costs(self) -> None:
        """Tighten the global bounds with the root LP's reduced costs against the incumbent
        (done again whenever the incumbent improves)."""
        if self.root_reduced_costs is None or not self.incumbent.found:
            return
        fixed = reduced_cost_bounds(
            self.root_lower, self.root_upper, self.root_reduced_costs, self.root_bound,
            self.incumbent.cutoff, self.problem.integrality)
        self.reduced_cost_fixings += fixed
        if fixed:
            self.root_version += 1
        self.fixed_for_value = self.incumbent.value

    def _fix_locally(self, node: Node, objective: float, lower: np.ndarray,
                     upper: np.ndarray) -> None:
        """Tighten the node's domain with its own LP's reduced costs against the incumbent
        (SCIP's reduced-cost propagator), into its trail so that its children inherit it."""
        if not self.incumbent.found or self.lp.is_qp:
            return
        before = lower.copy(), upper.copy()
        if not reduced_cost_bounds(lower, upper, self.lp.reduced_costs(), objective,
                                   self.incumbent.cutoff, self.problem.integrality):
            return
        self._into_trail(node, lower, upper, *before)
        self.stats["node_reduced_cost_fixings"] = (
            self.stats.get("node_reduced_cost_fixings", 0) + 1)
        self.lp.set_bounds(lower, upper)

    @staticmethod
    def _into_trail(node: Node, lower: np.ndarray, upper: np.ndarray,
                    old_lower: np.ndarray, old_upper: np.ndarray) -> None:
        """Append to the node's trail every column whose bounds moved from the old ones, so
        that its children rebuild them without redoing the work."""
        for col in np.flatnonzero((lower != old_lower) | (upper != old_upper)):
            node.changes = BoundChange(node.changes, int(col), lower[col], upper[col])

    def _propagate(self, lower: np.ndarray, upper: np.ndarray,
                   changed: np.ndarray | None = None) -> bool:
        """Row propagation on a domain (in place; only from ``changed`` columns when
        given); False when it is empty."""
        if not self.options.propagation:
            return True
        with self.timers.timing("propagation"):
            return self.propagator.propagate(lower, upper, changed)

    def _root_heuristics(self, x: np.ndarray) -> None:
        """Heuristics and LP completion at the root, before any branching."""
        fractional = fractional_columns(x, self.integer_cols)
        self._run_heuristics(x, fractional, self.root_lower, self.root_upper)
        if fractional.size and not self.incumbent.found:
            self.incumbent.complete(np.round(x), "fix-and-solve", self.root_lower,
                                    self.root_upper)
        self.lp.set_bounds(self.root_lower, self.root_upper)

    def _unbounded_or_infeasible(self) -> str:
        """The relaxation is unbounded: the MILP is unbounded if any integer point is
        feasible, which a search on the zero objective decides."""
        feasibility = replace(self.problem, c=np.zeros(self.problem.n_cols), Q=None,
                              objective_offset=0.0)
        options = self.options.nested(time_limit=max(self.remaining(), 1e-3))
        result = Search(feasibility, options).run_nested()
        if result.status == "optimal":
            return "unbounded"
        if result.status == "infeasible":
            return "infeasible"
        raise _Stop(result.status)

    # ------------------------------------------------------------- one node
    def _process(self, node: Node, warm: bool) -> Node | None:
        """Solve a node and branch; returns the child to plunge into, if any."""
        parent_domain = self._last_domain if warm else None
        lower, upper = node.domain(self.root_lower, self.root_upper, parent_domain)
        # The trail holds the ancestors' propagation: start from what came after it, unless
        # the root domain has tightened since.
        changed = (node.unsettled_columns() if node.root_version == self.root_version
                   else None)
        self._last_domain = (lower, upper)
        if np.any(lower > upper):
            return None
        before = lower.copy(), upper.copy()
        if not self._propagate(lower, upper, changed):
            return None
        self._into_trail(node, lower, upper, *before)
        node.root_version, node.settled = self.root_version, node.changes
        self.lp.set_bounds(lower, upper)
        if not warm:
            self.lp.set_basis(node.basis)
        self.nodes += 1
        if self.options.on_node is not None:
            self.options.on_node(self.nodes, len(self.queue))
        attempts = IntegralAttempts()
        for tightening_round in itertools.count():
            result = self._solve_relaxation(_OA_ROUNDS_NODE)
            if result.status in ("infeasible", "cutoff"):
                return None
            if result.status != "optimal":
                self._unresolved(node.bound, f"a node's LP ended {result.status}, even "
                                             "solved from scratch")
                return None
            bound = max(result.objective, node.bound)
            if node.branched is not None:
                self.branching.learn(*node.branched, result.objective)
                node.branched = None
            if bound >= self.incumbent.cutoff:
                return None
            x = result.x
            fractional = fractional_columns(x, self.integer_cols)
            if fractional.size == 0:
                outcome = self._resolve_integral(node, bound, x, lower, upper, attempts)
                if outcome is _RESOLVE:
                    continue
                return outcome
            self._fix_locally(node, result.objective, lower, upper)
            self._run_heuristics(x, fractional, lower, upper)
            if bound >= self.incumbent.cutoff:
                return None
            with self.timers.timing("branching"):
                decision = self.branching.select(
                    x, bound, fractional, self.incumbent.cutoff,
                    use_strong=tightening_round < _MAX_TIGHTENING_ROUNDS)
            if decision.infeasible:
                return None
            if not decision.tightenings:
                break
            for col, lo, hi in decision.tightenings:
                node.changes = BoundChange(node.changes, col, lo, hi)
                lower[col], upper[col] = max(lower[col], lo), min(upper[col], hi)
            self.lp.set_bounds(lower, upper)
        node.bound = bound
        self._log_progress()
        return self._branch(node, decision, lower, upper, self._child_estimates(
            x, fractional, bound, decision.col))

    def _branch(self, node: Node, decision, lower: np.ndarray, upper: np.ndarray,
                estimates: tuple[float, float] = (-math.inf, -math.inf)) -> Node | None:
        """Create both children; return the preferred one to plunge into, queue the other."""
        node.basis = self.lp.get_basis()
        col, value = decision.col, decision.value
        down = node.child([(col, lower[col], math.floor(value))],
                          max(decision.down_bound, node.bound))
        up = node.child([(col, math.ceil(value), upper[col])], max(decision.up_bound, node.bound))
        down.estimate, up.estimate = estimates
        down.branched = (col, 0, value, node.bound)
        up.branched = (col, 1, value, node.bound)
        first, second = (up, down) if value - math.floor(value) >= 0.5 else (down, up)
        return self._descend(first, second)

    def _child_estimates(self, x: np.ndarray, fractional: np.ndarray, bound: float,
                         col: int) -> tuple[float, float]:
        """Pseudocost guesses of the best objective in the down and up child of branching
        on ``col`` (only computed for best-estimate selection): the node's bound plus, per
        fractional column, the cheaper way to make it integral, ``col`` going its way."""
        if self.options.node_selection != "estimate" or fractional.size == 0:
            return -math.inf, -math.inf
        down_up = self.branching.pseudocosts.estimates(fractional)
        frac = x[fractional] - np.floor(x[fractional])
        costs = np.vstack([down_up[0] * frac, down_up[1] * (1.0 - frac)])
        cheapest = costs.min(axis=0)
        total = bound + float(cheapest.sum())
        k = int(np.flatnonzero(fractional == col)[0]) if col in fractional else None
        if k is None:
            return total, total
        rest = total - float(cheapest[k])
        return rest + float(costs[0, k]), rest + float(costs[1, k])

    def _resolve_integral(self, node: Node, bound: float, x: np.ndarray, lower: np.ndarray,
                          upper: np.ndarray, attempts: IntegralAttempts,
                          ) -> Node | None | _Resolve:
        """An LP point integral within tolerance: branch on a violated SOS set, or accept
        it; if snapping it to exact integers breaks a row, repair it or branch
        (:meth:`_repair_or_split`)."""
        node.bound = bound
        violated = most_violated_sos(self.problem, x)
        if violated is not None:
            return self._branch_sos(node, violated, x)
        if self.nonlinear is not None:
            verdict = self.nonlinear.integral_point(
                x, lower, upper, self._single_assignment(lower, upper), attempts,
                self.incumbent)
            if verdict is Verdict.UNRESOLVED:
                self._unresolved(bound, "no NLP solve verified the integral point of a node "
                                        "whose choices are all fixed")
            if verdict is Verdict.SPLIT:
                return self._split_assignment(node, x, bound, lower, upper)
            return _RESOLVE if verdict is Verdict.RESOLVE else None
        if self.incumbent.offer(x, "lp", lower, upper):
            return None
        return self._repair_or_split(node, bound, x, lower, upper)

    def _repair_or_split(self, node: Node, bound: float, x: np.ndarray, lower: np.ndarray,
                         upper: np.ndarray) -> Node | None:
        """An integral LP point that breaks a row once snapped, even completed in the
        node's domain: repair it (choices fixed, the LP over the other columns solved on
        its own and polished). A node holding only this assignment is then settled by the
        repair's bound (its subtree left unresolved, with the reason, only when no repaired
        point reaches it); any other node branches, on the most broken row's integer
        columns first, and is never dropped."""
        repair = self.incumbent.repair(x, self.remaining())
        if self._single_assignment(lower, upper):
            settled = max(bound, repair.bound)
            if settled < self.incumbent.cutoff:
                self._unresolved(settled, repair.reason or "the repaired point is worse "
                                 "than the bound of the node that holds only its assignment")
            return None
        if bound >= self.incumbent.cutoff:
            return None
        col = violated_row_column(self.problem, self.incumbent.snap(x)[0], x, lower, upper)
        if col is not None:
            return self._split_column(node, col, x, bound, lower, upper)
        ints = self.integer_cols
        deviation = np.abs(x[ints] - np.round(x[ints]))
        # Only columns whose two children both shrink the domain (no child equal to the node).
        splits = (np.floor(x[ints]) < upper[ints]) & (np.ceil(x[ints]) > lower[ints])
        deviation[~splits] = 0.0
        if deviation.max(initial=0.0) > 0.0:
            return self._split_column(node, int(ints[np.argmax(deviation)]), x, bound,
                                      lower, upper)
        violated = most_violated_sos(self.problem, x, tolerance=0.0)
        if violated is not None:
            return self._branch_sos(node, violated, x)
        return self._split_assignment(node, x, bound, lower, upper)

    def _unresolved(self, bound: float, reason: str) -> None:
        """Give up on a node no remedy settled: its bound caps what the search can prove.
        The reason behind the lowest such bound goes to the log and into the result."""
        self.unresolved_nodes += 1
        if bound < self.unresolved_bound:
            self.unresolved_bound, self.unresolved_reason = bound, reason
            self.log.line(f"node left unresolved at bound {self._user_value(bound):.10g}: "
                          f"{reason}")

    def _single_assignment(self, lower: np.ndarray, upper: np.ndarray) -> bool:
        """True when the domain fixes every integer and leaves each SOS set one choice."""
        ints = self.integer_cols
        if np.any(lower[ints] < upper[ints]):
            return False
        return self._unsettled_sos(lower, upper)[0] is None

    def _unsettled_sos(self, lower: np.ndarray, upper: np.ndarray,
                       ) -> tuple[tuple[str, np.ndarray] | None, np.ndarray]:
        """An SOS set whose domain still allows more than one choice (None if none), and
        the indicator it was judged on: 1 for columns whose domain holds a nonzero value."""
        free = ((lower < 0) | (upper > 0)).astype(float)
        return most_violated_sos(self.problem, free, tolerance=0.0), free

    def _split_assignment(self, node: Node, x: np.ndarray, bound: float, lower: np.ndarray,
                          upper: np.ndarray) -> Node | None:
        """Branch so that ``x``'s assignment ends up in a child of its own: on an integer
        column with room (``x``'s value goes down, the rest up), else on an SOS set."""
        ints = self.integer_cols
        open_ints = ints[lower[ints] < upper[ints]]
        if open_ints.size:
            col = int(open_ints[np.argmax(upper[open_ints] - lower[open_ints])])
            return self._split_column(node, col, x, bound, lower, upper)
        unsettled, free = self._unsettled_sos(lower, upper)
        return self._branch_sos(node, unsettled, free)

    def _split_column(self, node: Node, col: int, x: np.ndarray, bound: float,
                      lower: np.ndarray, upper: np.ndarray) -> Node | None:
        """Branch on integer column ``col`` (with room in the node) so both children
        shrink the domain: at ``x[col]`` when it lies strictly between two integers of the
        domain, else between its rounded value and the next integer with room."""
        value = float(x[col])
        down, up = math.floor(value), math.ceil(value)
        if not (down < value < up and lower[col] <= down and up <= upper[col]):
            rounded = min(max(round(value), lower[col]), upper[col])
            value = rounded + 0.5 if rounded < upper[col] else rounded - 0.5
        return self._branch(node, BranchDecision(col, value, bound, bound), lower, upper)

    def _branch_sos(self, node: Node, violated: tuple[str, np.ndarray], x: np.ndarray,
                    ) -> Node | None:
        """Split a violated special ordered set into two children (no binaries, no M)."""
        node.basis = self.lp.get_basis()
        left, right = sos_children(*violated, x)
        self.sos_branchings += 1
        return self._descend(node.child(left, node.bound), node.child(right, node.bound))

    def _descend(self, first: Node, second: Node) -> Node | None:
        """Queue one child and plunge into the other (the lower-bound one when they differ)."""
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
        if not self.incumbent.found:
            return True
        best = min(self.queue.best_bound(), child.bound)
        return child.bound <= best + _PLUNGE_GAP_SHARE * (self.incumbent.value - best)

    # ----------------------------------------------------------- heuristics
    def _run_heuristics(self, x: np.ndarray, fractional: np.ndarray, lower: np.ndarray,
                        upper: np.ndarray) -> None:
        """Offer every due heuristic's candidate to the incumbent (which verifies it)."""
        for heuristic in self.heuristics:
            if self.options.deadline.expired():
                return
            context = HeuristicContext(x, fractional, lower, upper, self.incumbent.cutoff,
                                       self.nodes, self.lp_iterations, self.options.deadline)
            if heuristic.should_run(context):
                with self.timers.timing(f"heuristic:{heuristic.name}"):
                    found = heuristic.run(context)
                if found is not None:
                    self.incumbent.offer(found, heuristic.name, lower, upper)

    # -------------------------------------------------------------- helpers
    def _solve_relaxation(self, oa_rounds: int) -> LPSolution:
        """Solve the node LP; with nonlinear rows, add outer-approximation cuts where its
        point violates them and solve again, up to ``oa_rounds`` times."""
        result = self._solve_lp()
        if self.nonlinear is None:
            return result
        return self.nonlinear.tighten(result, self._solve_lp, oa_rounds,
                                      self.options.node_nlp and self.nodes > 0)

    def _solve_lp(self) -> LPSolution:
        """Solve the node LP under the cutoff; retry from scratch once on a failure."""
        with self.timers.timing("lp"):
            result = self.lp.solve(cutoff=self.incumbent.cutoff, time_limit=self.remaining())
            if result.status in ("error", "unbounded_or_infeasible") or (
                result.status == "unbounded" and self.nodes > 0
            ):
                result = self.lp.solve_from_scratch(time_limit=self.remaining())
        self.lp_iterations += result.iterations
        if result.status == "time_limit":
            raise _Stop("time_limit")
        return result

    def remaining(self) -> float:
        """Seconds left before the time limit."""
        return self.deadline - time.perf_counter()

    def global_bound(self) -> float:
        """Lowest bound over everything not yet explored (inf once the tree is empty),
        rounded up to the objective's step."""
        bound = min(self.queue.best_bound(), self.active_bound, self.unresolved_bound)
        return self.incumbent.round_bound(bound)

    def _gap_closed(self) -> bool:
        if not self.incumbent.found:
            return False
        bound = self.global_bound()
        return bound >= self.incumbent.cutoff or self.incumbent.within_gap(bound)

    def _check_limits(self) -> None:
        if self._gap_closed():
            raise _Stop("optimal")
        if self.remaining() <= 0:
            raise _Stop("time_limit")
        limit = self.options.node_limit
        if limit is not None and self.nodes >= limit:
            raise _Stop("node_limit")

    def _log_progress(self, bound: float | None = None, force: bool = False) -> None:
        """A row of the node table; ``bound`` (internal sense) defaults to the global one."""
        incumbent = self.incumbent.value if self.incumbent.found else None
        sign, offset = self.lp.sign, self.problem.objective_offset
        bound = min(self.global_bound(), self.incumbent.value) if bound is None else bound
        self.log.row(
            time.perf_counter() - self.started, self.nodes, len(self.queue),
            None if incumbent is None else sign * incumbent + offset,
            sign * bound + offset, mark=self.incumbent.take_mark(), force=force,
        )

    def _report(self, status: str) -> SolveReport:
        """Convert the internal minimisation back to the problem's sense and verify."""
        sign, offset = self.lp.sign, self.problem.objective_offset
        found = self.incumbent.found and status != "unbounded"
        if status == "optimal" and found:
            bound = max(min(self.global_bound(), self.incumbent.value), self.root_bound)
        elif status == "infeasible":
            bound = math.inf
        elif status == "unbounded":
            bound = -math.inf
        else:
            bound = min(self.global_bound(), self.incumbent.value)
        if self.nonlinear is not None and not self.nonlinear.proven and status == "optimal":
            status, bound = "feasible", -math.inf
        x = self.incumbent.x if found else None
        verified = bool(found and self.problem.violation(x)[0] <= FEASIBILITY)
        elapsed = time.perf_counter() - self.started
        self._log_progress(bound, force=True)
        reason = self.unresolved_reason if status == "numerical_error" else ""
        self.log.line(f"status {status} after {self.nodes} nodes, {elapsed:.2f}s"
                      + (f": {reason}" if reason else ""))
        return SolveReport(
            status=status,
            x=x,
            objective=sign * self.incumbent.value + offset if found else None,
            bound=sign * bound + offset,
            nodes=self.nodes,
            time=elapsed,
            verified=verified,
            stats=self._stats(),
            reason=reason,
        )

    def _user_value(self, internal: float) -> float:
        """An internal (minimised, offset-free) objective value in the problem's sense."""
        return self.lp.sign * internal + self.problem.objective_offset

    def _stats(self) -> dict:
        node_iterations = self.lp_iterations - self.root_iterations
        return {
            **{key: self._user_value(value) if key.startswith("root_bound") else value
               for key, value in self.stats.items()},
            "root_bound": self._user_value(self.root_bound),
            "lp_iterations": self.lp_iterations,
            "root_lp_iterations": self.root_iterations,
            "mean_node_lp_iterations": node_iterations / max(1, self.nodes),
            "strong_branchings": self.branching.strong_branchings,
            "sos_branchings": self.sos_branchings,
            "propagation_tightenings": self.propagator.tightenings,
            "reduced_cost_fixings": self.reduced_cost_fixings,
            "unresolved_nodes": self.unresolved_nodes,
            "strong_branching_lp_iterations": self.branching.lp_iterations,
            "heuristic_lp_iterations": {h.name: h.lp_iterations for h in self.heuristics},
            "seconds": self.timers.as_dict(),
            "incumbents": dict(self.incumbent.sources),
            "root_gap_closed": self._root_gap_closed(),
            **({} if self.nonlinear is None else {
                **self.nonlinear.stats, "nlp_solves": self.nonlinear.nlp_solves,
                "outer_approximation_cuts": self.nonlinear.outer.generated}),
        }

    def _root_gap_closed(self) -> float | None:
        """Share of the gap between the root LP bound and the incumbent that cuts closed."""
        before = self.stats.get("root_bound_before_cuts")
        if before is None or not self.incumbent.found or self.incumbent.value - before <= 1e-9:
            return None
        return (self.root_bound - before) / (self.incumbent.value - before)


def _integer_rounded_bounds(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Column bounds with integer columns' bounds rounded inwards."""
    lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
    ints = problem.integrality
    lower[ints] = np.ceil(lower[ints] - FEASIBILITY)
    upper[ints] = np.floor(upper[ints] + FEASIBILITY)
    return lower, upper
