"""bw.CvxpySolver inside cvxpy: random MILPs, MIQPs and mixed-integer SOCPs against cvxpy's
own solvers (HiGHS, SCIP) and brute-force enumeration with Clarabel; statuses, limits,
options and refusals as cvxpy users expect them."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest

cp = pytest.importorskip("cvxpy")

import branchwise as bw  # noqa: E402
from branchwise.core.sparsekernels import SCIPY_FROM_NNZ  # noqa: E402
from branchwise.io.adapters.cvxpy_solver import conic_model  # noqa: E402
from branchwise.solver import SolveReport  # noqa: E402

SOLVER = bw.CvxpySolver()
HAS_SCIP = "SCIP" in cp.installed_solvers()
#: Agreement with the oracle's objective, relative to max(1, |objective|).
OBJECTIVE_TOL = 1e-5
#: Largest violation allowed on the returned point (cvxpy's constraint.violation()), relative
#: to the largest right-hand side, as branchwise scales its own check.
FEASIBILITY_TOL = 1e-6
#: The same for second-order cones, which branchwise meets by outer approximation.
CONE_TOL = 1e-5


def _same(value: float, expected: float, tol: float = OBJECTIVE_TOL) -> bool:
    return abs(value - expected) <= tol * max(1.0, abs(expected))


def _max_violation(prob: cp.Problem) -> float:
    return max((float(np.max(c.violation())) for c in prob.constraints), default=0.0)


def _integral(variables: list[cp.Variable]) -> bool:
    return all(np.allclose(v.value, np.round(v.value), atol=1e-6) for v in variables)


def _box_milp(seed: int, quadratic: bool = False) -> tuple[cp.Problem, list, float]:
    """A bounded mixed-integer problem made feasible around a random integral point: rows
    ``A x <= b`` (some as equalities), bounds both as cvxpy ``bounds=`` and as rows; a
    linear or convex quadratic objective, minimized or maximized."""
    rng = np.random.default_rng(seed)
    ni, nc, m = int(rng.integers(2, 5)), int(rng.integers(1, 4)), int(rng.integers(2, 6))
    xi = cp.Variable(ni, integer=True, bounds=[-3, 4])
    xb = cp.Variable(2, boolean=True)
    xc = cp.Variable(nc)
    x = cp.hstack([xi, xb, xc])
    n = ni + 2 + nc
    point = np.concatenate([rng.integers(-3, 5, ni), rng.integers(0, 2, 2),
                            rng.uniform(-2, 2, nc)])
    A = rng.integers(-5, 6, size=(m, n)).astype(float)  # noqa: N806
    b = A @ point + rng.uniform(0, 3, m)
    cons = [A @ x <= b, xc >= -5, xc <= 5]
    if rng.random() < 0.5:
        e = rng.integers(-3, 4, n).astype(float)
        e[ni + 2:] = 0.0
        cons.append(e @ x == e @ point)  # an integer-valued equality through the point
    c = rng.integers(-6, 7, n).astype(float)
    if quadratic:
        F = rng.normal(size=(n, n))  # noqa: N806
        target = rng.uniform(-3, 3, n)
        objective = cp.sum_squares(F @ x - target) + c @ x
    else:
        objective = c @ x
    sense = cp.Maximize(-objective) if rng.random() < 0.5 else cp.Minimize(objective)
    return cp.Problem(sense, cons), [xi, xb], max(1.0, float(np.abs(b).max()))


def _socp(seed: int, fixed: cp.Parameter | None = None) -> tuple[cp.Problem, list, float]:
    """A mixed-integer SOCP: two integers in [-2, 2], continuous variables in a box, cones
    ``||B x + d|| <= e·x + f`` through a random feasible point, a linear objective, plus a
    sum of squares or a Euclidean norm in two cases out of three. With ``fixed``, the
    integers are that parameter: the continuous SOCP of one assignment."""
    rng = np.random.default_rng(seed)
    xi = cp.Variable(2, integer=True) if fixed is None else fixed
    xc = cp.Variable(int(rng.integers(1, 4)))
    x = cp.hstack([xi, xc])
    n = x.size
    point = np.concatenate([rng.integers(-2, 3, 2), rng.uniform(-1, 1, xc.size)])
    cons, scale = [xc >= -3, xc <= 3], 3.0
    if fixed is None:
        cons += [xi >= -2, xi <= 2]
    for _ in range(int(rng.integers(1, 3))):
        B, d, e = rng.normal(size=(3, n)), rng.normal(size=3), rng.normal(size=n)  # noqa: N806
        f = np.linalg.norm(B @ point + d) - e @ point + rng.uniform(0.1, 1.0)
        cons.append(cp.norm(B @ x + d, 2) <= e @ x + f)
        scale = max(scale, abs(f))
    objective = rng.normal(size=n) @ x
    extra, target = int(rng.integers(3)), rng.uniform(-2, 2, n)
    if extra:
        objective = objective + (cp.sum_squares(x - target) if extra == 1
                                 else cp.norm(x - target, 2))
    return cp.Problem(cp.Minimize(objective), cons), [xi], scale


def _check_against(prob: cp.Problem, integers: list[cp.Variable], expected: float,
                   allowed_violation: float) -> None:
    prob.solve(solver=SOLVER)
    assert prob.status == cp.OPTIMAL
    assert _same(prob.value, expected), (prob.value, expected)
    assert _integral(integers)
    assert _max_violation(prob) <= allowed_violation


@pytest.mark.parametrize("seed", range(10))
def test_random_milp_matches_highs(seed: int) -> None:
    prob, integers, scale = _box_milp(seed)
    expected = prob.solve(solver=cp.HIGHS)
    assert prob.status == cp.OPTIMAL
    _check_against(prob, integers, expected, FEASIBILITY_TOL * scale)


@pytest.mark.skipif(not HAS_SCIP, reason="cvxpy has no SCIP interface here")
@pytest.mark.parametrize("seed", range(100, 106))
def test_random_miqp_matches_scip(seed: int) -> None:
    prob, integers, scale = _box_milp(seed, quadratic=True)
    expected = prob.solve(solver=cp.SCIP)
    assert prob.status == cp.OPTIMAL
    _check_against(prob, integers, expected, FEASIBILITY_TOL * scale)


@pytest.mark.skipif(not HAS_SCIP, reason="cvxpy has no SCIP interface here")
@pytest.mark.parametrize("seed", [201, 202, 204, 205])
def test_random_misocp_matches_scip(seed: int) -> None:
    prob, integers, scale = _socp(seed)
    expected = prob.solve(solver=cp.SCIP)
    assert prob.status == cp.OPTIMAL
    _check_against(prob, integers, expected, CONE_TOL * scale)


@pytest.mark.parametrize("seed", [304])
def test_misocp_matches_enumeration_with_clarabel(seed: int) -> None:
    """Every integer assignment fixed in turn, the continuous SOCP solved by Clarabel."""
    assignment = cp.Parameter(2)
    fixed, _, _ = _socp(seed, assignment)
    best = np.inf
    for values in itertools.product(range(-2, 3), repeat=2):
        assignment.value = np.array(values, dtype=float)
        fixed.solve(solver=cp.CLARABEL)
        if fixed.status == cp.OPTIMAL:
            best = min(best, fixed.value)
    assert np.isfinite(best)
    prob, integers, scale = _socp(seed)
    _check_against(prob, integers, best, CONE_TOL * scale)


@pytest.mark.parametrize("entries", [SCIPY_FROM_NNZ // 4, SCIPY_FROM_NNZ * 5 // 2])
def test_norm_objective_matches_clarabel_on_both_kernels(entries: int) -> None:
    """``||A w - b|| + n`` with an integer ``n``: the cone over ``w`` alone sits in front of
    columns it does not read, on either side of the switch to scipy's product."""
    rng = np.random.default_rng(entries)
    A, b = rng.normal(size=(entries // 10, 10)), rng.normal(size=entries // 10)  # noqa: N806
    w, n = cp.Variable(10), cp.Variable(integer=True)
    prob = cp.Problem(cp.Minimize(cp.norm(A @ w - b, 2) + n), [cp.abs(w) <= 5, n >= 0.5])
    separate = cp.Problem(cp.Minimize(cp.norm(A @ w - b, 2)), [cp.abs(w) <= 5])
    expected = separate.solve(solver=cp.CLARABEL) + 1  # n = 1, the least integer >= 0.5
    _check_against(prob, [n], expected, CONE_TOL)


def test_cvxpys_own_mi_socp_1_and_its_enumeration_with_clarabel() -> None:
    """cvxpy's helper checks objective and values against the answers it keeps (SCIP's,
    to 4 places); the optimum is then re-derived with each integer pair fixed in turn and
    the cone program solved by Clarabel."""
    from cvxpy.tests.solver_test_helpers import StandardTestSOCPs, mi_socp_1

    helper = StandardTestSOCPs.test_mi_socp_1(SOLVER)
    assert helper.prob.status == cp.OPTIMAL
    helper.check_primal_feasibility(6)
    original = mi_socp_1().prob
    y = next(v for v in original.variables() if v.attributes["integer"])
    pair = cp.Parameter(y.shape)
    as_pair = {id(y): pair}  # the same problem with y a parameter: a cone program
    fixed = cp.Problem(original.objective.tree_copy(as_pair),
                       [c.tree_copy(as_pair) for c in original.constraints])
    best = np.inf
    for values in itertools.product(range(6), repeat=2):  # y <= 5 and y >= ||x|| >= 0
        pair.value = np.array(values, dtype=float)
        fixed.solve(solver=cp.CLARABEL)
        if fixed.status == cp.OPTIMAL:
            best = min(best, fixed.value)
    assert _same(helper.prob.value, best, tol=1e-6), (helper.prob.value, best)


def test_infeasible_and_unbounded_statuses() -> None:
    x = cp.Variable(2, integer=True)
    between = cp.Problem(cp.Minimize(cp.sum(x)), [x >= 0.2, x <= 0.8])
    between.solve(solver=SOLVER)
    assert between.status == cp.INFEASIBLE and between.value == np.inf
    assert between.solver_stats.extra_stats.status == "infeasible"
    assert between.solver_stats.num_iters == between.solver_stats.extra_stats.nodes
    assert cp.Problem(cp.Minimize(cp.sum(x)), [x >= 0.2, x <= 0.8]).solve(solver=cp.HIGHS) == np.inf
    down = cp.Problem(cp.Minimize(x[0] - x[1]), [x[1] >= 0, x[1] <= 3])
    down.solve(solver=SOLVER)
    assert down.status == cp.UNBOUNDED and down.value == -np.inf
    up = cp.Problem(cp.Maximize(x[0]), [x[1] >= 0])
    up.solve(solver=SOLVER)
    assert up.status == cp.UNBOUNDED and up.value == np.inf


def _knapsack() -> tuple[cp.Problem, cp.Variable]:
    rng = np.random.default_rng(7)
    w, v = rng.integers(20, 60, size=(3, 40)), rng.integers(10, 50, 40)
    x = cp.Variable(40, boolean=True)
    return cp.Problem(cp.Maximize(v @ x), [w @ x <= w.sum(axis=1) / 2]), x


def test_node_limit_reports_user_limit_with_a_feasible_point() -> None:
    prob, x = _knapsack()
    optimum = prob.solve(solver=cp.HIGHS)
    with pytest.warns(UserWarning, match="inaccurate"):
        prob.solve(solver=SOLVER, node_limit=1)
    stats = prob.solver_stats
    assert stats.extra_stats.status == "node_limit" and stats.num_iters <= 1
    assert prob.status == cp.USER_LIMIT
    assert prob.value <= optimum + 1e-6 and _integral([x]) and _max_violation(prob) <= 1e-9


def test_solver_stats_and_options_pass_through() -> None:
    prob, _ = _knapsack()
    prob.solve(solver=SOLVER, time_limit=30, gap=1e-9, threads=1)
    stats = prob.solver_stats
    assert prob.status == cp.OPTIMAL and stats.solver_name == SOLVER.name()
    assert stats.solve_time > 0 and stats.num_iters == stats.extra_stats.nodes
    assert stats.setup_time > 0 and stats.extra_stats.verified
    prob.solve(solver=SOLVER, presolve=False, cut_rounds=0)
    assert "presolve" not in prob.solver_stats.extra_stats.report.stats
    with pytest.raises(ValueError, match="option"):
        prob.solve(solver=SOLVER, no_such_option=1)


def test_time_limit_zero_raises_solver_error_with_reason_and_stats() -> None:
    """No time, no point: cvxpy's SolverError (not a ValueError, not cvxpy's generic
    'Solver failed'), saying so, with this solve's statistics on the exception."""
    prob, _ = _knapsack()
    with pytest.raises(cp.error.SolverError, match="time limit before it found a solution"
                       ) as raised:
        prob.solve(solver=SOLVER, time_limit=0)
    stats = raised.value.solver_stats
    assert stats.solver_name == SOLVER.name() and stats.num_iters == 0
    assert stats.extra_stats.status == "time_limit" and stats.extra_stats.x is None
    assert raised.value.result is stats.extra_stats


def _handed_back(report: SolveReport) -> tuple[cp.Problem, dict, bw.Result]:
    """The knapsack's conic data turned into a model, ``report`` made its Result, and
    what ``invert`` gets after a solve that ended so (the engine's rarer endings cannot be
    provoked on demand)."""
    prob, _ = _knapsack()
    data, _, inverse = prob.get_problem_data(solver=SOLVER)
    model, x = conic_model(data)
    result = bw.Result(model, report)
    primal = None if result.x is None else np.asarray(result[x], dtype=float)
    return prob, {"result": result, "primal": primal}, inverse[-1]


def test_numerical_error_without_a_point_carries_the_engines_reason() -> None:
    reason = "a node's LP ended error, even from scratch"
    _, solution, inverse = _handed_back(SolveReport("numerical_error", None, None, -np.inf,
                                                    7, 0.25, reason=reason))
    with pytest.raises(cp.error.SolverError) as raised:
        SOLVER.invert(solution, inverse)
    message = str(raised.value)
    assert "could not solve a relaxation reliably" in message and message.endswith(reason)
    assert "7 nodes" in message and raised.value.solver_stats.num_iters == 7


def test_a_point_that_fails_verification_is_not_handed_to_cvxpy() -> None:
    """Every item taken breaks the knapsack rows: an error naming the broken row, not an
    'optimal_inaccurate' point."""
    _, solution, inverse = _handed_back(SolveReport("numerical_error", np.ones(40), None,
                                                    -np.inf, 3, 0.1, verified=True))
    assert not solution["result"].verified
    with pytest.raises(cp.error.SolverError, match=r"fails verification .* in constraint nonneg\["):
        SOLVER.invert(solution, inverse)


def test_continuous_problem_and_parameters() -> None:
    """A plain LP through the same class: values, no duals; a Parameter changes the data."""
    def lp(a: cp.Parameter) -> cp.Problem:
        y = cp.Variable(2)
        return cp.Problem(cp.Minimize(cp.sum(y)), [y >= 1, 2 * y[0] + y[1] == a])

    a = cp.Parameter(nonneg=True)
    prob, oracle = lp(a), lp(a)
    for value in (5.0, 9.0):
        a.value = value
        prob.solve(solver=SOLVER)
        assert prob.status == cp.OPTIMAL and _same(prob.value, oracle.solve(solver=cp.HIGHS))
    assert prob.constraints[0].dual_value is None


@pytest.mark.parametrize("make", [
    lambda y: cp.Problem(cp.Minimize(-cp.sum(cp.log(y))), [y <= 3]),         # exponential cone
    lambda y: cp.Problem(cp.Minimize(cp.sum(y)), [cp.bmat([[y[0], 1], [1, y[1]]]) >> 0]),  # PSD
])
def test_exponential_and_psd_cones_are_refused(make) -> None:
    with pytest.raises(cp.error.SolverError, match="cannot solve"):
        make(cp.Variable(2)).solve(solver=SOLVER)


def test_import_branchwise_does_not_import_cvxpy() -> None:
    code = "import sys, branchwise; assert 'cvxpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def _warm_knapsack() -> tuple[cp.Problem, cp.Variable, cp.Variable]:
    """A knapsack over two boolean variables, so one can hold a value and the other not."""
    weights = np.array([23, 31, 29, 44, 53, 38, 63, 85, 89, 82])
    values = np.array([92, 57, 49, 68, 60, 43, 67, 84, 87, 72])
    x, y = cp.Variable(5, boolean=True), cp.Variable(5, boolean=True)
    prob = cp.Problem(cp.Maximize(values[:5] @ x + values[5:] @ y),
                      [weights[:5] @ x + weights[5:] @ y <= 165])
    return prob, x, y


def test_warm_start_passes_the_variables_values_as_a_mip_start() -> None:
    prob, x, y = _warm_knapsack()
    cold = prob.solve(solver=SOLVER)
    assert prob.solver_stats.extra_stats.report.stats.get("start") is None
    best_x = x.value.copy()
    for given, outcome in ((best_x, "accepted"), (np.ones(5), "infeasible")):
        prob, x, y = _warm_knapsack()
        x.value = given  # y holds no value: a partial start
        assert prob.solve(solver=SOLVER, warm_start=True) == pytest.approx(cold)
        assert prob.solver_stats.extra_stats.report.stats["start"] == outcome
