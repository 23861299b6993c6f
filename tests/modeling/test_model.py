"""The model: variables, constraints, objective, the Problem it builds, and its Result."""

from __future__ import annotations

import numpy as np
import pytest

import branchwise as bw
from branchwise.solver import SolveReport, parse_setting


def plant() -> tuple[bw.Model, dict]:
    """The example from API.md, without the semicontinuous variable."""
    m = bw.Model("plant")
    x = m.continuous("x", lb=0, ub=500)
    n = m.integer("n", lb=0, ub=10)
    b = m.binary("b")
    X = m.continuous("X", shape=(3, 4), lb=0, ub=1)
    m.add(x + 3 * n >= 120, name="demand")
    m.add(X.sum(axis=0) <= 1)
    m.minimize(0.5 * x + 2 * n)
    return m, {"x": x, "n": n, "b": b, "X": X}


def test_variables_and_defaults():
    m = bw.Model()
    x = m.continuous("x")
    y = m.continuous("y", 0, 500)
    k = m.integer("k", ub=3)
    b = m.binary("b", shape=2)
    Z = m.integer("Z", lb=[0, 1, 2], ub=9, shape=(2, 3))
    assert isinstance(x, bw.Var) and isinstance(Z, bw.VarArray) and Z.shape == (2, 3)
    assert b.shape == (2,) and m.n_vars == 3 + 2 + 6
    lower, upper, integer = m.column_bounds()
    assert lower.tolist() == [-np.inf, 0, -np.inf, 0, 0, 0, 1, 2, 0, 1, 2]
    assert upper.tolist() == [np.inf, 500, 3, 1, 1] + [9] * 6
    assert integer.tolist() == [False, False, True, True, True] + [True] * 6
    assert (x.index, y.index, k.index, Z.start) == (0, 1, 2, 5)


@pytest.mark.parametrize("make, error, match", [
    (lambda m: m.continuous("x"), ValueError, "already exists"),
    (lambda m: m.integer("x", shape=3), ValueError, "already exists"),
    (lambda m: m.continuous(""), ValueError, "name"),
    (lambda m: m.continuous("a", lb=5, ub=1), ValueError, "empty"),
    (lambda m: m.continuous("a", lb=np.nan), ValueError, "NaN"),
    (lambda m: m.continuous("a", lb=np.inf), ValueError, "empty"),
    (lambda m: m.continuous("a", lb=[0, 1], shape=3), ValueError, "broadcastable"),
    (lambda m: m.continuous("a", shape=(2, -1)), ValueError, "shape"),
    (lambda m: m.continuous("a", shape=2.5), ValueError, "shape"),
])
def test_bad_variables(make, error, match):
    m = bw.Model()
    m.continuous("x")
    with pytest.raises(error, match=match):
        make(m)


def test_to_problem_round_trip():
    m, v = plant()
    p = m.to_problem()
    assert isinstance(p, bw.Problem) and p.name == "plant" and not p.maximize
    assert p.col_names[:4] == ["x", "n", "b", "X[0,0]"] and p.col_names[-1] == "X[2,3]"
    assert p.row_names == ["demand", "c1[0]", "c1[1]", "c1[2]", "c1[3]"]
    dense = p.A.toarray()
    np.testing.assert_array_equal(dense[0, :3], [1, 3, 0])
    expected = np.zeros((4, 15))
    for j in range(4):
        expected[j, 3 + j::4] = 1
    np.testing.assert_array_equal(dense[1:], expected)
    assert p.row_lower.tolist() == [120] + [-np.inf] * 4
    assert p.row_upper.tolist() == [np.inf] + [1] * 4
    assert p.c[:3].tolist() == [0.5, 2, 0] and p.Q is None and p.objective_offset == 0
    assert p.integrality[:3].tolist() == [False, True, True]
    x = np.zeros(15)
    x[:2] = [120, 0]
    assert p.is_feasible(x) and m.violation(x)[0] == 0
    x[3:7] = 1
    x[7] = 0.5
    assert m.violation(x) == (p.violation(x)[0], "constraint c1[0]")


def test_array_constraint_names_and_bounds():
    m = bw.Model()
    X = m.continuous("X", shape=(2, 3))
    rhs = np.arange(6.0).reshape(2, 3)
    m.add(X == rhs, name="fix")
    m.add(X[:, 0] >= -1)
    m.add([X[0, 0] <= 4, X[1, 1] <= 5], name="pair")
    m.add(X.sum() <= 100, name="c5")  # a user name the automatic names step around
    m.add(X[0, 0] + X[1, 2] <= 7)
    p = m.to_problem()
    assert p.row_names == ["fix[0,0]", "fix[0,1]", "fix[0,2]", "fix[1,0]", "fix[1,1]",
                           "fix[1,2]", "c1[0]", "c1[1]", "pair[0]", "pair[1]", "c5", "c6"]
    np.testing.assert_array_equal(p.row_lower[:6], rhs.ravel())
    np.testing.assert_array_equal(p.row_upper[:6], rhs.ravel())
    np.testing.assert_array_equal(p.A[:6].toarray(), np.eye(6))


