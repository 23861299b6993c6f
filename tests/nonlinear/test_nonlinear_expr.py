"""Nonlinear expressions: values against numpy on the same numbers, Jacobians against
central finite differences and hand derivatives, curvature verdicts against known
functions and against midpoint convexity at random points."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import branchwise as bw
from branchwise.core.sparsekernels import SCIPY_FROM_NNZ
from branchwise.nonlinear.expr import NlExpr, as_nlexpr
from branchwise.nonlinear.graph import ExpressionFunction

N = 9  # X (2, 3), y (2,), z


def variables(lower: float = 0.5, upper: float = 2.0):
    """A model with X of shape (2, 3), y of shape (2,) and a scalar z, in that column order."""
    m = bw.Model()
    return (m, m.continuous("X", lower, upper, shape=(2, 3)),
            m.continuous("y", lower, upper, shape=2), m.continuous("z", lower, upper))


def split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    return x[:6].reshape(2, 3), x[6:8], float(x[8])


#: Functions written once, run on numpy numbers (the oracle) and on variables.
FUNCTIONS = {
    "exp": lambda X, y, z: bw.exp(X),
    "log": lambda X, y, z: bw.log(y) + z,
    "sqrt": lambda X, y, z: bw.sqrt(X * z),
    "power": lambda X, y, z: X ** 1.7 - y[0] ** -2.5 + z ** 3,
    "rpow": lambda X, y, z: 2.0 ** z - 3 ** y,
    "product broadcast": lambda X, y, z: X * np.array([1.0, -2.0, 3.0]) * z * X[:, :1],
    "array product": lambda X, y, z: X[0] * X[1],
    "quotient": lambda X, y, z: (X + 1) / y[:, None] - z / X,
    "constant over": lambda X, y, z: 3.0 / (y + z),
    "norm2": lambda X, y, z: bw.norm2(X - 1.0) * z,
    "sum axis": lambda X, y, z: bw.exp(X).sum(axis=0) - y.sum() * bw.log(z),
    "quadratic inside": lambda X, y, z: bw.exp(z * z - y[0] * y[1]) + (z * y[0]) * y,
    "quadratic quotient": lambda X, y, z: (z * z + 1) / y,
    "nested": lambda X, y, z: bw.log(1 + bw.exp(X) * bw.sqrt(y[1]) + X ** 2).sum() / z,
    "indexing": lambda X, y, z: bw.exp(X)[1, ::2] - bw.log(X)[:, 2],
    "negation": lambda X, y, z: -bw.sqrt(z) - (-bw.exp(y)),
    "reshape": lambda X, y, z: bw.exp(X).reshape(3, 2)[2] * y,
    "matmul": lambda X, y, z: np.arange(4.0).reshape(2, 2) @ bw.exp(X) @ np.ones(3)
    + bw.log(y) @ bw.sqrt(y) + bw.exp(X[0]) @ np.arange(6.0).reshape(3, 2) @ y,
    "shared node": lambda X, y, z: (lambda u: u * u + bw.exp(u) / u)(bw.log(X + z)),
}


def expression(name: str) -> NlExpr:
    _, X, y, z = variables()
    return as_nlexpr(FUNCTIONS[name](X, y, z))


def points(seed: int, count: int = 3) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.6, 1.9, size=N) for _ in range(count)]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_values_match_numpy(name):
    expr = expression(name)
    for x in points(1):
        expected = np.asarray(FUNCTIONS[name](*split(x)), dtype=float)
        assert expr.shape == expected.shape
        np.testing.assert_allclose(expr.evaluate(x), expected, rtol=1e-12, atol=1e-12)


def central_differences(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    columns = []
    for j in range(len(x)):
        step = np.zeros_like(x)
        step[j] = h
        columns.append((f(x + step) - f(x - step)) / (2 * h))
    return np.column_stack(columns)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_jacobian_matches_finite_differences(name):
    function = ExpressionFunction(expression(name), N)
    for x in points(2):
        numeric = central_differences(function.value, x)
        exact = function.jacobian(x)
        assert exact.shape == (function.n_out, N)
        np.testing.assert_allclose(exact.toarray(), numeric, rtol=1e-6, atol=1e-6)


def test_jacobian_matches_hand_derivatives():
    _, X, y, z = variables()
    x = points(3, 1)[0]
    Xv, yv, zv = split(x)
    jac = ExpressionFunction(bw.exp(z) * y / z, N).jacobian(x).toarray()
    expected = np.zeros((2, N))
    expected[[0, 1], [6, 7]] = math.exp(zv) / zv
    expected[:, 8] = yv * math.exp(zv) * (zv - 1) / zv ** 2
    np.testing.assert_allclose(jac, expected, rtol=1e-12)
    jac = ExpressionFunction(bw.norm2(X), N).jacobian(x).toarray()
    np.testing.assert_allclose(jac[0, :6], Xv.ravel() / np.linalg.norm(Xv), rtol=1e-12)
    jac = ExpressionFunction(bw.log(y) ** 2, N).jacobian(x).toarray()
    np.testing.assert_allclose(np.diag(jac[:, 6:8]), 2 * np.log(yv) / yv, rtol=1e-12)


# --- random compositions -------------------------------------------------------------------

#: Operations that keep values finite on the box [0.5, 2]^n (growth bounded by scaling).
UNARY = {
    "exp": lambda u: bw.exp(0.3 * u),
    "log": lambda u: bw.log(1.0 + u * u),
    "sqrt": lambda u: bw.sqrt(1.0 + u * u),
    "square": lambda u: u ** 2,
    "cube": lambda u: u ** 3 * 0.1,
    "inverse": lambda u: 1.0 / (1.0 + u * u),
    "neg": lambda u: -u,
    "shift": lambda u: 0.5 * u + 1.0,
    "root": lambda u: (1.0 + u * u) ** 0.25,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - 2.0 * b,
    "mul": lambda a, b: a * b * 0.5,
    "div": lambda a, b: a / (1.0 + b * b),
}


@st.composite
def compositions(draw, depth: int = 3):
    """A random scalar function of (X, y, z), built the same way on numbers and variables."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        leaf = draw(st.sampled_from(["X", "y", "z", "Xsum", "ydot"]))
        return {"X": lambda X, y, z: X[1, 2], "y": lambda X, y, z: y[0],
                "z": lambda X, y, z: z, "Xsum": lambda X, y, z: 0.2 * X.sum(),
                "ydot": lambda X, y, z: y[0] - 0.5 * y[1] + 1.0}[leaf]
    if draw(st.booleans()):
        op, inner = UNARY[draw(st.sampled_from(sorted(UNARY)))], draw(compositions(depth - 1))
        return lambda X, y, z: op(inner(X, y, z))
    op = BINARY[draw(st.sampled_from(sorted(BINARY)))]
    left, right = draw(compositions(depth - 1)), draw(compositions(depth - 1))
    return lambda X, y, z: op(left(X, y, z), right(X, y, z))


