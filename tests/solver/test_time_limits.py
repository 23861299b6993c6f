"""Time limits hold in every phase (reformulation, bounds, root, heuristics, search), the
best bound found so far is reported when the clock stops, and the node queue drops warm
starts in O(1) per branching however many nodes are open."""

from __future__ import annotations

import math
import subprocess
import sys
import time
from pathlib import Path

import highspy
import pytest

import branchwise as bw
from branchwise.core.deadline import Deadline
from branchwise.io import load_model, read_problem
from branchwise.solver import SolveOptions, solve
from branchwise.solver import root as root_module
from branchwise.solver.heur.heuristics import DivingParameters, FractionalDiving, fractional_columns
from branchwise.solver.plugins import HeuristicContext, default_plugins
from branchwise.solver.search import Search
from branchwise.solver.tree.node_selection import BestFirstPlunging, PlungingParameters
from branchwise.solver.tree.nodes import Node, NodeQueue
from tests.paths import DATA

#: Allowed overshoot of a time limit: the check between two steps, the result's
#: verification and a loaded 2-core machine.
MARGIN = 1.5


def knapsack(tmp_path: Path, items: int, rows: int = 5, seed: int = 7) -> Path:
    """The multi-row knapsack of tests/data/gen_knap.py (the open-nodes reproducer)."""
    path = tmp_path / f"knap{items}.mps"
    subprocess.run([sys.executable, str(DATA / "gen_knap.py"), str(items), str(rows),
                    str(seed), str(path)], check=True, capture_output=True)
    return path


def highs_run(path: Path, time_limit: float = math.inf) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", time_limit)
    h.readModel(str(path))
    h.run()
    return h


def highs_optimum(path: Path) -> float:
    h = highs_run(path)
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value


def test_time_limit_zero_returns_at_once_with_status_time_limit() -> None:
    model = load_model(DATA / "many_disj.py")
    started = time.perf_counter()
    result = model.solve(time_limit=0)
    assert time.perf_counter() - started < 0.5
    assert result.status == "time_limit" and result.x is None
    assert result.bound == -math.inf  # minimising, nothing proven yet


def test_negative_or_nan_time_limit_is_refused() -> None:
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="time_limit"):
            SolveOptions(time_limit=bad)


def test_many_disjunctions_return_within_the_limit() -> None:
    """The reproducer: 3,000 disjunctions and 3,000 abs terms, 2 s (was 15 s)."""
    model = load_model(DATA / "many_disj.py")
    started = time.perf_counter()
    result = model.solve(time_limit=2.0)
    assert time.perf_counter() - started < 2.0 + MARGIN
    assert result.status in ("time_limit", "optimal")
    if result.x is not None:
        assert result.verified and result.bound <= result.objective + 1e-6


@pytest.mark.slow
def test_ten_thousand_disjunctions_return_within_eleven_seconds() -> None:
    m = bw.Model("disjunctions")
    s = m.continuous("s", shape=10_001, lb=0, ub=1000)
    for i in range(5_000):
        m.add(bw.either(s[i] + 3 <= s[i + 1], s[i + 1] + 2 <= s[i]))
    for i in range(5_000, 10_000):
        m.add((s[i] + 3 <= s[i + 1]) | (s[i + 1] + 2 <= s[i]))
    m.minimize(bw.quicksum(s[i] for i in range(10_001)))
    started = time.perf_counter()
    result = m.solve(time_limit=10)
    assert time.perf_counter() - started < 11.0
    assert result.status in ("time_limit", "optimal")


def test_bound_at_the_limit_is_the_root_bound_or_better(tmp_path: Path) -> None:
    """Stopped after the root: the bound is finite, at least the root LP's bound, and
    valid: below every point HiGHS finds and below HiGHS's own bound on our point (HiGHS
    does not prove this knapsack's optimum in minutes either, so both run to a limit)."""
    path = knapsack(tmp_path, 100)
    report = solve(read_problem(path), SolveOptions(time_limit=1.0))
    assert report.status == "time_limit"
    assert math.isfinite(report.bound)
    assert report.bound >= report.stats["root_bound_before_cuts"] - 1e-6
    highs = highs_run(path, time_limit=5.0)
    assert report.bound <= highs.getInfo().objective_function_value + 1e-6
    if report.objective is not None:
        assert report.objective >= highs.getInfo().mip_dual_bound - 1e-6


