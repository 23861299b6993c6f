"""Root processing: the first relaxation, root cuts and heuristics, reduced-cost fixing
on the root domain, and the unbounded-or-infeasible question; then the root node goes
to the node selector and node processing takes over."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from branchwise.solver.heur.heuristics import fractional_columns
from branchwise.solver.relax.lp import LPSolution
from branchwise.solver.result import StopSearch
from branchwise.solver.sepa.cuts import CutPool, separate_rounds
from branchwise.solver.tree.nodes import Node

if TYPE_CHECKING:
    from branchwise.solver.search import Search


def solve_root(search: Search) -> str | None:
    """Solve the root LP, add cuts, run the root heuristics and fix by reduced costs,
    then queue the root node; a status string when the search ends right there."""
    lp, stats, incumbent = search.lp, search.stats, search.incumbent
    lp.set_bounds(search.root_lower, search.root_upper)
    if search.nonlinear is not None and search.options.root_nlp:
        search.nonlinear.root(incumbent)
    result = search.relaxation.solve(at_root=True)
    stats.root_lp_iterations = result.iterations
    if result.status in ("unbounded", "unbounded_or_infeasible"):
        if search.nonlinear is not None:  # the cuts may just not reach far enough yet
            search.unresolved.reason = "the root relaxation stays unbounded after " \
                                       "outer-approximation cuts"
            raise StopSearch("numerical_error")
        return _unbounded_or_infeasible(search)
    if result.status in ("infeasible", "cutoff"):
        return "optimal" if incumbent.found else "infeasible"
    if result.status != "optimal":
        raise RuntimeError(f"the root relaxation failed ({result.status})")
    stats.root_bound_before_cuts = result.objective
    search.active_bound = result.objective  # reported if the clock stops the root here
    _root_heuristics(search, result.x)
    if search.options.cut_rounds and not lp.is_qp:
        ended = _root_cuts(search, result)
        if ended is not None:
            return ended
    # Re-solve (warm, usually no pivots) so the LP state is the root's, not a heuristic's.
    result = search.relaxation.solve(at_root=True)
    if result.status in ("infeasible", "cutoff"):
        return "optimal" if incumbent.found else "infeasible"
    if result.status != "optimal":
        raise RuntimeError(f"the root relaxation failed after cuts ({result.status})")
    stats.root_bound = result.objective
    reduced_costs = lp.reduced_costs()  # the root LP's, before a heuristic moves the LP
    if stats.cuts:
        _root_heuristics(search, result.x)
    search.propagate_global(result, reduced_costs)
    search.log.line(
        f"root: LP bound {search.user_value(stats.root_bound_before_cuts):.10g}, "
        f"{stats.cuts or 0} cuts in {stats.cut_rounds or 0} rounds "
        f"-> {search.user_value(stats.root_bound):.10g}")
    search.selector.insert(Node(None, result.objective, 0))
    search.watchers.tick(search)
    return None


def _root_cuts(search: Search, result: LPSolution) -> str | None:
    """Rounds of cuts from every separator at the root; a status string if they end the
    search."""
    with search.timers.timing("cuts"):
        rounds = separate_rounds(
            search.lp, search.walks.separators, CutPool(), result.x, result.objective,
            search.incumbent.cutoff, search.options.cut_rounds, search.remaining,
        )
    search.stats.cut_rounds, search.stats.cuts = rounds.rounds, rounds.cuts
    search.active_bound = max(search.active_bound, rounds.objective)  # valid even if stopped
    if rounds.status in ("infeasible", "cutoff"):
        return "optimal" if search.incumbent.found else "infeasible"
    if rounds.status == "time_limit":
        raise StopSearch("time_limit")
    return None


def _root_heuristics(search: Search, x: np.ndarray) -> None:
    """Heuristics and LP completion at the root, before any branching."""
    fractional = fractional_columns(x, search.integer_cols)
    search.run_heuristics(x, fractional, search.root_lower, search.root_upper)
    if fractional.size and not search.incumbent.found:
        search.incumbent.complete(np.round(x), "fix-and-solve", search.root_lower,
                                  search.root_upper)
    search.lp.set_bounds(search.root_lower, search.root_upper)


def _unbounded_or_infeasible(search: Search) -> str:
    """The relaxation is unbounded: the MILP is unbounded if any integer point is
    feasible, which a search on the zero objective decides."""
    problem = search.problem
    feasibility = replace(problem, c=np.zeros(problem.n_cols), Q=None, objective_offset=0.0)
    options = search.options.nested(time_limit=max(search.remaining(), 1e-3))
    result = type(search)(feasibility, options).run_nested()
    if result.status == "optimal":
        return "unbounded"
    if result.status == "infeasible":
        return "infeasible"
    raise StopSearch(result.status)

