"""Primal heuristics: each finds verified points where it should, leaves the node LP as it
found it, and cannot change the optimum the search proves."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

import highspy
import numpy as np
import pytest

from branchwise.core.highs_model import to_highs_model
from branchwise.core.problem import Problem
from branchwise.io import read_problem
from branchwise.solver import SolveOptions
from branchwise.solver.heur.feasibility_pump import FeasibilityPump
from branchwise.solver.heur.guided_diving import GuidedDiving
from branchwise.solver.heur.heuristics import DivingParameters, fractional_columns
from branchwise.solver.heur.rens import Rens, RensParameters
from branchwise.solver.heur.rins import Rins, RinsParameters
from branchwise.solver.plugins import Heuristic, HeuristicContext, Plugins, default_plugins
from branchwise.solver.relax.lp import NodeLP
from branchwise.solver.search import Search
from branchwise.solver.tree.incumbent import Incumbent
from tests.paths import MIP
from tests.random_milp import random_milp

OPTIONS = SolveOptions(time_limit=60.0)


@dataclass
class Root:
    """A search set up at the root with its node LP solved, and the context the heuristics
    see there."""

    problem: Problem
    search: Search
    context: HeuristicContext

    @property
    def lp(self) -> NodeLP:
        return self.search.lp

    @property
    def incumbent(self) -> Incumbent:
        return self.search.incumbent

    def offer(self, x: np.ndarray | None) -> bool:
        """Offer a candidate like the search does (completing continuous columns)."""
        context = self.context
        return x is not None and self.incumbent.offer(x, "test", context.lower, context.upper)

    def with_cutoff(self) -> HeuristicContext:
        """The root context under the incumbent's cutoff."""
        return replace(self.context, cutoff=self.incumbent.cutoff)


def mip(name: str) -> Problem:
    return read_problem(MIP / f"{name}.mps.gz")


def root(problem: Problem) -> Root:
    """Solve the root LP of ``problem`` as the search does before its heuristics."""
    search = Search(problem, OPTIONS.started())
    search.lp.set_bounds(search.root_lower, search.root_upper)
    result = search.lp.solve()
    assert result.status == "optimal"
    context = HeuristicContext(result.x, fractional_columns(result.x, search.integer_cols),
                               search.root_lower, search.root_upper, math.inf, 0,
                               result.iterations)
    return Root(problem, search, context)


def lp_state(lp: NodeLP) -> tuple:
    """Bounds, costs and basis of the node LP."""
    basis = lp.highs.getBasis()
    return (lp.lower.copy(), lp.upper.copy(), np.array(lp.highs.getLp().col_cost_),
            list(basis.col_status), list(basis.row_status))


def assert_lp_unchanged(lp: NodeLP, before: tuple, objective: float) -> None:
    """Same bounds, costs and basis as ``before``; a re-solve needs no pivot."""
    after = lp_state(lp)
    for old, new in zip(before[:3], after[:3], strict=True):
        np.testing.assert_array_equal(old, new)
    assert before[3:] == after[3:]
    result = lp.solve()
    assert result.status == "optimal"
    assert lp.highs.getInfo().simplex_iteration_count == 0  # HiGHS counts per run
    assert result.objective == pytest.approx(objective, rel=1e-9, abs=1e-9)


def run_checked(start: Root, heuristic: Heuristic,
                context: HeuristicContext | None = None) -> np.ndarray | None:
    """Run a due heuristic at the root and return its candidate; the node LP must be left
    exactly as it was."""
    context = context or start.context
    before, objective = lp_state(start.lp), start.lp.solve().objective
    assert heuristic.should_run(context)
    found = heuristic.run(context)
    assert_lp_unchanged(start.lp, before, objective)
    return found


def assert_verified(start: Root) -> None:
    assert start.incumbent.found
    assert start.problem.violation(start.incumbent.x)[0] <= 1e-6


H = TypeVar("H", bound=Heuristic)


def ready(start: Root, heuristic: H) -> H:
    """``heuristic`` set up on the root's search, as a search sets up its plugins."""
    heuristic.setup(start.search.setup)
    return heuristic


def pump(start: Root) -> FeasibilityPump:
    return ready(start, FeasibilityPump())


def rens(start: Root) -> Rens:
    return ready(start, Rens())


def rins(start: Root) -> Rins:
    return ready(start, Rins())


def guided(start: Root) -> GuidedDiving:
    return ready(start, GuidedDiving())


# ------------------------------------------------------------- each alone finds points
@pytest.mark.parametrize("name", ["lseu", "vpm1", "gr4x6", "bell5", "noswot"])
def test_pump_finds_a_feasible_point(name: str) -> None:
    """Binaries (lseu, vpm1), continuous columns (gr4x6), general integers (bell5, noswot)."""
    start = root(mip(name))
    assert start.offer(run_checked(start, pump(start)))
    assert_verified(start)


@pytest.mark.parametrize("name", ["vpm1", "gr4x6"])
def test_rens_finds_a_feasible_point(name: str) -> None:
    start = root(mip(name))
    assert start.offer(run_checked(start, rens(start)))
    assert_verified(start)


def test_rens_searches_a_neighbourhood_once() -> None:
    start = root(mip("vpm1"))
    heuristic = rens(start)
    assert heuristic.run(start.context) is not None
    assert heuristic.run(start.context) is None