def test_root_bound_is_reported_when_the_clock_stops_the_root(tmp_path: Path,
                                                              monkeypatch) -> None:
    """The clock stops the search right after the root LP (as slow root heuristics did
    in the cvxpy MIQP): the bound is that LP's, not -inf."""
    problem = read_problem(knapsack(tmp_path, 60))
    expire = lambda search, x: setattr(search, "deadline", 0.0)  # noqa: E731
    monkeypatch.setattr(root_module, "_root_heuristics", expire)
    report = solve(problem, SolveOptions(presolve=False))
    assert report.status == "time_limit"
    assert report.bound == pytest.approx(report.stats["root_bound_before_cuts"])


def test_diving_stops_at_an_expired_deadline(tmp_path: Path) -> None:
    problem = read_problem(knapsack(tmp_path, 60))
    search = Search(problem, SolveOptions())
    search.lp.set_bounds(search.root_lower, search.root_upper)
    result = search.lp.solve()
    fractional = fractional_columns(result.x, search.integer_cols)
    assert fractional.size
    diving = FractionalDiving(DivingParameters(frequency=1))
    diving.setup(search.setup)
    context = HeuristicContext(result.x, fractional, search.root_lower, search.root_upper,
                               math.inf, 0, 0, Deadline(0.0))
    assert diving.run(context) is None
    assert diving.lp_iterations == 0
    context.deadline = Deadline()
    diving.run(context)
    assert diving.lp_iterations > 0  # the same dive does work without the limit


def test_queue_drops_bases_in_one_walk_per_crossing(monkeypatch) -> None:
    walks = []
    original = NodeQueue._drop_bases
    monkeypatch.setattr(NodeQueue, "_drop_bases",
                        lambda self: (walks.append(len(self)), original(self)))
    queue = NodeQueue(basis_limit=10)
    basis = object()
    for k in range(1_000):
        queue.push(Node(None, float(k), 0, basis=basis))
    assert walks == [11]  # one walk, when the queue first passed the limit
    assert all(entry[-1].basis is None for entry in queue._by_bound)
    while len(queue) > 4:
        queue.pop()
    queue.push(Node(None, -1.0, 0, basis=basis))  # back under half the limit: kept
    assert queue.pop().basis is basis
    assert walks == [11]


def test_search_with_bases_dropped_matches_highs(tmp_path: Path) -> None:
    """The open-nodes reproducer at a small size, with the basis limit low enough that
    most queued nodes start cold: the optimum is still HiGHS's."""
    path = knapsack(tmp_path, 30)
    problem, options = read_problem(path), SolveOptions(time_limit=60, gap=1e-9)
    few_bases = BestFirstPlunging(PlungingParameters(max_nodes_with_basis=20))
    plugins = default_plugins(problem, options).without("plunging").plus(few_bases)
    report = Search(problem, options, plugins).run()
    assert report.status == "optimal"
    assert report.nodes > 40  # enough branching to pass the limit
    assert report.objective == pytest.approx(highs_optimum(path), abs=1e-6)


def test_options_made_long_before_the_solve_still_give_it_the_whole_limit(
        tmp_path: Path) -> None:
    """The clock starts when a solve takes the options, not when they were built: options
    whose limit passed long ago on the wall clock (kept in a constant, reused in a loop)
    still let each solve run to its optimum."""
    path = knapsack(tmp_path, 20)
    options = SolveOptions(time_limit=60.0, gap=1e-9)
    options.deadline = Deadline(0.0)  # as if the options had been built a minute ago
    optimum = highs_optimum(path)
    for _ in range(2):
        report = solve(read_problem(path), options)
        assert report.status == "optimal"
        assert report.objective == pytest.approx(optimum, abs=1e-6)