@settings(max_examples=60, deadline=None)
@given(compositions(), st.integers(0, 10_000))
def test_random_compositions_match_numpy_and_differences(fn, seed):
    _, X, y, z = variables()
    expr = as_nlexpr(fn(X, y, z))
    function = ExpressionFunction(expr, N)
    for x in points(seed, 2):
        value = float(np.asarray(fn(*split(x))))
        np.testing.assert_allclose(function.value(x), [value], rtol=1e-10, atol=1e-12)
        numeric = central_differences(function.value, x)
        np.testing.assert_allclose(function.jacobian(x).toarray(), numeric, rtol=1e-5,
                                   atol=1e-6)


# --- curvature -----------------------------------------------------------------------------

def verdict(fn, lower: float = -np.inf, upper: float = np.inf) -> tuple[bool, bool]:
    """(convex, concave) of a scalar or all elements of ``fn(x, y, X)`` over the box."""
    m = bw.Model()
    x, y = m.continuous("x", lower, upper), m.continuous("y", lower, upper)
    X = m.continuous("X", lower, upper, shape=3)
    expr = as_nlexpr(fn(x, y, X))
    convex, concave = expr.curvature(np.full(5, lower), np.full(5, upper))
    return bool(np.all(convex)), bool(np.all(concave))


CONVEX, CONCAVE, AFFINE, UNKNOWN = (True, False), (False, True), (True, True), (False, False)
FREE, POSITIVE, NEGATIVE = (-np.inf, np.inf), (1.0, 5.0), (-5.0, -1.0)