@pytest.mark.parametrize("name", ["lseu", "vpm1", "fiber"])
def test_rins_improves_the_pump_incumbent(name: str) -> None:
    """From the pump's (poor) incumbent RINS finds a strictly better verified point."""
    start = root(mip(name))
    assert start.offer(run_checked(start, pump(start)))
    first = start.incumbent.value
    assert start.offer(run_checked(start, rins(start), start.with_cutoff()))
    assert_verified(start)
    assert start.incumbent.value < first


@pytest.mark.parametrize("name", ["lseu", "vpm1"])
def test_guided_diving_finds_a_feasible_point(name: str) -> None:
    """Guided by the pump's incumbent, the dive ends at an integral, feasible LP point."""
    start = root(mip(name))
    heuristic = guided(start)
    assert not heuristic.should_run(start.context)  # nothing to be guided by yet
    assert start.offer(run_checked(start, pump(start)))
    found = run_checked(start, heuristic, start.with_cutoff())
    assert found is not None
    assert start.problem.violation(found)[0] <= 1e-6


def highs_status(problem: Problem) -> highspy.HighsModelStatus:
    """HiGHS's verdict on a MILP: the independent reference."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.passModel(to_highs_model(problem))
    highs.run()
    return highs.getModelStatus()


def random_roots(seeds: range) -> list[Root]:
    """Roots of the random MILPs with a fractional LP optimum that HiGHS solves."""
    roots = []
    for seed in seeds:
        problem = random_milp(seed)
        if highs_status(problem) != highspy.HighsModelStatus.kOptimal:
            continue
        start = root(problem)
        if start.context.fractional.size:
            roots.append(start)
    return roots


def test_pump_on_random_milps() -> None:
    """The pump completes to a verified point on at least 85% of feasible random MILPs
    (general integers and free columns included)."""
    starts = random_roots(range(150))
    found = sum(start.offer(run_checked(start, pump(start))) for start in starts)
    assert len(starts) >= 30
    assert found >= 0.85 * len(starts)
    for start in starts:
        if start.incumbent.found:
            assert_verified(start)


def test_rens_on_random_milps_agrees_with_highs() -> None:
    """RENS finds a point exactly when HiGHS says its neighbourhood has one."""
    ran = 0
    for start in random_roots(range(150)):
        heuristic = rens(start)
        if not heuristic.should_run(start.context):
            continue
        ran += 1
        lower, upper = heuristic.neighbourhood(start.context)
        expected = highs_status(replace(start.problem, col_lower=lower, col_upper=upper))
        found = start.offer(run_checked(start, heuristic))
        assert found == (expected == highspy.HighsModelStatus.kOptimal), start.problem.name
    assert ran >= 20


# ----------------------------------------------------- the optimum does not move
def optimum(name: str) -> float:
    with open(MIP / "optimal.csv", newline="") as handle:
        return next(float(row["optimal_objective"]) for row in csv.DictReader(handle)
                    if row["name"] == name)


#: Each heuristic set up to run often, so that it has every chance to disturb the search.
HEURISTICS: dict[str, Callable[[], Heuristic]] = {
    "pump": FeasibilityPump,
    "rens": lambda: Rens(RensParameters(min_fixed_share=0.0)),
    "rins": lambda: Rins(RinsParameters(frequency=5)),
    "guided": lambda: GuidedDiving(DivingParameters(frequency=5)),
}


def alone(problem: Problem, options: SolveOptions, heuristic: Heuristic) -> Plugins:
    """The default plugins with ``heuristic`` as the only heuristic."""
    others = [plugin.name for plugin in default_plugins(problem, options).of(Heuristic)]
    return default_plugins(problem, options).without(*others).plus(heuristic)


@pytest.mark.parametrize("heuristic", sorted(HEURISTICS))
@pytest.mark.parametrize("name", ["p0033", "gr4x6", "flugpl"])
def test_optimum_unchanged_with_one_heuristic(name: str, heuristic: str) -> None:
    """The heuristic runs (its calls are counted) and the proven optimum stays put."""
    # Without cuts the search has to branch, so a heuristic that needs nodes gets to run.
    problem, options = mip(name), replace(OPTIONS, cut_rounds=0)
    plugin = HEURISTICS[heuristic]()
    calls, run = [], plugin.run
    plugin.run = lambda context: calls.append(context.nodes) or run(context)
    search = Search(problem, options, alone(problem, options, plugin))
    report = search.run()
    assert calls
    assert report.status == "optimal"
    assert report.objective == pytest.approx(optimum(name), rel=1e-6)
    assert search.problem.violation(report.x)[0] <= 1e-6


def test_an_interrupt_inside_a_sub_mip_reaches_the_outer_search(monkeypatch) -> None:
    """A stop signal that lands while a sub-MIP searches: it leaves the sub-MIP for the
    outer search to stop on (the sub-search used to take it as its own end, and the outer
    one ran on, in the CLI until its time limit)."""
    search = Search(mip("p0033"), replace(OPTIONS, cut_rounds=0))
    rins = HEURISTICS["rins"]()
    rins.setup(search.setup)

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(NodeLP, "solve", interrupted)
    with pytest.raises(KeyboardInterrupt):
        rins._branch(mip("p0033"), node_limit=10, time_limit=5.0)
