"""Solution pools (``Model.solve(pool=k)``, branchwise/pool.py, the incumbent's pool): on
small models the k best distinct solutions equal those of enumeration, distinct in the
user's integer variables even where the reformulation adds integers of its own."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import branchwise as bw
from tests.modeling.test_start import VALUES, WEIGHTS, knapsack


def test_the_knapsack_pool_is_the_best_of_every_packing():
    m, x = knapsack()
    res = m.solve(pool=6)
    packings = [np.array(bits) for bits in itertools.product([0, 1], repeat=WEIGHTS.size)]
    best = sorted((float(VALUES @ b) for b in packings if WEIGHTS @ b <= 300), reverse=True)
    assert [objective for objective, _ in res.solutions] == best[:6]
    chosen = {tuple(np.round(values[x]).astype(int)) for _, values in res.solutions}
    assert len(chosen) == 6  # distinct packings
    for objective, values in res.solutions:
        assert WEIGHTS @ values[x] <= 300 and float(VALUES @ values[x]) == objective


@pytest.mark.parametrize("seed", range(8))
def test_random_integer_models_pool_equals_enumeration(seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(-3, 5, (3, 3))
    b = rng.integers(2, 9, 3)
    c = rng.integers(-4, 5, 3)
    m = bw.Model()
    n = m.integer("n", 0, 3, shape=3)
    m.add(a @ n <= b)
    m.maximize(c @ n)
    k = 4
    res = m.solve(pool=k)
    points = [np.array(p) for p in itertools.product(range(4), repeat=3)]
    feasible = sorted((float(c @ p) for p in points if np.all(a @ p <= b)), reverse=True)
    assert [objective for objective, _ in res.solutions] == feasible[:k]


@bw.program
def tiers(q):
    if q <= 0:
        return 0
    elif q <= 4:
        return 5 + 2 * q
    else:
        return 9 + 3 * (q - 4)


def test_a_logic_models_pool_is_distinct_in_the_users_variables():
    m = bw.Model()
    q = m.integer("q", 0, 10)
    m.minimize(tiers(q) - 2.5 * q)
    res = m.solve(pool=5)
    values = sorted(tiers(v) - 2.5 * v for v in range(11))
    assert [objective for objective, _ in res.solutions] == values[:5]
    assert len({s[q] for _, s in res.solutions}) == 5


def test_without_a_pool_the_solutions_are_the_answer_alone():
    m, x = knapsack()
    res = m.solve()
    assert len(res.solutions) == 1 and res.solutions[0][0] == res.objective


@pytest.mark.parametrize("bad", [0, 2.5, -1])
def test_a_pool_size_that_is_not_a_count_is_refused(bad):
    m, _ = knapsack()
    with pytest.raises(ValueError, match="pool"):
        m.solve(pool=bad)
