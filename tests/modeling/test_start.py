"""MIP starts (branchwise/start.py, ``Model.solve(start=...)``): a full start is the first
incumbent, a partial one is completed, an infeasible one is survived, bad keys are refused
in one line, and no start ever changes the answer (random starts on random models)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import branchwise as bw
from tests import yardsticks

WEIGHTS = np.array([23, 31, 29, 44, 53, 38, 63, 85, 89, 82, 17, 36, 41, 27, 59])
VALUES = np.array([92, 57, 49, 68, 60, 43, 67, 84, 87, 72, 21, 51, 55, 32, 66])


def knapsack() -> tuple[bw.Model, bw.VarArray]:
    m = bw.Model("knapsack")
    x = m.binary("x", shape=WEIGHTS.size)
    m.add(WEIGHTS @ x <= 300)
    m.maximize(VALUES @ x)
    return m, x


def test_a_full_optimal_start_is_the_answer_and_saves_nodes():
    m, x = knapsack()
    plain = m.solve(cut_rounds=0, presolve=False)
    best = plain[x]
    m, x = knapsack()
    started = m.solve(start={x: best}, cut_rounds=0, presolve=False)
    assert started.status == "optimal" and started.verified
    assert started.report.stats["start"] == "accepted"
    assert math.isclose(started.objective, plain.objective)
    assert started.nodes <= plain.nodes


def test_a_worse_start_on_a_maximisation_does_not_hide_the_optimum():
    # The start's objective is a cutoff in the problem's sense (HiGHS presolves this
    # maximisation into a minimisation): a sign slip would prune the optimum.
    m, x = knapsack()
    plain = m.solve()
    m, x = knapsack()
    res = m.solve(start={x: np.zeros(WEIGHTS.size)})
    assert res.report.stats["start"] == "accepted"
    assert res.status == "optimal" and math.isclose(res.objective, plain.objective)


def test_a_partial_start_is_completed():
    m, x = knapsack()
    plain = m.solve()
    best = plain[x]
    m, x = knapsack()
    res = m.solve(start={x[:5]: best[:5]}, log=True)
    assert res.report.stats["start"] == "accepted"
    assert res.status == "optimal" and math.isclose(res.objective, plain.objective)


@pytest.mark.parametrize("values", [np.ones(WEIGHTS.size), np.full(WEIGHTS.size, 0.5),
                                    np.full(WEIGHTS.size, 2.0)])
def test_an_infeasible_start_is_reported_and_survived(values, capsys):
    # Over the capacity, fractional, outside the bounds.
    m, x = knapsack()
    res = m.solve(start={x: values}, log=True)
    assert res.report.stats["start"] == "infeasible"
    assert "MIP start: infeasible" in capsys.readouterr().out
    assert res.status == "optimal" and res.verified


def test_a_start_on_a_logic_model_completes_the_reformulations_own_columns():
    # ft06 with one either per machine pair: the user gives start times and makespan of
    # the schedule that runs the jobs one after another; the disjunctions' binaries are
    # the reformulation's, completed by the solver.
    m, start, makespan = yardsticks.job_shop_variables(hand=False)
    _, durations = yardsticks._ft06()
    times = np.zeros(start.shape)
    clock = 0.0
    for j, job in enumerate(durations):
        times[j] = clock + np.concatenate([[0], np.cumsum(job)[:-1]])
        clock += sum(job)
    res = m.solve(start={start: times, makespan: clock}, time_limit=60)
    assert res.report.stats["start"] == "accepted"
    assert res.status == "optimal" and res.verified and math.isclose(res.objective, 55.0)


def test_bad_start_keys_are_refused_in_one_line():
    m, x = knapsack()
    other, y = knapsack()
    with pytest.raises(ValueError, match="another model"):
        m.solve(start={y: 0})
    with pytest.raises(ValueError, match="variables"):
        m.solve(start={2 * x: 0})
    with pytest.raises(ValueError, match="shape"):
        m.solve(start={x: [0, 1]})
    with pytest.raises(ValueError, match="more than once"):
        m.solve(start={x: 0, x[0]: 1})
    with pytest.raises(ValueError, match="finite"):
        m.solve(start={x[0]: math.nan})


@pytest.mark.parametrize("seed", range(12))
def test_random_starts_never_change_the_answer(seed):
    rng = np.random.default_rng(seed)

    def build() -> tuple[bw.Model, bw.VarArray, bw.VarArray]:
        m = bw.Model(f"random{seed}")
        n = m.integer("n", 0, 6, shape=4)
        y = m.continuous("y", 0, 10, shape=3)
        a = np.random.default_rng(seed).integers(-4, 6, (4, 7))
        for row in a:
            m.add(row[:4] @ n + row[4:] @ y <= float(abs(row).sum()))
        objective = np.random.default_rng(seed + 99).integers(-5, 6, 7)
        (m.maximize if seed % 2 else m.minimize)(objective[:4] @ n + objective[4:] @ y)
        return m, n, y

    m, n, y = build()
    plain = m.solve()
    for _ in range(3):
        m, n, y = build()
        given = {n: rng.integers(0, 7, 4)}
        if rng.random() < 0.5:
            given[y[:2]] = rng.uniform(0, 10, 2)
        res = m.solve(start=given)
        assert res.status == plain.status
        if plain.status == "optimal":
            assert res.verified
            assert math.isclose(res.objective, plain.objective, rel_tol=1e-6, abs_tol=1e-6)
