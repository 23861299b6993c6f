"""A finished search as a :class:`SolveReport`: the internal minimisation turned back to
the problem's sense, the incumbent verified, and the statistics users read."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from branchwise.core.tolerances import FEASIBILITY
from branchwise.solver.result import SolveReport
from branchwise.solver.stats import heuristic_iterations

if TYPE_CHECKING:
    from branchwise.solver.search import Search


def build_report(search: Search, status: str) -> SolveReport:
    """The report of ``search`` ending with ``status``, logged."""
    incumbent = search.incumbent
    found = incumbent.found and status != "unbounded"
    if status == "optimal" and found:
        bound = max(min(search.global_bound(), incumbent.value), search.stats.root_bound)
    elif status == "infeasible":
        bound = math.inf
    elif status == "unbounded":
        bound = -math.inf
    else:
        bound = min(search.global_bound(), incumbent.value)
    nonlinear = search.nonlinear
    if nonlinear is not None and not nonlinear.proven and status == "optimal":
        status, bound = "feasible", -math.inf
    x = incumbent.x if found else None
    verified = bool(found and search.problem.violation(x)[0] <= FEASIBILITY)
    elapsed = time.perf_counter() - search.started
    log_progress(search, bound, force=True)
    search.watchers.trajectory.append((elapsed, search.user_value(incumbent.value)
                                       if found else None, search.user_value(bound)))
    reason = search.unresolved.reason if status == "numerical_error" else ""
    search.log.line(f"status {status} after {search.stats.nodes} nodes, {elapsed:.2f}s"
                    + (f": {reason}" if reason else ""))
    return SolveReport(
        status=status,
        x=x,
        objective=search.user_value(incumbent.value) if found else None,
        bound=search.user_value(bound),
        nodes=search.stats.nodes,
        time=elapsed,
        verified=verified,
        stats=report_stats(search),
        pool=[x for _, _, x in incumbent.pool],
        trajectory=search.watchers.trajectory,
        reason=reason,
    )


def log_progress(search: Search, bound: float | None = None, force: bool = False) -> None:
    """A row of the node table; ``bound`` (internal sense) defaults to the global one."""
    incumbent = search.incumbent
    if bound is None:
        bound = min(search.global_bound(), incumbent.value)
    search.log.row(
        time.perf_counter() - search.started, search.stats.nodes, len(search.selector),
        search.user_value(incumbent.value) if incumbent.found else None,
        search.user_value(bound), mark=incumbent.take_mark(), force=force,
    )


def report_stats(search: Search) -> dict:
    """The ``stats`` of a report: the loop's counters, every plugin's, time per component,
    where incumbents came from, and the nonlinear side's counters."""
    stats, incumbent, nonlinear = search.stats, search.incumbent, search.nonlinear
    plugin_stats = {key: value for plugin in search.plugins
                    for key, value in plugin.stats().items()}
    return {
        **stats.as_dict(search.user_value),
        "sos_branchings": search.integral.sos_branchings,
        "unresolved_nodes": search.unresolved.nodes,
        **plugin_stats,
        "heuristic_lp_iterations": heuristic_iterations(search.walks.heuristics),
        "seconds": search.timers.as_dict(),
        "incumbents": dict(incumbent.sources),
        "root_gap_closed": stats.root_gap_closed(incumbent.value if incumbent.found else None),
        **({} if nonlinear is None else {
            **nonlinear.stats, "nlp_solves": nonlinear.nlp_solves,
            "outer_approximation_cuts": nonlinear.outer.generated}),
    }