def test_repeated_and_cancelled_terms_are_merged():
    m = bw.Model()
    x, y, z = m.continuous("x"), m.continuous("y"), m.continuous("z")
    m.add(x + y + x - z + z <= 3)
    m.add(bw.quicksum([x, 2 * x, y]) - y >= 1)
    m.minimize(x + x - 3 * y + y)
    p = m.to_problem()
    np.testing.assert_array_equal(p.A.toarray(), [[2, 1, 0], [3, 0, 0]])
    assert p.A.nnz == 3 and p.c.tolist() == [2, -2, 0]


def test_quadratic_objective_is_symmetric_half_form():
    m = bw.Model()
    x, y = m.continuous("x"), m.continuous("y")
    z = m.continuous("z", shape=2)
    m.maximize(3 * x * y - x ** 2 + z @ z + 2 * x + 7)
    p = m.to_problem()
    Q = p.Q.toarray()
    np.testing.assert_allclose(Q, Q.T)
    np.testing.assert_allclose(Q[:2, :2], [[-2, 3], [3, 0]])
    np.testing.assert_allclose(np.diag(Q)[2:], [2, 2])
    assert p.maximize and p.c.tolist() == [2, 0, 0, 0] and p.objective_offset == 7
    point = np.array([1.5, -2.0, 0.5, 3.0])
    expected = 3 * 1.5 * -2 - 1.5 ** 2 + 0.25 + 9 + 3 + 7
    assert p.objective_value(point) == pytest.approx(expected)


def test_objective_rules():
    m = bw.Model()
    X = m.continuous("X", shape=3)
    m.minimize(4.0)
    assert m.to_problem().objective_offset == 4.0
    with pytest.raises(ValueError, match="scalar"):
        m.minimize(X)
    with pytest.raises(TypeError, match="constraint"):
        m.maximize(X.sum() <= 1)
    with pytest.raises(ValueError, match="different model"):
        m.minimize(bw.Model().continuous("y"))


def test_add_rejects_what_is_not_a_linear_constraint():
    m = bw.Model()
    x = m.continuous("x")
    with pytest.raises(TypeError, match="plain True/False"):
        m.add(3 <= 4)
    with pytest.raises(TypeError, match="plain True/False"):
        m.add(np.ones(2) <= 3)
    with pytest.raises(TypeError, match="needs a constraint"):
        m.add(x + 1)
    quadratic = m.add(x * x <= 4)
    assert quadratic in m.nonlinear_constraints and quadratic.name == "c0"
    con = m.add(x <= 3, name="cap")
    assert con.name == "cap"
    with pytest.raises(ValueError, match="already added"):
        m.add(con)
    with pytest.raises(ValueError, match="already exists"):
        m.add(x >= 0, name="cap")
    with pytest.raises(ValueError, match="different model"):
        m.add(bw.Model().continuous("y") <= 1)
    added = m.add(x >= i for i in range(2))
    assert [c.name for c in added] == ["c2", "c3"]


def test_solve_checks_reformulation():
    m, _ = plant()
    with pytest.raises(ValueError, match="reformulation"):
        m.solve(reformulation="tight")


def test_result_values_from_a_report():
    m, v = plant()
    x = np.zeros(15)
    x[:3] = [114, 2, 1]
    x[3:15] = 0.25
    res = bw.Result(m, SolveReport("optimal", x, 61.0, 60.5, nodes=3, time=0.1, verified=True))
    assert res.verified and res.objective == 61.0 and res.bound == 60.5 and res.nodes == 3
    assert res.gap == pytest.approx(0.5 / 61)
    assert res[v["x"]] == 114.0 and isinstance(res[v["n"]], float)
    np.testing.assert_array_equal(res[v["X"]], np.full((3, 4), 0.25))
    assert res[v["X"][2, 1]] == 0.25
    np.testing.assert_allclose(res.value(v["X"].sum(axis=1) + 1), [2, 2, 2])
    assert res.value(v["x"] * v["n"] - 3) == 225.0
    assert res.value(v["x"] ** 2) == 114.0 ** 2
    assert res.value(5) == 5.0
    with pytest.raises(ValueError, match="different model"):
        res.value(bw.Model().continuous("y"))