CURVATURE_TABLE = [
    ("exp", lambda x, y, X: bw.exp(x), FREE, CONVEX),
    ("log", lambda x, y, X: bw.log(x), FREE, CONCAVE),
    ("-log", lambda x, y, X: -bw.log(X), FREE, CONVEX),
    ("sqrt", lambda x, y, X: bw.sqrt(X), FREE, CONCAVE),
    ("square", lambda x, y, X: X ** 2, FREE, CONVEX),
    ("cube free", lambda x, y, X: x ** 3, FREE, UNKNOWN),
    ("cube positive", lambda x, y, X: x ** 3, POSITIVE, CONVEX),
    ("cube negative", lambda x, y, X: x ** 3, NEGATIVE, CONCAVE),
    ("x**1.5", lambda x, y, X: x ** 1.5, FREE, CONVEX),
    ("x**0.3", lambda x, y, X: X ** 0.3, POSITIVE, CONCAVE),
    ("1/x free", lambda x, y, X: 1 / x, FREE, UNKNOWN),
    ("1/x positive", lambda x, y, X: 1 / x, POSITIVE, CONVEX),
    ("1/x negative", lambda x, y, X: 1 / x, NEGATIVE, CONCAVE),
    ("x**-2 negative", lambda x, y, X: x ** -2, NEGATIVE, CONVEX),
    ("-2/x positive", lambda x, y, X: -2 / X, POSITIVE, CONCAVE),
    ("exp of convex", lambda x, y, X: bw.exp(x ** 2 + y), FREE, CONVEX),
    ("exp of concave", lambda x, y, X: bw.exp(-x ** 2), FREE, UNKNOWN),
    ("log of concave", lambda x, y, X: bw.log(bw.sqrt(x) + 2 * y), POSITIVE, CONCAVE),
    ("log of convex", lambda x, y, X: bw.log(bw.exp(x) + bw.exp(y)), FREE, UNKNOWN),
    ("sqrt of convex", lambda x, y, X: bw.sqrt(x ** 2 + 1), FREE, UNKNOWN),
    ("square of positive concave", lambda x, y, X: bw.log(X) ** 2, POSITIVE, UNKNOWN),
    ("square of negative concave", lambda x, y, X: (-bw.exp(X)) ** 2, FREE, CONVEX),
    ("sum", lambda x, y, X: bw.exp(X).sum() + 3 * x ** 2 - bw.log(y), POSITIVE, CONVEX),
    ("difference", lambda x, y, X: bw.exp(x) - bw.exp(y), FREE, UNKNOWN),
    ("norm2 affine", lambda x, y, X: bw.norm2(X - np.arange(3.0)), FREE, CONVEX),
    ("norm2 positive convex", lambda x, y, X: bw.norm2(bw.exp(X)), FREE, CONVEX),
    ("norm2 concave", lambda x, y, X: bw.norm2(bw.log(X)), POSITIVE, UNKNOWN),
    ("product with exp", lambda x, y, X: bw.exp(x) * y, POSITIVE, UNKNOWN),
    ("quotient", lambda x, y, X: x / y, POSITIVE, UNKNOWN),
    ("array square product", lambda x, y, X: X * X, FREE, CONVEX),
    ("array negative square", lambda x, y, X: X * (-X), FREE, CONCAVE),
    ("parallel product", lambda x, y, X: (X + 1) * (2 * X + 3), FREE, CONVEX),
    ("antiparallel product", lambda x, y, X: (X + 1) * (3 - 2 * X), FREE, CONCAVE),
    ("bilinear array", lambda x, y, X: X * x, FREE, UNKNOWN),
    ("psd quadratic", lambda x, y, X: x * x + y * y - x * y, FREE, CONVEX),
    ("indefinite quadratic", lambda x, y, X: x * y, FREE, UNKNOWN),
    ("exp of psd quadratic", lambda x, y, X: bw.exp(x * x + y * y - x * y), FREE, CONVEX),
    ("cubic", lambda x, y, X: (x * x) * y, POSITIVE, UNKNOWN),
    ("power of base 2", lambda x, y, X: 2 ** x, FREE, CONVEX),
    ("affine", lambda x, y, X: as_nlexpr(x + 2 * y), FREE, AFFINE),
    ("sum of squares", lambda x, y, X: (X ** 2).sum(), FREE, CONVEX),
]


