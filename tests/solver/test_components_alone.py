"""Each engine component switched on alone (all others off) still gives HiGHS's answer on
seeded random MILPs: a component must be correct by itself, not only in company."""

from __future__ import annotations

from dataclasses import replace

import pytest

from branchwise.solver import SolveOptions, solve
from tests.end_to_end.test_differential import OPTIONS, RELATIVE, close, expected
from tests.random_milp import random_milp

#: Everything off: no presolve, propagation, cuts, diving or strong branching.
BARE = replace(OPTIONS, presolve=False, propagation=False, cut_rounds=0, dive_frequency=0,
               reliability=0)
ALONE = {
    "presolve": {"presolve": True},
    "propagation": {"propagation": True},
    "cuts": {"cut_rounds": SolveOptions.cut_rounds},
    "diving": {"dive_frequency": SolveOptions.dive_frequency},
    "strong branching": {"reliability": SolveOptions.reliability},
}
SEEDS = range(0, 240, 6)


@pytest.mark.parametrize("component", sorted(ALONE))
@pytest.mark.parametrize("seed", SEEDS)
def test_component_alone_matches_highs(component: str, seed: int) -> None:
    problem = random_milp(seed)
    reference = expected(seed)
    report = solve(problem, replace(BARE, **ALONE[component]))
    assert report.status == reference.status, f"{problem.name}: HiGHS says {reference.status}"
    if reference.status == "optimal":
        assert close(report.objective, reference.objective)
        sign = -1.0 if problem.maximize else 1.0
        assert sign * (report.bound - reference.objective) <= RELATIVE * max(
            1.0, abs(reference.objective))
        assert problem.violation(report.x)[0] <= 1e-6
