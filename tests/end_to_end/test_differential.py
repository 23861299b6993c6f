"""Differential test: branchwise against HiGHS's own MIP on seeded random MILPs."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from branchwise.solver import SolveOptions, solve
from tests.oracle import OracleResult, oracle_solve
from tests.random_milp import random_milp

#: 240 consecutive seeds, plus seeds a wider scan found failing once (unbounded LPs on
#: which HiGHS's dual simplex without presolve ends 'unknown').
SEEDS = [*range(240), 1549, 4613, 5744, 5908, 7559]
#: Objectives agree when ``|a - b| <= RELATIVE * max(1, |b|)``.
RELATIVE = 1e-6
#: Per-instance limit: a hang becomes a status mismatch instead of a stuck run.
OPTIONS = SolveOptions(time_limit=20.0, gap=1e-9)
#: The status every constructed kind must have (``open`` may be optimal or unbounded).
KIND_STATUS = {"bounded": "optimal", "unbounded": "unbounded",
               "infeasible_rows": "infeasible", "infeasible_integer": "infeasible"}


@cache
def expected(seed: int) -> OracleResult:
    """HiGHS's verdict on the instance of ``seed``, computed once per session."""
    return oracle_solve(random_milp(seed))


def close(a: float, b: float) -> bool:
    """True when ``a`` matches the reference ``b`` to RELATIVE."""
    return abs(a - b) <= RELATIVE * max(1.0, abs(b))


@pytest.mark.parametrize("seed", SEEDS)
def test_matches_highs(seed: int) -> None:
    """Same status as HiGHS; when optimal, same objective and a verified point."""
    problem = random_milp(seed)
    reference = expected(seed)
    report = solve(problem, OPTIONS)
    assert report.status == reference.status, f"{problem.name}: HiGHS says {reference.status}"
    if reference.status != "optimal":
        return
    assert close(report.objective, reference.objective), (
        f"{problem.name}: objective {report.objective}, HiGHS {reference.objective}")
    slack = RELATIVE * max(1.0, abs(reference.objective))
    sign = -1.0 if problem.maximize else 1.0
    assert sign * (report.bound - reference.objective) <= slack, (
        f"{problem.name}: bound {report.bound} cuts off the optimum {reference.objective}")
    worst, where = problem.violation(report.x)
    assert worst <= 1e-6, f"{problem.name}: violation {worst} at {where}"
    assert problem.objective_value(report.x) == pytest.approx(report.objective, rel=1e-9, abs=1e-9)


def test_generator_kinds_and_mix() -> None:
    """Each constructed kind gets its intended status, every status is well represented,
    and many optimal instances have an integrality gap (the search must branch)."""
    statuses, gapped = Counter(), 0
    for seed in SEEDS:
        problem = random_milp(seed)
        kind = problem.name.removeprefix(f"random_milp_{seed}_")
        reference = expected(seed)
        assert reference.status == KIND_STATUS.get(kind, reference.status), (
            f"seed {seed} ({kind}) is {reference.status}")
        statuses[reference.status] += 1
        if reference.status == "optimal":
            relaxed = replace(problem, integrality=np.zeros(problem.n_cols, dtype=bool))
            gapped += not close(oracle_solve(relaxed).objective, reference.objective)
    assert statuses["optimal"] >= 0.4 * len(SEEDS)
    assert statuses["infeasible"] >= 0.1 * len(SEEDS)
    assert statuses["unbounded"] >= 0.05 * len(SEEDS)
    assert gapped >= 0.25 * len(SEEDS)


@pytest.mark.parametrize("seed", SEEDS[::4])
def test_best_estimate_selection_matches_highs(seed: int) -> None:
    """Best-estimate node selection reaches the same answers as best bound."""
    problem = random_milp(seed)
    reference = expected(seed)
    report = solve(problem, replace(OPTIONS, node_selection="estimate"))
    assert report.status == reference.status
    if reference.status == "optimal":
        assert close(report.objective, reference.objective)
        assert problem.violation(report.x)[0] <= 1e-6