@pytest.mark.parametrize("name, fn, box, expected", CURVATURE_TABLE,
                         ids=[row[0] for row in CURVATURE_TABLE])
def test_curvature_verdicts(name, fn, box, expected):
    assert verdict(fn, *box) == expected


@settings(max_examples=80, deadline=None)
@given(compositions(), st.integers(0, 10_000),
       st.sampled_from([(-2.0, 2.0), (0.5, 2.0), (-2.0, -0.5), (0.0, 3.0)]))
def test_declared_convexity_holds_at_midpoints(fn, seed, box):
    """Anything the rules call convex (concave) passes midpoint convexity (concavity)
    between random points of the box where it is defined."""
    m = bw.Model()
    X = m.continuous("X", *box, shape=(2, 3))
    y, z = m.continuous("y", *box, shape=2), m.continuous("z", *box)
    function = ExpressionFunction(as_nlexpr(fn(X, y, z)), N, np.full(N, box[0]),
                                  np.full(N, box[1]))
    convex, concave = function.curvature()
    rng = np.random.default_rng(seed)
    for _ in range(20):
        a, b = rng.uniform(*box, size=N), rng.uniform(*box, size=N)
        fa, fb, fm = (function.value(p)[0] for p in (a, b, (a + b) / 2))
        if not all(map(np.isfinite, (fa, fb, fm))):
            continue
        slack = 1e-9 * (1 + abs(fa) + abs(fb))
        if convex[0]:
            assert fm <= (fa + fb) / 2 + slack
        if concave[0]:
            assert fm >= (fa + fb) / 2 - slack


# --- the user API --------------------------------------------------------------------------

def test_plain_numbers_give_plain_numbers():
    assert bw.exp(2.0) == math.exp(2.0) and isinstance(bw.exp(2), float)
    assert bw.log(3) == math.log(3) and bw.sqrt(4.0) == 2.0
    assert bw.norm2([3.0, 4.0]) == 5.0
    np.testing.assert_array_equal(bw.exp(np.arange(3.0)), np.exp(np.arange(3.0)))
    with pytest.raises(ValueError):
        bw.log(-1.0)


def test_types_of_results():
    m, X, y, z = variables()
    assert isinstance(z ** 2, bw.QuadExpr)
    assert isinstance(z ** 1, bw.LinExpr)
    assert isinstance((z * z) * z, NlExpr) and isinstance((z * z) / z, NlExpr)
    assert isinstance(y * z, NlExpr) and (y * z).shape == (2,)
    assert (X * y[:1]).shape == (2, 3) and (z * z + y).shape == (2,)
    assert isinstance(bw.exp(z) <= 3, bw.Constraint)
    assert (3 >= bw.exp(z)).sense == "<=" and (z <= bw.exp(y)).shape == (2,)
    assert (bw.exp(z) == bw.log(z)).sense == "=="
    assert isinstance(bw.quicksum([bw.exp(z), z, 2.0]), NlExpr)
    with pytest.raises(ZeroDivisionError):
        bw.exp(z) / 0
    with pytest.raises(TypeError, match="exponent"):
        bw.exp(z) ** z
    with pytest.raises(TypeError, match="True/False"):
        bool(bw.exp(z) <= 1) if False else bool(bw.exp(z))
    with pytest.raises(ValueError, match="different models"):
        bw.exp(z) + bw.Model().continuous("w")
    with pytest.raises(ValueError, match="undefined"):
        bw.log(as_nlexpr(-1.0))


