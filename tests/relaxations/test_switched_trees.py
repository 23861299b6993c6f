"""Trees that are off on one leaf and a convex function on the others
(tree_formulation._switched), and leaves a model binary already decides
(analysis/variable_bounds.py): the optimum against brute force and against a hand model,
the binaries they save, and a root LP as tight as the textbook formulation's."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import branchwise as bw
from benchmarks.logic_scale.unitcommit import unit_cost
from tests.relaxations.test_decision_trees import site_fee
from tests.relaxations.test_logic_formulations import _root_bound

DEMAND = (70.0, 150.0, 40.0)
PMIN, PMAX, BREAK = (20.0, 30.0), (100.0, 90.0), (60.0, 50.0)
NOLOAD, LOW, HIGH = (100.0, 80.0), (10.0, 12.0), (13.0, 15.0)


def _dispatch(style: str) -> bw.Model:
    """Two units over three hours meeting demand with a 10 % reserve on the committed
    capacity. ``style``: "free" (the cost rule only, no on/off binary), "switch" (binaries
    ``u`` tied to the output by implications, as a unit commitment user writes them) or
    "hand" (the tight formulation: the output in two segments below ``u``'s capacity)."""
    m = bw.Model()
    p = m.continuous("p", 0, np.repeat(np.array(PMAX)[:, None], 3, axis=1), shape=(2, 3))
    m.add(p.sum(axis=0) == np.array(DEMAND))
    cost = 0.0
    if style == "free":
        for g in range(2):
            for t in range(3):
                cost = cost + unit_cost(p[g, t], BREAK[g], NOLOAD[g], LOW[g], HIGH[g])
        m.minimize(cost)
        return m
    u = m.binary("u", shape=(2, 3))
    m.add(np.array(PMAX) @ u >= 1.1 * np.array(DEMAND))
    for g in range(2):
        for t in range(3):
            if style == "switch":
                m.add(bw.implies(u[g, t], p[g, t] >= PMIN[g]))
                m.add(bw.implies(~u[g, t], p[g, t] <= 0))
                cost = cost + unit_cost(p[g, t], BREAK[g], NOLOAD[g], LOW[g], HIGH[g])
                continue
            first = m.continuous(f"first{g}{t}", 0, BREAK[g])
            second = m.continuous(f"second{g}{t}", 0, PMAX[g] - BREAK[g])
            m.add(p[g, t] == first + second)
            m.add(p[g, t] >= PMIN[g] * u[g, t])
            m.add(first <= BREAK[g] * u[g, t])
            m.add(second <= (PMAX[g] - BREAK[g]) * u[g, t])
            cost = cost + NOLOAD[g] * u[g, t] + LOW[g] * first + HIGH[g] * second
    m.minimize(cost)
    return m


def test_a_tree_off_at_zero_and_convex_above_has_one_binary_and_the_hull_bound():
    compiled = _dispatch("free").to_problem(native_sos=False)
    # At most one binary per tree, not two (none where the bounds prove the unit on: the
    # 150 of hour two needs both units).
    assert int(np.count_nonzero(compiled.integrality)) <= 6
    res = _dispatch("free").solve()
    assert res.status == "optimal" and res.verified
    # Each hour on its own: split the demand between the units. Both costs are linear
    # between their breakpoints, so the best split is at one: either unit's 0, break or
    # capacity (a grid as well, for safety).
    best = 0.0
    for d in DEMAND:
        share = np.concatenate([np.linspace(0.0, d, 2001), [0.0, d, BREAK[0], PMAX[0],
                                                            d - BREAK[1], d - PMAX[1]]])
        share = share[(share >= 0) & (share <= d)]
        ok = (share <= PMAX[0]) & (d - share <= PMAX[1])
        total = [unit_cost(a, BREAK[0], NOLOAD[0], LOW[0], HIGH[0])
                 + unit_cost(d - a, BREAK[1], NOLOAD[1], LOW[1], HIGH[1])
                 for a, fits in zip(share, ok, strict=True) if fits]
        best += min(total)
    assert math.isclose(res.objective, best, rel_tol=1e-6), (res.objective, best)


def test_a_model_binary_that_switches_the_tree_is_its_indicator():
    # u -> p >= pmin and not u -> p <= 0 decide the leaf p <= 0: no binary of the tree's
    # own, and the root LP of the three-segment hand model.
    switch = _dispatch("switch").to_problem(native_sos=False)
    hand = _dispatch("hand").to_problem(native_sos=False)
    assert int(np.count_nonzero(switch.integrality)) == 6  # the u's only
    assert _root_bound(switch) >= _root_bound(hand) - 1e-6 * abs(_root_bound(hand))
    res, by_hand = _dispatch("switch").solve(), _dispatch("hand").solve()
    assert res.status == by_hand.status == "optimal" and res.verified
    assert math.isclose(res.objective, by_hand.objective, rel_tol=1e-6)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(fee=st.integers(-3, 6), cut=st.integers(1, 8), slopes=st.tuples(
    st.integers(-3, 4), st.integers(-3, 4)), price=st.integers(-2, 3),
    switch=st.sampled_from(["none", "implied", "reversed"]), maximize=st.booleans())
def test_off_then_two_pieces_on_an_integer_equals_brute_force(fee, cut, slopes, price,
                                                             switch, maximize):
    # Convex or not, pushed up or down by the objective, with or without a binary that
    # decides the off leaf (either polarity): the optimum of every integer point.
    low, high = slopes

    @bw.program
    def rule(n):
        if n <= 0:
            return 0
        elif n <= cut:
            return fee + low * n
        else:
            return fee + low * cut + high * (n - cut)

    def objective(v: float) -> float:
        return rule(v) - price * v

    m = bw.Model()
    n = m.integer("n", 0, 10)
    if switch != "none":
        z = m.binary("z")
        on = z if switch == "implied" else ~z
        m.add(bw.implies(on, n >= 1))
        m.add(bw.implies(~on, n <= 0))
    (m.maximize if maximize else m.minimize)(rule(n) - price * n)
    res = m.solve()
    values = [objective(v) for v in range(11)]
    best = max(values) if maximize else min(values)
    assert res.status == "optimal" and res.verified
    assert math.isclose(res.objective, best, abs_tol=1e-6), (res.objective, best)


def test_a_fee_by_tier_drops_the_conditions_the_objective_makes_idle():
    # Minimised: the large fee (16) is never worth choosing below 5, so its "load > 5"
    # needs no row, as in the hand model's load <= 5 small + 9 large.
    m = bw.Model()
    load = m.continuous("load", 0, 9)
    spare = m.continuous("spare", 0, 9)
    m.add(load + spare >= 7)
    m.minimize(site_fee(load) + 3 * spare)
    compiled = m.to_problem(native_sos=False)
    hand = bw.Model()
    load_h, spare_h = hand.continuous("load", 0, 9), hand.continuous("spare", 0, 9)
    small, large = hand.binary("small"), hand.binary("large")
    hand.add(load_h + spare_h >= 7)
    hand.add(small + large <= 1)
    hand.add(load_h <= 5 * small + 9 * large)
    hand.minimize(10 * small + 16 * large + 3 * spare_h)
    expected = hand.to_problem(native_sos=False)
    assert (compiled.n_rows, compiled.n_cols) == (expected.n_rows, expected.n_cols)
    assert _root_bound(compiled) >= _root_bound(expected) - 1e-9
    res = m.solve()
    assert res.status == "optimal" and res.verified and math.isclose(res.objective, 16.0)
    assert res.witness  # the way back records the branch that holds


@bw.program
def tiers_at_most(n, c0, c1, c2, f0, f1, f2, f3):
    if n <= c0:
        return f0
    elif n <= c1:
        return f1
    elif n <= c2:
        return f2
    else:
        return f3


@bw.program
def tiers_below(n, c0, c1, c2, f0, f1, f2, f3):
    if n < c0:
        return f0
    elif n < c1:
        return f1
    elif n < c2:
        return f2
    else:
        return f3


@settings(max_examples=80, deadline=None, derandomize=True)
@given(cuts=st.lists(st.integers(0, 12), min_size=3, max_size=3),
       fees=st.lists(st.integers(-5, 20), min_size=4, max_size=4),
       strict=st.booleans(), slope=st.integers(-3, 3), maximize=st.booleans())
def test_constant_tiers_equal_brute_force(cuts, fees, strict, slope, maximize):
    # A tier table of constants on an integer, in either direction, with strict or
    # non-strict cuts (equal cuts leave empty tiers): widened leaves never change the
    # optimum.
    rule = tiers_below if strict else tiers_at_most
    cuts = sorted(cuts)
    m = bw.Model()
    n = m.integer("n", 0, 12)
    (m.maximize if maximize else m.minimize)(rule(n, *cuts, *fees) + slope * n)
    res = m.solve()
    values = [rule(v, *cuts, *fees) + slope * v for v in range(13)]
    best = max(values) if maximize else min(values)
    assert res.status == "optimal" and res.verified
    assert math.isclose(res.objective, best, abs_tol=1e-6), (res.objective, best)


@bw.program
def order_cost(q):
    if q <= 0:
        return 0.0
    if q < 100:
        return 50 + 4.0 * q
    elif q < 250:
        return 50 + 3.5 * q
    else:
        return 50 + 3.0 * q


def test_strict_tiers_that_are_dearer_at_their_end_are_closed():
    # q > 0 (ordering costs the set-up) and q < 100, q < 250 (dearer than the next tier
    # there) are written closed, as by hand: no coefficient of the strict gap's size.
    m = bw.Model()
    q = m.continuous("q", 0, 600)
    stock = m.continuous("stock", 0, 600)
    m.add(q - stock >= 180)
    m.minimize(order_cost(q) + 0.5 * stock)
    compiled = m.to_problem(native_sos=False)
    small = np.abs(compiled.A.data)
    assert not np.any((small > 0) & (small < 1e-3))
    assert not np.any(np.isin(np.round(compiled.A.data, 6), [-99.99999, -249.99999]))
    res = m.solve()
    assert res.status == "optimal" and res.verified
    grid = np.concatenate([np.linspace(180, 600, 4201), [250.0]])
    best = min(order_cost(v) + 0.5 * (v - 180) for v in grid)
    assert math.isclose(res.objective, best, abs_tol=1e-6)


@bw.program
def rising_tiers(draw):
    if draw < 40:
        return 1.0 * draw
    else:
        return 1.4 * draw


def test_a_strict_end_that_is_cheaper_stays_strict():
    # All-units pricing that rises: at 40 the first tier would be cheaper than the one
    # that holds, so its "draw < 40" must keep its gap (40 costs 56, not 40).
    m = bw.Model()
    draw = m.continuous("draw", 0, 100)
    m.add(draw >= 40)
    m.minimize(rising_tiers(draw))
    res = m.solve()
    assert res.status == "optimal" and res.verified
    assert math.isclose(res.objective, 56.0, abs_tol=1e-6)
