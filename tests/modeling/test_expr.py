"""Expressions: every numpy-style operation gives the coefficients numpy gives on numbers."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import branchwise as bw
from branchwise.expr import Constraint, LinExpr, QuadExpr, Rows, Var, quicksum

RNG = np.random.default_rng(7)
A23 = RNG.normal(size=(2, 3))
B45 = RNG.normal(size=(4, 5))
C4 = RNG.normal(size=4)
C31 = RNG.normal(size=(3, 1))
V3 = RNG.normal(size=3)


@pytest.fixture
def xy():
    """A model with X of shape (3, 4), y of shape (4,) and a scalar z, in that column order."""
    m = bw.Model("t")
    return m, m.continuous("X", shape=(3, 4)), m.continuous("y", shape=4), m.continuous("z")


def split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The column vector ``x`` as numpy values of X, y and z."""
    return x[:12].reshape(3, 4), x[12:16], float(x[16])


def assert_same_affine(fn, xy) -> None:
    """``fn`` on the variables has numpy's coefficients and constant for ``fn`` on numbers."""
    _, X, y, z = xy
    expr = fn(X, y, z)
    n = 17
    const = np.asarray(fn(*split(np.zeros(n))), dtype=float)
    assert isinstance(expr, LinExpr)
    assert expr.shape == const.shape
    coef = expr.coef.toarray()
    coef = np.pad(coef, ((0, 0), (0, n - coef.shape[1])))
    for j in range(n):
        unit = np.zeros(n)
        unit[j] = 1.0
        column = np.asarray(fn(*split(unit)), dtype=float) - const
        np.testing.assert_allclose(coef[:, j], column.ravel(), atol=1e-12, err_msg=f"column {j}")
    np.testing.assert_allclose(expr.const, const.ravel(), atol=1e-12)


AFFINE_CASES = {
    "add broadcast": lambda X, y, z: X + y,
    "sub scaled": lambda X, y, z: X - 2 * y + z,
    "neg plus const": lambda X, y, z: -X + 1.5,
    "rsub": lambda X, y, z: 3 - X,
    "mul row": lambda X, y, z: X * C4,
    "mul column left": lambda X, y, z: C31 * X,
    "div": lambda X, y, z: X / 4.0 - y / C4,
    "ndarray plus": lambda X, y, z: C31 + X,
    "ndarray minus": lambda X, y, z: C4 - X,
    "numpy scalar": lambda X, y, z: np.float64(2.5) * z + np.float64(1.0),
    "index row": lambda X, y, z: X[1],
    "index column": lambda X, y, z: X[:, 2],
    "index element": lambda X, y, z: X[1, 2] + z,
    "index fancy": lambda X, y, z: X[::-1, [0, 2]],
    "index negative": lambda X, y, z: X[-1, -1] + y[-2],
    "index mask": lambda X, y, z: y[np.array([True, False, True, True])],
    "index of expression": lambda X, y, z: (2 * X + 1)[1:, 1:3],
    "sum all": lambda X, y, z: X.sum() + y.sum(),
    "sum axis 0": lambda X, y, z: X.sum(axis=0),
    "sum axis 1": lambda X, y, z: X.sum(axis=1) + 1,
    "sum axis -1": lambda X, y, z: (X * C4).sum(axis=-1),
    "sum axis tuple": lambda X, y, z: X.sum(axis=(0, 1)),
    "matrix @ matrix": lambda X, y, z: A23 @ (X - 1),
    "matrix @ vector expr": lambda X, y, z: A23 @ X[:, 0],
    "matrix @ var vector": lambda X, y, z: B45.T @ y,
    "var matrix @ matrix": lambda X, y, z: (X + 2) @ B45,
    "var matrix @ vector": lambda X, y, z: X @ C4,
    "vector @ var matrix": lambda X, y, z: V3 @ X,
    "var vector @ vector": lambda X, y, z: y @ C4 + z,
    "var vector @ matrix": lambda X, y, z: y @ B45,
    "transpose": lambda X, y, z: X.T + 0.5,
    "reshape": lambda X, y, z: X.reshape(2, 6) - X.reshape((2, 6)) * 3,
    "ravel": lambda X, y, z: X.ravel(),
    "chain": lambda X, y, z: (A23 @ (C31 * X + y)).sum(axis=0) @ C4 - z,
}


@pytest.mark.parametrize("name", AFFINE_CASES)
def test_affine_operations_match_numpy(name, xy):
    assert_same_affine(AFFINE_CASES[name], xy)


def test_rows_operations_match_scipy():
    a = sp.random(30, 20, density=0.2, random_state=3, format="csr")
    b = sp.random(30, 20, density=0.3, random_state=4, format="csr")
    ra, rb = Rows.from_scipy(a), Rows.from_scipy(b)
    pick = RNG.integers(0, 30, size=45)
    np.testing.assert_allclose(ra.take(pick).matrix(20).toarray(), a[pick].toarray())
    np.testing.assert_allclose(ra.plus(rb).matrix(20).toarray(), (a + b).toarray())
    np.testing.assert_allclose(ra.scale(np.arange(30.0)).matrix(20).toarray(),
                               (sp.diags(np.arange(30.0)) @ a).toarray())
    grouped = ra.group(5, 6).matrix(20).toarray()
    np.testing.assert_allclose(grouped, a.toarray().reshape(6, 5, 20).sum(axis=1))
    stacked = Rows.stack([ra, Rows.empty(2), rb]).matrix(20)
    expected = sp.vstack([a, sp.csr_matrix((2, 20)), b]).toarray()
    np.testing.assert_allclose(stacked.toarray(), expected)
    x = RNG.normal(size=20)
    np.testing.assert_allclose(ra.plus(rb).dot(x), (a + b) @ x)