def test_logic_refuses_nonlinear_expressions_clearly():
    m, X, y, z = variables()
    b = m.binary("b")
    with pytest.raises(TypeError, match="nonlinear expression"):
        bw.if_then_else(b, bw.exp(z), 0.0)
    with pytest.raises(NotImplementedError, match="nonlinear comparisons"):
        (bw.exp(z) <= 1) | b
    with pytest.raises(NotImplementedError, match="nonlinear comparisons"):
        bw.if_then_else(bw.log(z) >= 0, z, 0.0)


@settings(max_examples=60, deadline=None)
@given(compositions(), st.integers(0, 10_000),
       st.sampled_from([(-2.0, 2.0), (0.5, 2.0), (-2.0, -0.5), (0.0, 3.0)]))
def test_intervals_hold_every_value_in_the_box(fn, seed, box):
    m = bw.Model()
    X = m.continuous("X", *box, shape=(2, 3))
    y, z = m.continuous("y", *box, shape=2), m.continuous("z", *box)
    function = ExpressionFunction(as_nlexpr(fn(X, y, z)), N, np.full(N, box[0]),
                                  np.full(N, box[1]))
    low, high = function.interval()
    rng = np.random.default_rng(seed)
    corners = rng.choice(box, size=(10, N))
    for point in [*rng.uniform(*box, size=(20, N)), *corners]:
        value = function.value(point)[0]
        if np.isfinite(value):
            slack = 1e-9 * (1 + abs(value))
            assert low[0] - slack <= value <= high[0] + slack


#: Entries of ``A`` on either side of the switch from the gather kernel to scipy's.
SWITCH_SIDES = [SCIPY_FROM_NNZ // 4, SCIPY_FROM_NNZ * 5 // 2]


def _least_squares_data(entries: int) -> tuple[np.ndarray, np.ndarray]:
    """A dense ``A`` of ``entries`` entries over 10 columns and a ``b`` it cannot fit."""
    rng = np.random.default_rng(entries)
    return rng.normal(size=(entries // 10, 10)), rng.normal(size=entries // 10)


@pytest.mark.parametrize("entries", SWITCH_SIDES)
def test_norm_of_leading_columns_reads_the_whole_point(entries):
    """``||A w - b||`` over the first columns of a longer point: value and Jacobian as
    numpy has them, on the gather kernel and on scipy's (which checks shapes)."""
    A, b = _least_squares_data(entries)  # noqa: N806
    m = bw.Model()
    w, _ = m.continuous("w", -5, 5, shape=10), m.continuous("later", 0, 1, shape=3)
    function = ExpressionFunction(bw.norm2(A @ w - b), 13)
    x = np.random.default_rng(1).uniform(-1, 1, 13)
    residual = A @ x[:10] - b
    np.testing.assert_allclose(function.value(x), [np.linalg.norm(residual)], rtol=1e-12)
    expected = np.zeros(13)
    expected[:10] = A.T @ residual / np.linalg.norm(residual)
    np.testing.assert_allclose(function.jacobian(x).toarray()[0], expected, rtol=1e-10)


@pytest.mark.parametrize("entries", SWITCH_SIDES)
def test_least_squares_norm_matches_numpy(entries):
    """``min ||A w - b||`` with the bound ``t`` after ``w``: the optimum is numpy's
    least-squares residual (the box holds numpy's solution)."""
    A, b = _least_squares_data(entries)  # noqa: N806
    solution, *_ = np.linalg.lstsq(A, b, rcond=None)
    assert np.abs(solution).max() < 5
    m = bw.Model()
    w, t = m.continuous("w", -5, 5, shape=10), m.continuous("t", 0, 100)
    m.add(bw.norm2(A @ w - b) <= t)
    m.minimize(t)
    res = m.solve()
    assert res.status == "optimal" and res.verified
    expected = np.linalg.norm(A @ solution - b)
    assert abs(res.objective - expected) <= 1e-6 * max(1.0, expected)
