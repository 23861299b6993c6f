"""Cuts must never remove an integer-feasible point: checked against HiGHS's optimal points."""

from __future__ import annotations

import numpy as np
import pytest

from branchwise.core.highs_model import to_highs_model
from branchwise.core.highs_session import new_highs
from branchwise.core.problem import Problem
from branchwise.io import read_problem
from branchwise.solver.relax.lp import NodeLP
from branchwise.solver.sepa.cuts import CutPool, GomorySeparator
from tests.paths import MIP
from tests.random_milp import random_milp


def highs_optimum(problem: Problem) -> np.ndarray | None:
    """An optimal point found by HiGHS's own MIP, or None when it finds none."""
    highs = new_highs()
    highs.passModel(to_highs_model(problem))
    highs.setOptionValue("mip_rel_gap", 1e-9)
    highs.setOptionValue("time_limit", 30.0)
    highs.run()
    if highs.getModelStatus() != highs.getModelStatus().kOptimal:
        return None
    return np.array(highs.getSolution().col_value)


def cuts_over_rounds(problem: Problem, rounds: int = 5) -> list:
    """Every cut the Gomory separator adds at the root over a few rounds."""
    lp = NodeLP(problem)
    separator, pool, added = GomorySeparator(), CutPool(), []
    result = lp.solve()
    for _ in range(rounds):
        if result.status != "optimal":
            break
        chosen = pool.select(separator.separate(lp, result.x), result.x)
        if not chosen:
            break
        for cut in chosen:
            assert cut.violation(result.x) > 0, "a selected cut must cut off the LP point"
        lp.add_rows(np.array([c.coefficients for c in chosen]),
                    np.array([c.rhs for c in chosen]), np.full(len(chosen), np.inf))
        added += chosen
        result = lp.solve()
    return added


def assert_keeps(point: np.ndarray, cuts: list) -> None:
    for cut in cuts:
        slack = cut.coefficients @ point - cut.rhs
        assert slack >= -1e-6 * max(1.0, abs(cut.rhs)), f"cut removes the optimum by {-slack}"


@pytest.mark.parametrize("name", ["p0033", "egout", "gr4x6", "flugpl", "gt2", "vpm1", "lseu",
                                  "bell5"])
def test_gomory_cuts_keep_miplib_optimum(name: str) -> None:
    problem = read_problem(MIP / f"{name}.mps.gz")
    optimum = highs_optimum(problem)
    cuts = cuts_over_rounds(problem)
    assert cuts, "the separator should find cuts on these instances"
    assert_keeps(optimum, cuts)


@pytest.mark.parametrize("seed", range(60))
def test_gomory_cuts_keep_random_optimum(seed: int) -> None:
    problem = random_milp(seed)
    optimum = highs_optimum(problem)
    if optimum is None:
        pytest.skip("no finite optimum to check against")
    assert_keeps(optimum, cuts_over_rounds(problem))