def test_result_is_not_verified_when_the_model_is_violated():
    m, _ = plant()
    x = np.zeros(15)
    x[0] = 100  # demand needs x + 3n >= 120
    res = bw.Result(m, SolveReport("optimal", x, 50.0, 50.0, nodes=0, time=0.0, verified=True))
    assert not res.verified and res.violation[1] == "constraint demand"
    x[:2] = [120, 0.5]  # fractional integer
    res = bw.Result(m, SolveReport("optimal", x, 61.0, 61.0, nodes=0, time=0.0, verified=True))
    assert not res.verified and res.violation[1] == "integrality of n"
    x[1] = 0
    res = bw.Result(m, SolveReport("optimal", x, 60.0, 60.0, nodes=0, time=0.0, verified=False))
    assert not res.verified


def test_result_without_solution():
    m, v = plant()
    res = bw.Result(m, SolveReport("infeasible", None, None, np.inf, nodes=1, time=0.0))
    assert res.objective is None and not res.verified and res.gap == np.inf
    with pytest.raises(RuntimeError, match="infeasible"):
        res[v["x"]]


def test_large_array_model_is_stored_sparsely():
    rows, cols = 300, 400
    rng = np.random.default_rng(0)
    A = rng.uniform(1, 2, size=(5, rows))
    cost = rng.uniform(size=(rows, cols))
    m = bw.Model("big")
    X = m.continuous("X", shape=(rows, cols), lb=0, ub=1)
    m.add(X.sum(axis=0) <= 1, name="assign")
    m.add(X.sum(axis=1) >= 1, name="cover")
    m.add(A @ X <= 50, name="mix")
    m.minimize((cost * X).sum())
    p = m.to_problem()
    assert p.A.shape == (cols + rows + 5 * cols, rows * cols)
    assert p.A.nnz == 2 * rows * cols + 5 * rows * cols
    assert p.row_names[-1] == "mix[4,399]" and p.col_names[-1] == "X[299,399]"
    np.testing.assert_allclose(p.c, cost.ravel())
    np.testing.assert_allclose(p.A[-cols:].toarray()[:, ::cols], np.tile(A[4], (cols, 1))
                               * (np.arange(cols)[:, None] == 0))


def test_solve_end_to_end():
    m, v = plant()
    res = m.solve(time_limit=60)
    assert res.status == "optimal" and res.verified
    assert res.objective == pytest.approx(60.0) and res.gap <= 1e-6
    assert res[v["x"]] + 3 * res[v["n"]] >= 120 - 1e-6
    assert res.value(0.5 * v["x"] + 2 * v["n"]) == pytest.approx(res.objective)
    m.maximize(v["X"].sum() - v["b"])
    res = m.solve()
    assert res.objective == pytest.approx(4.0) and res[v["b"]] == pytest.approx(0.0)
    assert res[v["X"]].sum(axis=0) == pytest.approx(np.ones(4))


def _small_knapsack() -> bw.Model:
    m = bw.Model("options")
    x = m.integer("x", shape=4, lb=0, ub=3)
    m.add(3 * x[0] + 4 * x[1] + 5 * x[2] + 6 * x[3] <= 17)
    m.maximize(4 * x[0] + 5 * x[1] + 7 * x[2] + 8 * x[3])
    return m


def test_any_solve_option_reaches_the_search():
    """Options beyond the named keywords go to the search: HiGHS presolve runs by default
    (its outcome is in the stats) and not with ``presolve=False``; the optimum stays."""
    default, without = _small_knapsack().solve(), _small_knapsack().solve(
        presolve=False, cut_rounds=0, node_selection="estimate")
    assert "presolve" in default.report.stats and "presolve" not in without.report.stats
    assert without.objective == pytest.approx(default.objective) and without.status == "optimal"


def test_unknown_or_bad_solve_option_is_refused_in_one_line():
    with pytest.raises(TypeError, match="unknown solve option 'cut_round'.*cut_rounds"):
        _small_knapsack().solve(cut_round=0)
    with pytest.raises(ValueError, match="node_selection"):
        _small_knapsack().solve(node_selection="deepest")


@pytest.mark.parametrize("text, setting", [
    ("cut_rounds=0", ("cut_rounds", 0)),
    ("presolve=off", ("presolve", False)),
    ("feasibility-pump=true", ("feasibility_pump", True)),
    ("node_limit=none", ("node_limit", None)),
    ("gap=1e-3", ("gap", 1e-3)),
    ("node_selection=estimate", ("node_selection", "estimate")),
])
def test_settings_are_read_as_the_option_type(text, setting):
    assert parse_setting(text) == setting


@pytest.mark.parametrize("text", ["cut_rounds", "cut_rounds=x", "presolve=maybe",
                                  "on_node=print", "no_such=1"])
def test_unreadable_settings_name_the_problem(text):
    with pytest.raises(ValueError, match="option"):
        parse_setting(text)
