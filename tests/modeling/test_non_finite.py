"""NaN and infinite numbers in the Python API: one ValueError naming the number, never
Python's generic "unsupported operand"; ±inf stays a variable's bound ("no bound")."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

import branchwise as bw


@pytest.fixture
def m():
    return bw.Model("non_finite")


BAD_EXPRESSIONS = {  # name: (make from x and v, the number named, its index or None)
    "nan times x": (lambda x, v: math.nan * x, "nan", None),
    "x times inf": (lambda x, v: x * math.inf, "inf", None),
    "x minus -inf": (lambda x, v: x - -math.inf, "-inf", None),
    "x plus numpy nan": (lambda x, v: x + np.float64("nan"), "nan", None),
    "x divided by nan": (lambda x, v: x / math.nan, "nan", None),
    "array with nan times v": (lambda x, v: np.array([1.0, np.nan, 2.0]) * v, "nan", "(1,)"),
    "v times array with inf": (lambda x, v: v * np.array([1.0, 2.0, -np.inf]), "-inf", "(2,)"),
    "v plus a nan list": (lambda x, v: v + [0.0, 0.0, math.nan], "nan", "(2,)"),
    "matrix with nan @ v": (lambda x, v: np.array([[1.0, 2.0, np.nan]]) @ v, "nan", "(0, 2)"),
    "v @ inf vector": (lambda x, v: v @ np.array([1.0, np.inf, 1.0]), "inf", "(1,)"),
    "sparse matrix with nan @ v": (
        lambda x, v: sp.csr_matrix(np.array([[0.0, 0.0], [0.0, np.nan], [1.0, 0.0]]).T) @ v,
        "nan", "(1, 1)"),
    "overflowing product": (lambda x, v: 1e200 * (1e200 * x), "inf", None),
    "quadratic times nan": (lambda x, v: (x * x) * math.nan, "nan", None),
    "quadratic plus inf": (lambda x, v: x * x + math.inf, "inf", None),
    "nonlinear times nan": (lambda x, v: bw.exp(x) * math.nan, "nan", None),
    "constraint against inf": (lambda x, v: x <= math.inf, "inf", None),
    "constraint against nan": (lambda x, v: math.nan <= x, "nan", None),
    "array constraint with nan": (lambda x, v: v >= np.array([0.0, np.nan, 0.0]), "nan", "(1,)"),
    "quicksum with nan": (lambda x, v: bw.quicksum([x, math.nan]), "nan", None),
}


@pytest.mark.parametrize("name", BAD_EXPRESSIONS)
def test_non_finite_number_in_an_expression_is_named(m, name):
    make, number, index = BAD_EXPRESSIONS[name]
    x, v = m.continuous("x", 0, 10), m.continuous("v", 0, 1, shape=3)
    with pytest.raises(ValueError, match="must be finite") as error:
        make(x, v)
    message = str(error.value)
    assert f"coefficient {number} in an expression" in message and "\n" not in message
    assert index is None or f"at index {index}" in message


@pytest.mark.parametrize("objective", [lambda x: x + math.nan, lambda x: math.inf,
                                       lambda x: np.float64("-inf") * x])
def test_non_finite_objective_is_named(m, objective):
    with pytest.raises(ValueError, match=r"coefficient -?(nan|inf) in an expression"):
        m.minimize(objective(m.continuous("x", 0, 10)))


def test_non_finite_constraint_in_add_is_named(m):
    with pytest.raises(ValueError, match="coefficient nan"):
        m.add(m.continuous("x", 0, 10) * math.nan >= 1)


@pytest.mark.parametrize("lb, ub, mention", [
    (math.nan, 1, "lower bound nan"), (0, math.nan, "upper bound nan"),
    ([0, math.nan], 1, "lower bound nan"),
    (math.inf, math.inf, "lower bound inf"), (-1e25, -1e21, "upper bound -1e+21"),
    (1e20, 1e30, "lower bound 1e+20"), (3, 2, "lower bound 3 > upper bound 2"),
])
def test_bad_bounds_are_named(lb, ub, mention):
    with pytest.raises(ValueError, match="bounds") as error:
        bw.Model().continuous("y", lb, ub, shape=2)
    assert mention in str(error.value) and "'y'" in str(error.value)


def test_infinite_bounds_still_mean_no_bound():
    model = bw.Model()
    x = model.continuous("x", -math.inf, math.inf)
    n = model.integer("n", 0, 10**30)          # beyond 1e20: infinite, as in an MPS file
    lower, upper, _ = model.column_bounds()
    assert lower.tolist() == [-math.inf, 0.0] and upper.tolist() == [math.inf, math.inf]
    model.add(x >= 2.5)
    model.add(n >= x)
    model.minimize(x + n)
    result = model.solve()
    assert result.status == "optimal"
    assert result[x] == pytest.approx(2.5) and result[n] == pytest.approx(3.0)


@pytest.mark.parametrize("make", [lambda x: x >= 1e29, lambda x: x <= -1e21,
                                  lambda x: x == 1e20, lambda x: -x < -1e25])
def test_binding_right_hand_side_beyond_infinity_is_named(make):
    x = bw.Model().continuous("x", 0, math.inf)
    with pytest.raises(ValueError, match="right-hand side .* infinite"):
        make(x)


def test_free_side_beyond_infinity_is_a_free_row_as_in_mps():
    model = bw.Model()
    x = model.continuous("x", 0, 7)
    model.add(x <= 1e29)                       # as an MPS row with RHS 1e29: no limit
    model.maximize(x)
    assert model.solve().objective == pytest.approx(7.0)


def test_a_coefficient_no_lp_solver_takes_is_named(m):
    """A finite coefficient of 1e16 is refused when the model is lowered, naming the variable
    and the row (HiGHS would refuse to load the relaxation: a traceback before)."""
    x = m.continuous("x", 0, 10)
    m.add(1e16 * x <= 5, name="tiny_unit")
    m.maximize(x)
    with pytest.raises(ValueError, match=r"1e\+16 of 'x' in row 'tiny_unit' is too large"):
        m.solve()
