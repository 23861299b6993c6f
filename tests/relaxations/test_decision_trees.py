"""Nests of if_then_else compiled as one disjunction over their decision tree's leaves
(relaxations/analysis/decision_tree.py, tree_formulation.py): the optimum against brute force on
small domains, in every reformulation mode, with conditions and subtrees shared between
nodes the way an ``@bw.program`` shares them, and strict comparisons; the purchasing
rule against its hand model; absorbed columns and their values."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import branchwise as bw
from branchwise.relaxations.analysis.convexity import analyse
from branchwise.relaxations.analysis.decision_tree import DecisionTree, group_decision_trees
from tests import yardsticks
from tests.relaxations.test_logic_brute_force import (
    assert_agrees,
    brute_force,
    conditions,
    expressions,
    solve,
)
from tests.relaxations.test_logic_formulations import _root_bound

CHAIN_OPS = ("<", "<=", ">", ">=")


@st.composite
def chains(draw) -> tuple:
    """An if/elif chain on one leaf: ``if e OP c1: v1 elif e OP c2: v2 ... else: vk``."""
    e = draw(expressions(0))
    cuts = sorted(draw(st.sets(st.sampled_from([-2, -1, 0, 1, 2]), min_size=1, max_size=3)))
    if draw(st.booleans()):
        cuts.reverse()
    values = [draw(expressions(0)) for _ in range(len(cuts) + 1)]
    node = values[-1]
    for cut, value in zip(reversed(cuts), reversed(values[:-1]), strict=False):
        node = ("ite", ("cmp", e, draw(st.sampled_from(CHAIN_OPS)), ("leaf", 0, 0, 0, cut)),
                value, node)
    return node


@st.composite
def nests(draw, depth: int = 3) -> tuple:
    """A nest of if_then_else whose conditions and leaves are often the very same objects
    in several nodes (a condition re-tested below itself, a value in two branches)."""
    tested = [draw(conditions(1)) for _ in range(2)]
    values = [draw(expressions(0)) for _ in range(2)]

    def node(d: int) -> tuple:
        pick = draw(st.integers(0, 5))
        if d == 0 or pick == 0:
            return draw(st.sampled_from(values)) if draw(st.booleans()) else \
                draw(expressions(0))
        if pick == 1:
            return draw(chains())
        cond = draw(st.sampled_from(tested)) if draw(st.booleans()) else draw(conditions(1))
        a, b = node(d - 1), node(d - 1)
        if draw(st.booleans()):
            a = ("shift", a, draw(st.integers(-2, 2)))
        return ("ite", cond, a, b)

    return node(depth)


def subtrees(node: tuple) -> list[tuple]:
    """The if_then_else nodes below ``node`` (the node objects themselves)."""
    found = []
    for child in node[1:]:
        if isinstance(child, tuple) and child and child[0] == "ite":
            found += [child, *subtrees(child)]
    return found


@st.composite
def models(draw) -> tuple:
    """The nest in the objective, sometimes with one of its own subtrees read again (no
    longer absorbable) and sometimes compared in a requirement (its root read by a row)."""
    tree = draw(nests())
    objective = tree
    inner = subtrees(tree)
    if inner and draw(st.booleans()):
        objective = ("max", tree, ("shift", draw(st.sampled_from(inner)), 1))
    requirements = [draw(conditions(1))]
    if draw(st.booleans()):
        requirements.append(("cmp", tree, draw(st.sampled_from(CHAIN_OPS)),
                             draw(expressions(0))))
    coefs = tuple(draw(st.integers(-2, 2)) for _ in range(4))
    return objective, requirements, coefs, draw(st.booleans())


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(models(), st.sampled_from(["auto", "bigm", "hull", "sos"]))
def test_nested_if_then_else_optimum_equals_brute_force(model, mode):
    objective, requirements, coefs, maximize = model
    expected = brute_force(objective, requirements, coefs, maximize)
    assert_agrees(expected, *solve(objective, requirements, coefs, maximize, mode,
                                   share_nodes=True))


def test_purchasing_rule_is_as_small_and_tight_as_the_hand_model():
    hand = yardsticks.purchasing_hand().to_problem(native_sos=False)
    for mode in ("auto", "hull"):
        compiled = yardsticks.purchasing_program().to_problem(mode, native_sos=False)
        rows, cols = live_size(compiled)
        hand_rows, hand_cols = live_size(hand)
        assert rows <= 1.2 * hand_rows and cols <= 1.2 * hand_cols, (mode, rows, cols)
        assert _root_bound(compiled) >= _root_bound(hand) - 1e-6
    program, by_hand = (yardsticks.purchasing_program().solve(), yardsticks.purchasing_hand(
        ).solve())
    assert program.status == by_hand.status == "optimal"
    assert math.isclose(program.objective, by_hand.objective, rel_tol=1e-6)


def live_size(problem: bw.Problem) -> tuple[int, int]:
    """Rows, and columns that take part (an entry in a row or the objective, or a range):
    a derived column absorbed into a tree stays in the problem fixed at 0, with no entry."""
    entries = np.diff(problem.A.tocsc().indptr) > 0
    live = entries | (problem.c != 0) | (problem.col_lower != problem.col_upper)
    return problem.n_rows, int(live.sum())


@bw.program
def tiered(q):
    if q <= 0:
        return 0.0
    if q < 10:
        return 5 + 2 * q
    elif q < 20:
        return 5 + 1.5 * q
    return 5 + q


def test_an_if_elif_chain_is_one_tree_with_its_inner_columns_absorbed():
    m = bw.Model()
    q = m.continuous("q", 0, 30)
    m.minimize(tiered(q) - 0.9 * q)
    used, _ = analyse(m)
    items, absorbed = group_decision_trees(m, used)
    trees = [i for i in items if isinstance(i, DecisionTree)]
    assert len(trees) == 1 and trees[0].objective_only
    assert absorbed == {d.column for d in m.definitions} - {trees[0].root.column}
    # The leaves that bounds allow: q == 0, 0 < q < 10, 10 <= q < 20, q >= 20.
    problem = m.to_problem()
    assert int(np.count_nonzero(problem.integrality)) == 3  # q == 0 needs no binary
    res = m.solve()
    assert res.status == "optimal" and res.verified
    best = min((tiered(v) - 0.9 * v, v) for v in [0.0, 1e-5, 9.99999, 10.0, 19.99999,
                                                  20.0, 30.0])
    assert math.isclose(res.objective, best[0], abs_tol=1e-6)
    assert math.isclose(res[q], best[1], abs_tol=1e-4)


def test_a_nested_column_read_elsewhere_keeps_its_own_rows():
    m = bw.Model()
    q = m.continuous("q", 0, 30)
    inner = bw.if_then_else(q <= 5, q, 2 * q)
    outer = bw.if_then_else(q >= 10, inner + 1, 3 - q)
    m.add(inner <= 40)  # read by a constraint: not absorbed
    m.maximize(outer)
    used, _ = analyse(m)
    _, absorbed = group_decision_trees(m, used)
    assert absorbed == set()
    res = m.solve()
    assert res.status == "optimal" and res.verified
    assert math.isclose(res.objective, 41.0, abs_tol=1e-6)  # q = 20: 2q + 1


@bw.program
def rising_prices(q):
    if q < 10:
        return 2 * q
    elif q < 20:
        return 20 + 3 * (q - 10)
    return 50 + 5 * (q - 20)


@bw.program
def concave_revenue(q):
    if q <= 10:
        return 6 * q
    return 60 + 2 * (q - 10)


@bw.program
def bulk_discount(q):
    if q < 10:
        return 4 * q
    return 40 + 2 * (q - 10)


def convex_models():
    """(model, its objective in plain Python over (q, r), the rule's value that a row
    bounds below or None, whether the logic may compile without binaries): convex where
    the objective pushes, and cases that must keep their binaries."""
    def build(rule, maximize, floor=None):
        m = bw.Model()
        q, r = m.continuous("q", 0, 40), m.continuous("r", 0, 40)
        m.add(q + r >= 30)
        value = rule(q)
        if floor is not None:
            m.add(value >= floor)  # a row needs the exact value: no relaxation
        (m.maximize if maximize else m.minimize)(value - 4 * r if maximize else value + 4 * r)
        return m

    return [
        (build(rising_prices, False), rising_prices, 1, None, True),
        (build(concave_revenue, True), concave_revenue, -1, None, True),
        (build(bulk_discount, False), bulk_discount, 1, None, False),
        (build(rising_prices, True), rising_prices, -1, None, False),
        (build(rising_prices, False, floor=10), rising_prices, 1, 10, False),
    ]


def test_lines_meeting_past_the_gap_between_integer_leaves_keep_their_binaries():
    # min(x, 10 - x) is concave, but on the integers x <= 3 | x >= 4 the leaves' lines meet
    # at 5, inside the second leaf: at x = 4 the rule is 6, the smaller line 4.
    m = bw.Model()
    x = m.integer("x", 0, 6)
    m.maximize(bw.if_then_else(x >= 4, 10 - x, x))
    assert int(np.count_nonzero(m.to_problem().integrality)) > 1
    assert m.solve().objective == 6


def test_a_chain_that_is_convex_where_the_objective_pushes_has_no_binaries():
    grid = np.linspace(0, 40, 4001)
    for m, rule, sign, floor, relaxes in convex_models():
        binaries = int(np.count_nonzero(m.to_problem().integrality))
        assert (binaries == 0) == relaxes, (rule, binaries)
        res = m.solve()
        assert res.status == "optimal" and res.verified
        # r = max(0, 30 - q) is best for every q (r only costs): brute force over q
        values = [rule(v) + sign * 4 * max(0.0, 30 - v) for v in grid
                  if floor is None or rule(v) >= floor]
        best = max(values) if sign < 0 else min(values)
        assert math.isclose(res.objective, best, abs_tol=1e-4), (rule, res.objective, best)


@bw.program
def running_total(q):
    cost = 0.0
    if q > 0:
        cost = cost + 50 + 4 * q
    if q >= 100:
        cost = cost - 0.5 * q
    if q >= 250:
        cost = cost - 0.5 * q
    return cost


def test_sequential_ifs_on_a_running_total_are_one_tree():
    # Each if reads the total so far in both its branches: still one tree, four leaves
    # (q == 0 needing no binary), as if written as an if/elif chain.
    m = bw.Model()
    q = m.continuous("q", 0, 600)
    m.minimize(running_total(q) - 3.2 * q)
    used, _ = analyse(m)
    items, absorbed = group_decision_trees(m, used)
    assert len([i for i in items if isinstance(i, DecisionTree)]) == 1 and len(absorbed) == 2
    assert int(np.count_nonzero(m.to_problem().integrality)) == 3
    res = m.solve()
    assert res.status == "optimal" and res.verified
    grid = np.concatenate([np.linspace(0, 600, 60001), [1e-5, 250 - 1e-5]])
    best = min(running_total(v) - 3.2 * v for v in grid)
    assert math.isclose(res.objective, best, abs_tol=1e-4), (res.objective, best)


@bw.program
def site_fee(load):
    if load <= 0:
        return 0.0
    elif load <= 5:
        return 10.0
    else:
        return 16.0


DEMANDS = (2.0, 3.0, 4.0)
FREIGHT = ((1.0, 4.0, 2.0), (3.0, 1.0, 5.0))


def _sites(by_hand: bool) -> bw.Model:
    """Two sites serve three customers; a site's fee is :func:`site_fee` of its load, or by
    hand the strong formulation (a binary per tier, ``flow <= demand * open``)."""
    m = bw.Model()
    flow = m.continuous("flow", 0, np.broadcast_to(DEMANDS, (2, 3)), shape=(2, 3))
    load = m.continuous("load", 0, sum(DEMANDS), shape=2)
    m.add(flow.sum(axis=0) == np.array(DEMANDS))
    m.add(flow.sum(axis=1) == load)
    transport = sum(FREIGHT[f][c] * flow[f, c] for f in range(2) for c in range(3))
    if not by_hand:
        m.minimize(transport + site_fee(load[0]) + site_fee(load[1]))
        return m
    small, large = m.binary("small", shape=2), m.binary("large", shape=2)
    fees = 0
    for f in range(2):
        m.add(small[f] + large[f] <= 1)
        m.add(load[f] <= 5 * small[f] + sum(DEMANDS) * large[f])
        for c, d in enumerate(DEMANDS):
            m.add(flow[f, c] <= d * (small[f] + large[f]))
        fees = fees + 10 * small[f] + 16 * large[f]
    m.minimize(transport + fees)
    return m


def test_columns_a_leaf_switches_off_are_linked_to_its_indicator():
    # A closed site's load <= 0 and load = its flows' sum leave every flow at 0: the tree
    # links each flow to the leaves where it may be positive, as the hand model does.
    compiled = _sites(by_hand=False).to_problem(native_sos=False)
    links = [n for n in compiled.row_names if n.startswith("_link")]
    assert len(links) == 6
    hand = _sites(by_hand=True).to_problem(native_sos=False)
    assert _root_bound(compiled) >= _root_bound(hand) - 1e-9
    user, by_hand = _sites(by_hand=False).solve(), _sites(by_hand=True).solve()
    assert user.status == by_hand.status == "optimal" and user.verified
    assert math.isclose(user.objective, by_hand.objective, rel_tol=1e-9)


def test_no_links_where_no_leaf_switches_a_column_off():
    # The same fee on a load the model rows do not tie to anything: nothing to link.
    m = bw.Model()
    load = m.continuous("load", 0, 9)
    spare = m.continuous("spare", 0, 9)
    m.add(load + spare >= 3)
    m.minimize(site_fee(load) + spare)
    compiled = m.to_problem(native_sos=False)
    assert not [n for n in compiled.row_names if n.startswith("_link")]