def test_sparse_matrix_operands_stay_sparse(xy):
    _, X, y, _ = xy
    S = sp.random(5, 3, density=0.4, random_state=1, format="csr")
    expr = S @ X
    dense = S.toarray() @ np.eye(12).reshape(3, 4, 12).transpose(1, 0, 2)
    np.testing.assert_allclose(expr.coef.toarray(), dense.transpose(1, 0, 2).reshape(20, 12))
    assert expr.shape == (5, 4)
    assert (y @ sp.csr_matrix(B45)).shape == (5,)


def test_element_of_var_array_is_named_var(xy):
    _, X, y, _ = xy
    element = X[1, 2]
    assert isinstance(element, Var)
    assert element.name == "X[1,2]" and element.index == 6
    assert y[3].name == "y[3]" and y[3].index == 15
    assert [v.name for v in y] == ["y[0]", "y[1]", "y[2]", "y[3]"]


def test_var_array_columns(xy):
    _, X, y, _ = xy
    np.testing.assert_array_equal(X.columns, np.arange(12).reshape(3, 4))
    np.testing.assert_array_equal(y.columns, np.arange(12, 16))


def random_point(n: int = 17) -> np.ndarray:
    return RNG.normal(size=n)


QUADRATIC_CASES = {
    "product": lambda X, y, z: z * y[0],
    "square": lambda X, y, z: z ** 2,
    "affine product": lambda X, y, z: (z + 1) * (2 * y[1] - 3),
    "dot": lambda X, y, z: y @ y,
    "dot of mapped": lambda X, y, z: (A23 @ X[:, 1]) @ (A23 @ (X[:, 2] + 1)),
    "sum of quadratics": lambda X, y, z: z * z - 2 * (y[0] * y[1]) + X[0, 0] ** 2 / 2 + y[2] - 4,
    "quadratic scaled": lambda X, y, z: 3 * (z * y[1] + 1) - (y[2] ** 2),
}


@pytest.mark.parametrize("name", QUADRATIC_CASES)
def test_quadratic_values_match_numpy(name, xy):
    fn = QUADRATIC_CASES[name]
    expr = fn(*xy[1:])
    assert isinstance(expr, QuadExpr) and expr.shape == ()
    for _ in range(3):
        x = random_point()
        assert float(expr.evaluate(x)) == pytest.approx(float(fn(*split(x))), rel=1e-12)


def test_quadratic_matrix_of_product(xy):
    _, _, y, z = xy
    expr = (z + 1) * y[0]
    P = expr.matrix(17).toarray()
    assert P[16, 12] + P[12, 16] == 1.0 and abs(P).sum() == 1.0
    np.testing.assert_allclose(expr.lin.coef.toarray().ravel(), np.eye(17)[12])
    assert expr.lin.const[0] == 0.0


def test_quicksum_matches_sum(xy):
    _, X, y, z = xy
    items = [X[i, j] * (i + j) for i in range(3) for j in range(4)] + [2.0, z * z, y[0] * z]
    fast, slow = quicksum(items), sum(items)
    assert isinstance(fast, QuadExpr)
    for _ in range(3):
        x = random_point()
        assert float(fast.evaluate(x)) == pytest.approx(float(slow.evaluate(x)))
    vector = quicksum([y, 2 * y, 1.0])
    np.testing.assert_allclose(vector.evaluate(x), 3 * x[12:16] + 1)
    assert quicksum([]).shape == ()
    with pytest.raises(TypeError, match="scalar"):
        quicksum([y, z * z])


def test_comparisons_make_constraints(xy):
    _, X, y, z = xy
    con = X <= C4
    assert isinstance(con, Constraint) and con.sense == "<=" and con.shape == (3, 4)
    lower, upper = con.row_bounds()
    np.testing.assert_allclose(upper, np.tile(C4, 3))
    assert np.all(np.isneginf(lower))
    con = 5 <= z + 2
    assert con.sense == ">=" and con.row_bounds()[0].tolist() == [3.0]
    con = C4 >= y
    assert con.sense == "<=" and con.shape == (4,)
    con = z == y[0]
    lower, upper = con.row_bounds()
    assert lower.tolist() == upper.tolist() == [0.0]
    assert (z * z <= 1).is_quadratic


def test_constraint_has_no_truth_value(xy):
    _, _, _, z = xy
    with pytest.raises(TypeError, match="m.add"):
        bool(z <= 1)
    with pytest.raises(TypeError, match="Chained"):
        0 <= z <= 1  # noqa: B015


@pytest.mark.parametrize("bad, error", [
    (lambda X, y, z: z / 0, ZeroDivisionError),
    (lambda X, y, z: X @ X.T, TypeError),
    (lambda X, y, z: X + np.ones(3), ValueError),
    (lambda X, y, z: A23 @ y, ValueError),
    (lambda X, y, z: z @ C4, ValueError),
    (lambda X, y, z: "a" + z, TypeError),
    (lambda X, y, z: z ** y, TypeError),
    (lambda X, y, z: z ** True, TypeError),
    (lambda X, y, z: z[0], TypeError),
    (lambda X, y, z: X.sum(axis=2), ValueError),
    (lambda X, y, z: z + np.inf, ValueError),  # naming the number: see test_non_finite.py
    (lambda X, y, z: sp.identity(4, format="csr") * y, TypeError),
])
def test_bad_operations_raise(bad, error, xy):
    with pytest.raises(error):
        bad(*xy[1:])


def test_models_do_not_mix():
    a, b = bw.Model("a"), bw.Model("b")
    x, y = a.continuous("x"), b.continuous("y")
    with pytest.raises(ValueError, match="different models"):
        x + y
    with pytest.raises(ValueError, match="different models"):
        quicksum([x, y])
