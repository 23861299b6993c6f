"""Random nested logic against brute force: the model's optimum equals the best point found
by evaluating the same expression in plain Python (numpy) over every integer value and a
grid of the continuous one that holds all its breakpoints.

The domain is two integers n1, n2 in [-2, 2], a binary b and a continuous y in [-2, 2].
Every affine leaf has y-coefficient -1, 0 or 1 and integer constants, and the functions
(abs, max, min, if_then_else, steps of a leaf, piecewise of an integer leaf) keep it so, so
every kink, jump and comparison boundary in y lies on the half-integers; strict
comparisons move a boundary by at most strict_gap (the default), so the grid holds each
half-integer and the points strict_gap either side of it.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import branchwise as bw
from branchwise.logic import not_

GAP = bw.Model().strict_gap
_HALVES = np.arange(-4, 5) / 2.0
Y_GRID = np.unique(np.clip(np.concatenate([_HALVES - GAP, _HALVES, _HALVES + GAP]), -2, 2))
INTS = range(-2, 3)
OPS = ("<=", ">=", "<", ">", "==")


# --- random expressions and conditions, as plain tuples ------------------------------------

def _leaf(draw, integer_only: bool = False) -> tuple:
    a, b = draw(st.integers(-1, 1)), draw(st.integers(-1, 1))
    c = 0 if integer_only else draw(st.integers(-1, 1))
    return ("leaf", a, b, c, draw(st.integers(-2, 2)))


@st.composite
def expressions(draw, depth: int = 2) -> tuple:
    if depth == 0:
        return _leaf(draw)
    kind = draw(st.sampled_from(["leaf", "abs", "max", "min", "ite", "neg", "shift",
                                 "steps", "pw"]))
    sub = expressions(depth - 1)
    if kind == "leaf":
        return _leaf(draw)
    if kind in ("abs", "neg"):
        return (kind, draw(sub))
    if kind in ("max", "min"):
        return (kind, draw(sub), draw(sub))
    if kind == "shift":
        return (kind, draw(sub), draw(st.integers(-2, 2)))
    if kind == "ite":
        return (kind, draw(conditions(depth - 1)), draw(sub), draw(sub))
    if kind == "steps":
        cuts = sorted(draw(st.sets(st.sampled_from([-2, -1, -0.5, 0, 0.5, 1, 2]),
                                   min_size=1, max_size=3)))
        values = draw(st.lists(st.integers(-3, 3), min_size=len(cuts) + 1,
                               max_size=len(cuts) + 1))
        return (kind, _leaf(draw), tuple(cuts), tuple(values))
    end = draw(st.sampled_from([4, 6]))  # the integer leaf ranges over [-6, 6]
    xs = tuple(range(-end, end + 1))  # unit steps: integer values at integer arguments
    ys = tuple(draw(st.lists(st.integers(-3, 3), min_size=len(xs), max_size=len(xs))))
    return ("pw", _leaf(draw, integer_only=True), xs, ys)


@st.composite
def conditions(draw, depth: int = 2) -> tuple:
    kinds = ["cmp", "lit"] + (["and", "or", "not", "implies", "iff", "xor", "count"]
                              if depth > 0 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "cmp":
        return (kind, draw(expressions(max(depth - 1, 0))), draw(st.sampled_from(OPS)),
                draw(expressions(0)))
    if kind == "lit":
        return (kind, draw(st.booleans()))
    sub = conditions(depth - 1)
    if kind == "not":
        return (kind, draw(sub))
    if kind == "count":
        items = tuple(draw(st.lists(sub, min_size=2, max_size=3)))
        return (kind, draw(st.sampled_from(["at_least", "at_most", "exactly"])),
                draw(st.integers(0, len(items))), items)
    return (kind, draw(sub), draw(sub))


# --- the same tree in branchwise, and on numpy arrays ---------------------------------------

def build(node: tuple, v: dict, memo: dict | None = None):
    """The tree as branchwise expressions and conditions (``v``: the model's variables);
    with plain numbers in ``v`` the very same calls compute plain values. With ``memo``, a
    node object met again is built once (its derived columns and conditions shared, as an
    ``@bw.program`` shares a condition that several branches test)."""
    if memo is None:
        return _build(node, v, lambda child: build(child, v))
    if id(node) not in memo:
        memo[id(node)] = _build(node, v, lambda child: build(child, v, memo))
    return memo[id(node)]


def _build(node: tuple, v: dict, sub):
    kind = node[0]
    if kind == "leaf":
        _, a, b, c, d = node
        return a * v["n1"] + b * v["n2"] + c * v["y"] + d
    if kind == "abs":
        return abs(sub(node[1]))
    if kind in ("max", "min"):
        fn = bw.max if kind == "max" else bw.min
        return fn(sub(node[1]), sub(node[2]))
    if kind == "neg":
        return -sub(node[1])
    if kind == "shift":
        return sub(node[1]) + node[2]
    if kind == "ite":
        return bw.if_then_else(sub(node[1]), sub(node[2]), sub(node[3]))
    if kind == "steps":
        return bw.steps(sub(node[1]), node[2], node[3])
    if kind == "pw":
        return bw.piecewise(sub(node[1]), node[2], node[3])
    if kind == "cmp":
        a, b = sub(node[1]), sub(node[3])
        return {"<=": a <= b, ">=": a >= b, "<": a < b, ">": a > b, "==": a == b}[node[2]]
    if kind == "lit":
        if isinstance(v["b"], float):
            return (v["b"] > 0.5) == node[1]
        return v["b"] if node[1] else ~v["b"]
    if kind == "and":
        return sub(node[1]) & sub(node[2])
    if kind == "or":
        return sub(node[1]) | sub(node[2])
    if kind == "not":
        return not_(sub(node[1]))  # ~ on a plain bool is bitwise; not_ folds it
    if kind in ("implies", "iff", "xor"):
        return getattr(bw, kind)(sub(node[1]), sub(node[2]))
    _, how, k, items = node
    return getattr(bw, how)(k, [sub(c) for c in items])


def evaluate(node: tuple, p: dict) -> np.ndarray:
    """The tree on numpy arrays of points (NaN where a piecewise is undefined)."""
    kind = node[0]
    if kind == "leaf":
        _, a, b, c, d = node
        return a * p["n1"] + b * p["n2"] + c * p["y"] + d
    if kind == "abs":
        return np.abs(evaluate(node[1], p))
    if kind in ("max", "min"):
        fn = np.maximum if kind == "max" else np.minimum
        return fn(evaluate(node[1], p), evaluate(node[2], p))
    if kind == "neg":
        return -evaluate(node[1], p)
    if kind == "shift":
        return evaluate(node[1], p) + node[2]
    if kind == "ite":
        cond = evaluate(node[1], p)
        return np.where(cond, evaluate(node[2], p), evaluate(node[3], p))
    if kind == "steps":
        x = evaluate(node[1], p)
        return np.asarray(node[3], dtype=float)[np.searchsorted(node[2], x, side="right")]
    if kind == "pw":
        x = evaluate(node[1], p)
        inside = (x >= node[2][0]) & (x <= node[2][-1])
        return np.where(inside, np.interp(x, node[2], node[3]), np.nan)
    if kind == "cmp":  # on a - b with round-off snapped: exact values are k/2 or k/2 ± gap
        d = evaluate(node[1], p) - evaluate(node[3], p)
        d = np.where(np.abs(d) < 1e-9, 0.0, d)
        with np.errstate(invalid="ignore"):
            return {"<=": d <= 0, ">=": d >= 0, "<": d < 0, ">": d > 0, "==": d == 0}[node[2]]
    if kind == "lit":
        return p["b"] > 0.5 if node[1] else p["b"] < 0.5
    if kind == "and":
        return evaluate(node[1], p) & evaluate(node[2], p)
    if kind == "or":
        return evaluate(node[1], p) | evaluate(node[2], p)
    if kind == "not":
        return ~evaluate(node[1], p)
    if kind == "implies":
        return ~evaluate(node[1], p) | evaluate(node[2], p)
    if kind == "iff":
        return evaluate(node[1], p) == evaluate(node[2], p)
    if kind == "xor":
        return evaluate(node[1], p) != evaluate(node[2], p)
    _, how, k, items = node
    count = sum(evaluate(c, p).astype(int) for c in items)
    return {"at_least": count >= k, "at_most": count <= k, "exactly": count == k}[how]


def undefined(node: tuple, p: dict) -> np.ndarray:
    """Where some piecewise in the tree is undefined (its argument outside the points)."""
    bad = np.zeros(p["y"].shape, dtype=bool)
    if node[0] == "pw":
        x = evaluate(node[1], p)
        bad |= (x < node[2][0]) | (x > node[2][-1])
    for child in node[1:]:
        if isinstance(child, tuple) and child and isinstance(child[0], str):
            bad |= undefined(child, p)
        elif isinstance(child, tuple) and child and isinstance(child[0], tuple):
            for c in child:
                bad |= undefined(c, p)
    return bad


def grid() -> dict:
    points = np.array(list(itertools.product(INTS, INTS, [0.0, 1.0], Y_GRID)), dtype=float)
    return {"n1": points[:, 0], "n2": points[:, 1], "b": points[:, 2], "y": points[:, 3]}


POINTS = grid()


@st.composite
def models(draw) -> tuple:
    objective = draw(expressions(2))
    requirements = draw(st.lists(conditions(2), min_size=1, max_size=2))
    coefs = tuple(draw(st.integers(-2, 2)) for _ in range(4))
    return objective, requirements, coefs, draw(st.booleans())


def brute_force(objective: tuple, requirements: list, coefs: tuple, maximize: bool):
    p = POINTS
    feasible = ~undefined(objective, p)
    for r in requirements:
        feasible &= evaluate(r, p) & ~undefined(r, p)
    value = (evaluate(objective, p) + coefs[0] * p["n1"] + coefs[1] * p["n2"]
             + coefs[2] * p["y"] + coefs[3] * p["b"])
    if not feasible.any():
        return None
    return float(value[feasible].max() if maximize else value[feasible].min())


def solve(objective, requirements, coefs, maximize, mode, share_nodes=False):
    """The model's optimum (None if infeasible) and whether it verified; with
    ``share_nodes`` every node is built once, so shared nodes are shared columns and
    conditions."""
    m = bw.Model()
    v = {"n1": m.integer("n1", -2, 2), "n2": m.integer("n2", -2, 2), "b": m.binary("b"),
         "y": m.continuous("y", -2, 2)}
    memo = {} if share_nodes else None
    for r in requirements:
        cond = build(r, v, memo)
        if isinstance(cond, bool):
            if not cond:
                return None, True
            continue
        m.add(cond)
    expr = (build(objective, v, memo) + coefs[0] * v["n1"] + coefs[1] * v["n2"]
            + coefs[2] * v["y"] + coefs[3] * v["b"])
    (m.maximize if maximize else m.minimize)(expr)
    res = m.solve(reformulation=mode, time_limit=60)
    if res.status == "infeasible":
        return None, True
    assert res.status == "optimal", res
    return res.objective, res.verified


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(models(), st.sampled_from(["auto", "bigm", "hull", "sos"]))
def test_optimum_equals_brute_force(model, mode):
    objective, requirements, coefs, maximize = model
    expected = brute_force(objective, requirements, coefs, maximize)
    assert_agrees(expected, *solve(objective, requirements, coefs, maximize, mode))


def assert_agrees(expected: float | None, found: float | None, verified: bool) -> None:
    """The model's optimum (None: infeasible) is brute force's, and its point verified."""
    if expected is None:
        assert found is None, f"model found {found} where brute force finds nothing"
        return
    assert found is not None, f"model infeasible, brute force finds {expected}"
    assert verified
    assert math.isclose(found, expected, abs_tol=1e-4), (found, expected)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(expressions(3), st.integers(-2, 2), st.integers(-2, 2), st.sampled_from(Y_GRID[::3]))
def test_the_same_calls_run_on_plain_numbers(tree, n1, n2, y):
    """bw functions on floats compute what numpy computes (where it is defined)."""
    point = {"n1": np.array([float(n1)]), "n2": np.array([float(n2)]),
             "b": np.array([1.0]), "y": np.array([y])}
    if undefined(tree, point)[0]:
        return
    plain = build(tree, {"n1": float(n1), "n2": float(n2), "b": 1.0, "y": float(y)})
    assert math.isclose(float(plain), float(evaluate(tree, point)[0]), abs_tol=1e-12)
