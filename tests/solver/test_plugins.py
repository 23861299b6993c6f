"""The plugin protocol: a search calls the plugins it is given, each kind by priority, and a
plugin set is edited by name."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pytest

from branchwise.core.problem import Problem
from branchwise.io import read_problem
from branchwise.solver import SolveOptions, solve
from branchwise.solver.heur.rins import Rins, RinsParameters
from branchwise.solver.heur.sub_mip import SubMipParameters
from branchwise.solver.plugins import (
    Heuristic,
    HeuristicContext,
    Plugins,
    PropagationContext,
    Propagator,
    Result,
    SearchSetup,
    Separator,
    Timing,
    default_plugins,
)
from branchwise.solver.search import Search
from tests.paths import MIP

OPTIONS = SolveOptions(time_limit=60.0, cut_rounds=0)


def p0033() -> Problem:
    return read_problem(MIP / "p0033.mps.gz")


@dataclass(frozen=True)
class RecorderParameters:
    label: str = ""


class Recorder(Heuristic):
    """Finds nothing; notes in a shared list when it was called."""

    Parameters = RecorderParameters

    def __init__(self, name: str, priority: int, calls: list[str]) -> None:
        super().__init__(RecorderParameters(label=name), priority)
        self.name, self.calls = name, calls

    def run(self, context: HeuristicContext) -> np.ndarray | None:
        self.calls.append(self.parameters.label)
        return None


def test_a_search_calls_its_heuristics_by_priority() -> None:
    calls: list[str] = []
    problem = p0033()
    heuristics = [plugin.name for plugin in default_plugins(problem, OPTIONS).of(Heuristic)]
    plugins = default_plugins(problem, OPTIONS).without(*heuristics).plus(
        Recorder("low", 1, calls), Recorder("high", 10, calls), Recorder("middle", 5, calls))
    report = Search(problem, replace(OPTIONS, node_limit=3).started(), plugins).run()
    assert report.nodes == 3
    assert calls[:3] == ["high", "middle", "low"]
    assert len(calls) % 3 == 0 and calls == calls[:3] * (len(calls) // 3)
    assert set(report.stats["heuristic_lp_iterations"]) == {"high", "middle", "low"}


def test_default_heuristics_follow_their_priorities() -> None:
    problem = p0033()
    names = [plugin.name for plugin in default_plugins(problem, OPTIONS).of(Heuristic)]
    assert names == ["rounding", "logic-fixing", "diving", "rens", "guided-diving", "rins"]
    pump = default_plugins(problem, replace(OPTIONS, feasibility_pump=True)).of(Heuristic)
    assert [plugin.name for plugin in pump][3] == "pump"


def test_without_removes_one_plugin() -> None:
    plugins = default_plugins(p0033(), OPTIONS)
    fewer = plugins.without("rins")
    assert "rins" in plugins.names
    assert fewer.names == [name for name in plugins.names if name != "rins"]


def test_an_unknown_name_is_a_one_line_error() -> None:
    with pytest.raises(KeyError, match="no plugin named 'rinse'") as error:
        default_plugins(p0033(), OPTIONS).without("rinse")
    assert "\n" not in str(error.value)


def test_a_plugin_takes_only_its_own_parameters() -> None:
    assert Rins(RinsParameters(frequency=5)).parameters.frequency == 5
    assert Rins().parameters == RinsParameters()
    with pytest.raises(TypeError, match="rins takes RinsParameters, not SubMipParameters"):
        Rins(SubMipParameters())


def test_names_in_a_set_are_distinct() -> None:
    calls: list[str] = []
    with pytest.raises(ValueError, match="distinct: twin"):
        Plugins(Recorder("twin", 1, calls), Recorder("twin", 2, calls))


def test_a_search_needs_a_node_selector() -> None:
    problem = p0033()
    with pytest.raises(ValueError, match="node selector"):
        Search(problem, OPTIONS.started(), default_plugins(problem, OPTIONS).without("plunging"))


def test_without_a_heuristic_or_separator_the_optimum_stays() -> None:
    """A search with one heuristic and one separator fewer: same proven optimum."""
    problem = p0033()
    options = replace(OPTIONS, cut_rounds=20).started()
    plugins = default_plugins(problem, options).without("rins", "gomory")
    report = Search(problem, options, plugins).run()
    assert report.status == "optimal"
    assert report.objective == pytest.approx(solve(problem, options).objective)


class Counting(Propagator):
    """Tightens nothing; counts the calls per timing."""

    name = "counting"
    timings = frozenset(Timing)

    def setup(self, search: SearchSetup) -> None:
        self.calls = dict.fromkeys(Timing, 0)

    def propagate(self, context: PropagationContext) -> Result:
        self.calls[context.timing] += 1
        return Result.NOTHING


class NoCuts(Separator):
    name = "no-cuts"

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def separate(self, lp, x: np.ndarray) -> list:
        self.calls += 1
        return []


def test_a_custom_propagator_and_separator_are_called() -> None:
    problem = p0033()
    options = replace(OPTIONS, cut_rounds=5).started()
    counting, no_cuts = Counting(), NoCuts()
    report = Search(problem, options,
                    default_plugins(problem, options).plus(counting, no_cuts)).run()
    assert report.status == "optimal"
    assert no_cuts.calls >= 1
    assert counting.calls[Timing.DOMAIN] == report.nodes + 1  # each node, and the root
    assert counting.calls[Timing.GLOBAL] >= 1
    assert counting.calls[Timing.NODE_LP] >= 1
