"""Quadratic and nonlinear constraints and objectives in a model: how they become a
Problem's nonlinear rows (checked against the expressions on numbers), how a solution is
verified, the NonconvexError, and small convex MINLPs solved end to end against scipy
(each integer assignment enumerated) and SCIP."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import minimize

import branchwise as bw
from branchwise.core.smooth import QuadraticFunction
from branchwise.nonlinear.graph import ExpressionFunction

RNG = np.random.default_rng(11)


def disc_model():
    m = bw.Model("disc")
    x, y = m.continuous("x", -2, 2), m.continuous("y", -2, 2)
    m.add(x ** 2 + y ** 2 <= 1, name="disc")
    return m, x, y


def test_quadratic_constraint_becomes_a_quadratic_row():
    m, x, y = disc_model()
    problem = m.to_problem()
    (block,) = problem.nonlinear
    assert isinstance(block.function, QuadraticFunction) and block.names == ["disc"]
    assert block.upper.tolist() == [1.0] and block.lower.tolist() == [-np.inf]
    for point in RNG.uniform(-2, 2, size=(5, 2)):
        assert block.function.value(point)[0] == pytest.approx(point @ point)
    assert block.is_convex() and problem.is_convex()


def test_nonlinear_array_constraint_becomes_named_rows():
    m = bw.Model()
    X = m.continuous("X", 0, 1, shape=3)
    y = m.continuous("y", 0, 1)
    m.add(bw.exp(X) + 2 * y - 1 <= 3, name="cap")
    m.add(bw.log(y + 1) > 0.1, name="strict")
    problem = m.to_problem()
    cap, strict = problem.nonlinear
    assert isinstance(cap.function, ExpressionFunction)
    assert cap.names == ["cap[0]", "cap[1]", "cap[2]"]
    np.testing.assert_allclose(cap.upper, 4.0)
    for point in RNG.uniform(0, 1, size=(5, 4)):
        np.testing.assert_allclose(cap.function.value(point), np.exp(point[:3]) + 2 * point[3])
    assert strict.lower.tolist() == [0.1 + m.strict_gap] and strict.names == ["strict"]
    assert problem.is_convex()  # exp convex below a bound, log concave above one


def test_nonlinear_objective_becomes_an_epigraph():
    m, x, y = disc_model()
    m.minimize(bw.exp(x) + (y - 1) ** 2 + 4)
    ref = m.reformulate()
    problem = ref.problem
    t = problem.col_names.index(ref.objective_row)
    assert problem.col_names == ["x", "y", ref.objective_row] and problem.Q is None
    assert problem.c.tolist() == [0.0, 0.0, 1.0] and problem.objective_offset == 0.0
    epigraph = problem.nonlinear[-1]
    assert epigraph.names == [ref.objective_row] and epigraph.upper.tolist() == [-4.0]
    assert problem.col_lower[t] <= np.exp(-2) + 4  # t's bound holds the objective's range
    for point in RNG.uniform(-2, 2, size=(5, 3)):
        value = np.exp(point[0]) + (point[1] - 1) ** 2 - point[2]
        assert epigraph.function.value(point)[0] == pytest.approx(value)
    m.maximize(bw.log(x + 3))
    epigraph = m.to_problem().nonlinear[-1]
    assert epigraph.lower.tolist() == [0.0] and epigraph.upper.tolist() == [np.inf]
    m.minimize(x * x + y)
    problem = m.to_problem()
    assert problem.Q is not None and len(problem.nonlinear) == 1


def test_nonlinear_rows_keep_model_columns_when_reductions_add_columns():
    m, x, y = disc_model()
    b = m.binary("b")
    m.add(bw.implies(b, x >= 0.5))
    m.add(bw.exp(abs(y)) <= 2, name="abs")  # a derived column inside a nonlinear row
    problem = m.to_problem()
    assert problem.n_cols > 4
    block = problem.nonlinear[1]
    derived = problem.col_names.index("_abs1")
    assert block.function.columns().tolist() == [derived]
    assert problem.col_upper[derived] > 0  # the abs column is lowered, not dropped
    assert block.function.jacobian(np.zeros(problem.n_cols)).shape == (1, problem.n_cols)


def test_violation_checks_nonlinear_constraints_on_numbers():
    m, x, y = disc_model()
    m.add(bw.log(x) >= -1, name="log")
    assert m.violation(np.array([0.6, 0.5]))[0] == 0.0
    worst, where = m.violation(np.array([0.9, 0.9]))
    assert worst == pytest.approx(0.62) and where == "constraint disc"
    assert m.violation(np.array([-0.5, 0.0])) == (np.inf, "constraint log")


def test_nonconvex_models_are_refused_by_name():
    m, x, y = disc_model()
    m.add(bw.exp(x) >= 1.5, name="floor")
    with pytest.raises(bw.NonconvexError, match="constraint 'floor' is not proven convex"):
        m.solve()
    m2, x2, _ = disc_model()
    m2.maximize(bw.exp(x2))
    with pytest.raises(ValueError, match="the objective is not proven convex"):
        m2.solve()
    m2.minimize(x2 * x2 * x2)
    with pytest.raises(bw.NonconvexError, match="the objective"):
        m2.solve()
    with pytest.raises(ValueError, match="nonconvex"):
        m2.solve(nonconvex="maybe")


# --- end to end ----------------------------------------------------------------------------

def brute_force(objective, constraints, bounds, integers, starts=4):
    """The least objective over every assignment of the integer variables (by index, with
    their ranges), each continuous part solved by SLSQP from a few starts."""
    best = np.inf
    rng = np.random.default_rng(0)
    for values in itertools.product(*(range(lo, hi + 1) for _, (lo, hi) in integers)):
        fixed = list(bounds)
        for (k, _), v in zip(integers, values, strict=True):
            fixed[k] = (v, v)
        for _ in range(starts):
            start = np.array([rng.uniform(lo, hi) for lo, hi in fixed])
            res = minimize(objective, start, bounds=fixed, constraints=[
                {"type": "ineq", "fun": g} for g in constraints], method="SLSQP",
                options={"ftol": 1e-12, "maxiter": 500})
            if res.success and all(g(res.x) >= -1e-7 for g in constraints):
                best = min(best, res.fun)
    return best


def model_a():
    """Linear objective over a disc cut by an exponential, one integer."""
    m = bw.Model()
    x, y, n = m.continuous("x", -2, 2), m.continuous("y", -2, 2), m.integer("n", 0, 3)
    m.add(x ** 2 + y ** 2 <= 1)
    m.add(bw.exp(x) <= 2 + y - 0.5 * n)
    m.minimize(-x - 2 * y - 0.4 * n)
    oracle = brute_force(lambda v: -v[0] - 2 * v[1] - 0.4 * v[2],
                         [lambda v: 1 - v[0] ** 2 - v[1] ** 2,
                          lambda v: 2 + v[1] - 0.5 * v[2] - np.exp(v[0])],
                         [(-2, 2), (-2, 2), (0, 3)], [(2, (0, 3))])
    return m, oracle


def model_b():
    """Convex nonlinear objective (an epigraph) with a coupling integer."""
    m = bw.Model()
    x, y, n = m.continuous("x", -2, 2), m.continuous("y", -2, 2), m.integer("n", 0, 3)
    m.add(x ** 2 + y ** 2 <= 1)
    m.add(x + n <= 2.5)
    m.minimize(bw.exp(-x) + (y - 0.3) ** 2 - 0.8 * n)
    oracle = brute_force(lambda v: np.exp(-v[0]) + (v[1] - 0.3) ** 2 - 0.8 * v[2],
                         [lambda v: 1 - v[0] ** 2 - v[1] ** 2, lambda v: 2.5 - v[0] - v[2]],
                         [(-2, 2), (-2, 2), (0, 3)], [(2, (0, 3))])
    return m, oracle


def model_c():
    """Concave objective maximised, a norm ball around an integer-moved centre."""
    m = bw.Model()
    v, n = m.continuous("v", -1, 3, shape=2), m.integer("n", 0, 2)
    m.add(bw.norm2(v - n * np.array([0.0, 1.0])) <= 1.5)
    m.add(v.sum() <= 2.2)
    m.maximize(bw.log(v[0] + 3) + bw.sqrt(v[1] + 2) - 0.3 * n)
    oracle = -brute_force(lambda w: -(np.log(w[0] + 3) + np.sqrt(w[1] + 2) - 0.3 * w[2]),
                          [lambda w: 1.5 - np.hypot(w[0], w[1] - w[2]),
                           lambda w: 2.2 - w[0] - w[1]],
                          [(-1, 3), (-1, 3), (0, 2)], [(2, (0, 2))])
    return m, oracle


@pytest.mark.parametrize("build", [model_a, model_b, model_c])
def test_convex_minlps_match_scipy(build):
    m, oracle = build()
    res = m.solve(time_limit=60)
    assert res.status == "optimal" and res.verified
    assert res.objective == pytest.approx(oracle, abs=1e-5)
    assert res.value(m.objective) == pytest.approx(res.objective)


def test_convex_minlp_matches_scip():
    scip = pytest.importorskip("pyscipopt")
    m, _ = model_b()
    res = m.solve(time_limit=60)
    s = scip.Model()
    s.hideOutput()
    x, y = s.addVar("x", lb=-2, ub=2), s.addVar("y", lb=-2, ub=2)
    n, t = s.addVar("n", vtype="I", lb=0, ub=3), s.addVar("t", lb=None)
    s.addCons(x * x + y * y <= 1)
    s.addCons(x + n <= 2.5)
    s.addCons(scip.exp(-x) + (y - 0.3) * (y - 0.3) - 0.8 * n <= t)
    s.setObjective(t, "minimize")
    s.optimize()
    assert res.objective == pytest.approx(s.getObjVal(), abs=1e-5)


def _ball_and_halfspace(c: np.ndarray, a: np.ndarray, r: float, t: float) -> float:
    """``min c·x`` over ``||x|| <= t`` and ``a·x >= r``, in closed form: ``-t|c|`` when the
    ball's lowest point satisfies the half-space, else the lowest point of the circle
    where the plane ``a·x = r`` cuts the sphere (inf when it misses the ball)."""
    if -t * (a @ c) / np.linalg.norm(c) >= r:
        return -t * float(np.linalg.norm(c))
    if t < r / np.linalg.norm(a):
        return np.inf
    along = (c @ a) / (a @ a)
    across = np.linalg.norm(c - along * a)
    return float(r * along - across * np.sqrt(t * t - r * r / (a @ a)))


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
def test_cone_over_free_columns_matches_closed_form(seed):
    """``min c·x + y0 + 2 y1`` with ``||x|| <= t <= y0, y1`` (y integer up to 5) and
    ``a·x >= r``: the shape of cvxpy's mixed-integer SOCPs (``x`` free, bounded only
    through the cone). The LP with the cut at the NLP optimum is bounded only if its
    gradient balances ``c`` exactly, so the search must cut off the LP's rays. The
    oracle: every ``y`` with ``t = min(y)`` (the bigger ball is never worse) in closed
    form. Seed None is cvxpy's ``mi_socp_1``."""
    rng = np.random.default_rng(seed)
    c, a, r = ((np.array([3.0, 2.0, 1.0]), np.array([1.0, 1.0, 3.0]), 0.1) if seed is None
               else (rng.normal(size=3) * 2, rng.normal(size=3), float(rng.uniform(0, 1))))
    m = bw.Model()
    y, x, t = m.integer("y", 0, 5, shape=2), m.continuous("x", shape=3), m.continuous("t")
    m.add(bw.norm2(x) <= t)
    m.add(t <= y[0])
    m.add(t <= y[1])
    m.add(x @ a >= r)
    m.minimize(x @ c + y[0] + 2 * y[1])
    oracle = min(y0 + 2 * y1 + _ball_and_halfspace(c, a, r, min(y0, y1))
                 for y0, y1 in itertools.product(range(6), repeat=2))
    res = m.solve(time_limit=60)
    assert res.status == "optimal" and res.verified, res.report.reason
    assert res.objective == pytest.approx(oracle, abs=1e-6)


def test_heuristic_mode_solves_a_nonconvex_model():
    m, x, y = disc_model()
    m.maximize(bw.exp(x) + y)
    res = m.solve(nonconvex="heuristic", time_limit=30)
    assert res.verified and res.x is not None
    assert res.objective <= np.exp(1) + 1 + 1e-6  # never better than the true maximum
