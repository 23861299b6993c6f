"""Propagation and reduced-cost fixing must keep every optimal point inside the domain."""

from __future__ import annotations

import numpy as np
import pytest

from branchwise.core.problem import Problem
from branchwise.io import read_problem
from branchwise.solver.prop.propagation import ActivityPropagator, reduced_cost_bounds
from branchwise.solver.relax.lp import NodeLP
from tests.paths import MIP
from tests.random_milp import random_milp
from tests.solver.test_cuts import highs_optimum


def assert_inside(point: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
    tol = 1e-6 * np.maximum(1.0, np.abs(point))
    assert np.all(point >= lower - tol), f"lower bound cuts off column {np.argmin(point - lower)}"
    assert np.all(point <= upper + tol), f"upper bound cuts off column {np.argmax(point - upper)}"


def check_propagation(problem: Problem) -> int:
    """Propagate the root domain; HiGHS's optimum must survive. Returns tightenings made."""
    optimum = highs_optimum(problem)
    if optimum is None:
        pytest.skip("no finite optimum to check against")
    lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
    propagator = ActivityPropagator(problem)
    assert propagator.propagate(lower, upper), "a feasible problem was declared empty"
    assert_inside(optimum, lower, upper)
    return propagator.tightenings


@pytest.mark.parametrize("seed", range(80))
def test_propagation_keeps_random_optimum(seed: int) -> None:
    check_propagation(random_milp(seed))


@pytest.mark.parametrize("name", ["p0033", "egout", "gr4x6", "flugpl", "gt2", "vpm1", "bell5",
                                  "misc03", "b-ball", "stein27"])
def test_propagation_keeps_miplib_optimum(name: str) -> None:
    check_propagation(read_problem(MIP / f"{name}.mps.gz"))


def test_propagation_tightens_a_knapsack_row() -> None:
    """3x + 5y <= 7 with x, y integer in [0, 10]: x <= 2 and y <= 1 follow."""
    problem = Problem(c=[1.0, 1.0], A=[[3.0, 5.0]], row_lower=[-np.inf], row_upper=[7.0],
                      col_lower=[0.0, 0.0], col_upper=[10.0, 10.0], integrality=[True, True])
    lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
    assert ActivityPropagator(problem).propagate(lower, upper)
    assert list(upper) == [2.0, 1.0]


FIXING_INSTANCES = ["p0033", "lseu", "gr4x6", "vpm1", "misc03", "egout", "bell5"]


def fix_at_optimum(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Root reduced-cost fixing with HiGHS's optimum as the incumbent (cutoff just above)."""
    problem = read_problem(MIP / f"{name}.mps.gz")
    optimum = highs_optimum(problem)
    lp = NodeLP(problem)
    root = lp.solve()
    lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
    cutoff = problem.objective_value(optimum) + 1e-6
    fixed = reduced_cost_bounds(lower, upper, lp.reduced_costs(), root.objective, cutoff,
                                problem.integrality)
    return optimum, lower, upper, fixed


@pytest.mark.parametrize("name", FIXING_INSTANCES)
def test_reduced_cost_fixing_keeps_optimum(name: str) -> None:
    optimum, lower, upper, _ = fix_at_optimum(name)
    assert_inside(optimum, lower, upper)


def test_reduced_cost_fixing_fixes_something() -> None:
    """The check above is not vacuous: some of these instances do get columns fixed."""
    assert sum(fix_at_optimum(name)[3] for name in FIXING_INSTANCES) > 0
