"""Lazy constraints (``Model.solve(lazy=f)``): a 12-city TSP with only the degree rows,
subtours cut off through the callback, reaches the Held-Karp optimum; constraints the
candidate keeps do not reject it; bad constraints are refused in one line; a start that
breaks a lazy constraint is not taken; and a pool under lazy constraints keeps only tours."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import branchwise as bw

CITIES = 12


def distances(seed: int = 5) -> np.ndarray:
    points = np.random.default_rng(seed).random((CITIES, 2))
    return np.round(100 * np.hypot(*(points[:, None] - points[None]).transpose(2, 0, 1)))


def held_karp(d: np.ndarray) -> float:
    """The shortest tour by dynamic programming over subsets (an independent oracle)."""
    n = len(d)
    best = {(1 << k, k): d[0, k] for k in range(1, n)}
    for size in range(2, n):
        for subset in itertools.combinations(range(1, n), size):
            mask = sum(1 << k for k in subset)
            for k in subset:
                rest = mask & ~(1 << k)
                best[mask, k] = min(best[rest, m] + d[m, k] for m in subset if m != k)
    full = (1 << n) - 2
    return min(best[full, k] + d[k, 0] for k in range(1, n))


def tsp(d: np.ndarray) -> tuple[bw.Model, dict, list]:
    """Edge binaries and degree 2 at every city: subtours are left to the callback."""
    m = bw.Model("tsp")
    edges = list(itertools.combinations(range(CITIES), 2))
    x = m.binary("x", shape=len(edges))
    for city in range(CITIES):
        m.add(bw.quicksum(x[e] for e, (i, j) in enumerate(edges) if city in (i, j)) == 2)
    m.minimize(bw.quicksum(d[i, j] * x[e] for e, (i, j) in enumerate(edges)))
    return m, x, edges


def components(chosen: list[tuple[int, int]], cities: int = CITIES) -> list[set[int]]:
    """The connected parts of the graph of the chosen edges."""
    parent = list(range(cities))

    def root(a: int) -> int:
        while parent[a] != a:
            a = parent[a]
        return a

    for i, j in chosen:
        parent[root(i)] = root(j)
    parts: dict[int, set[int]] = {}
    for city in range(cities):
        parts.setdefault(root(city), set()).add(city)
    return list(parts.values())


def subtours(x: bw.VarArray, edges: list):
    """The lazy callback: one subtour elimination row per part, when there are several."""
    calls = []

    def cut(sol) -> list:
        calls.append(1)
        values = sol[x]
        parts = components([e for e, v in zip(edges, values, strict=True) if v > 0.5])
        if len(parts) == 1:
            return []
        return [bw.quicksum(x[k] for k, (i, j) in enumerate(edges) if i in part and j in part)
                <= len(part) - 1 for part in parts]

    return cut, calls


def test_a_tsp_with_subtours_cut_lazily_reaches_the_held_karp_optimum():
    d = distances()
    m, x, edges = tsp(d)
    cut, calls = subtours(x, edges)
    res = m.solve(lazy=cut, time_limit=120)
    assert res.status == "optimal" and res.verified and calls
    tour = [e for e, v in zip(edges, res[x], strict=True) if v > 0.5]
    assert len(components(tour)) == 1 and len(tour) == CITIES
    assert math.isclose(res.objective, held_karp(d))


def test_constraints_the_candidate_keeps_do_not_reject_it():
    m = bw.Model()
    n = m.integer("n", 0, 10)
    m.maximize(n)
    res = m.solve(lazy=lambda sol: [n <= 20])  # always returned, never broken
    assert res.status == "optimal" and res.objective == 10


def test_a_lazy_bound_moves_the_optimum():
    m = bw.Model()
    n = m.integer("n", 0, 10)
    m.maximize(n)
    res = m.solve(lazy=lambda sol: [n <= 7] if sol[n] > 7 else None)
    assert res.status == "optimal" and res.objective == 7 and res.verified


@pytest.mark.parametrize("bad", [lambda n: [n * n <= 4], lambda n: [n < 3],
                                 lambda n: ["n <= 3"], lambda n: [abs(n - 2) <= 1]])
def test_bad_lazy_constraints_are_refused_in_one_line(bad):
    m = bw.Model()
    n = m.integer("n", -10, 10)
    m.maximize(n)
    with pytest.raises(ValueError, match="lazy constraint"):
        m.solve(lazy=lambda sol: bad(n))


def test_a_start_that_breaks_a_lazy_constraint_is_not_taken():
    m = bw.Model()
    n = m.integer("n", 0, 10)
    m.maximize(n)
    res = m.solve(start={n: 9}, lazy=lambda sol: [n <= 7] if sol[n] > 7 else None)
    assert res.report.stats["start"] == "infeasible"
    assert res.status == "optimal" and res.objective == 7


def test_a_pool_under_lazy_constraints_keeps_only_tours():
    d = distances(seed=2)[:7, :7]

    m = bw.Model("tsp7")
    edges = list(itertools.combinations(range(7), 2))
    x = m.binary("x", shape=len(edges))
    for city in range(7):
        m.add(bw.quicksum(x[e] for e, (i, j) in enumerate(edges) if city in (i, j)) == 2)
    m.minimize(bw.quicksum(d[i, j] * x[e] for e, (i, j) in enumerate(edges)))

    def cut(sol):
        chosen = [e for e, v in zip(edges, sol[x], strict=True) if v > 0.5]
        parts = components(chosen, 7)
        if len(parts) == 1:
            return []
        return [bw.quicksum(x[k] for k, (i, j) in enumerate(edges) if i in g and j in g)
                <= len(g) - 1 for g in parts]

    res = m.solve(lazy=cut, pool=3)
    lengths = sorted(sum(d[a, b] for a, b in zip(order, order[1:] + order[:1], strict=True))
                     for order in ([0, *p] for p in itertools.permutations(range(1, 7)))
                     )[::2]  # each tour twice, once per direction
    assert [round(o, 6) for o, _ in res.solutions] == [round(v, 6) for v in lengths[:3]]
