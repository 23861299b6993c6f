"""The engine on problems with convex quadratic rows and objectives (LP/NLP branch-and-bound
with outer approximation, and HiGHS QP at the nodes), against brute-force enumeration of
small integer domains and closed forms."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp

from branchwise.core.problem import Problem
from branchwise.core.smooth import NonconvexError, NonlinearRows, QuadraticFunction
from branchwise.core.tolerances import FEASIBILITY
from branchwise.solver import SolveOptions, solve
from branchwise.solver.presolve.merge_rows import merge_row_blocks
from branchwise.solver.relax.outer_approximation import OuterApproximation


def _random_convex_problem(seed: int, with_objective_q: bool) -> Problem:
    """A pure-integer problem in [-3, 3]^n with convex quadratic rows (and objective)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 5))
    rows = int(rng.integers(1, 3))
    hessians, linear, upper = [], [], []
    for _ in range(rows):
        factor = rng.normal(size=(n, n))
        hessians.append(sp.csr_matrix(factor @ factor.T / n))
        linear.append(rng.normal(size=n))
        upper.append(float(rng.uniform(2.0, 12.0)))
    A = sp.csr_matrix(rng.integers(-2, 3, size=(1, n)).astype(float))  # noqa: N806
    Q = None  # noqa: N806
    if with_objective_q:
        factor = rng.normal(size=(n, n))
        Q = sp.csr_matrix(factor @ factor.T)  # noqa: N806
    return Problem(
        c=rng.normal(size=n), A=A, row_lower=[-np.inf], row_upper=[float(rng.integers(0, 4))],
        col_lower=np.full(n, -3.0), col_upper=np.full(n, 3.0), integrality=np.ones(n, bool),
        Q=Q, maximize=bool(rng.integers(0, 2)) and Q is None,
        nonlinear=[NonlinearRows(QuadraticFunction(hessians, sp.csr_matrix(np.array(linear))),
                                 -np.inf, np.array(upper))],
    )


def _enumerate(problem: Problem) -> float | None:
    """The best objective over every integer point of the box (None if none is feasible)."""
    ranges = [range(int(lo), int(hi) + 1) for lo, hi in zip(problem.col_lower,
                                                           problem.col_upper, strict=True)]
    best = None
    for point in itertools.product(*ranges):
        x = np.array(point, dtype=float)
        if problem.violation(x)[0] <= 0.0:
            value = problem.objective_value(x)
            if best is None or (value > best if problem.maximize else value < best):
                best = value
    return best


@pytest.mark.parametrize("seed", range(40))
def test_convex_quadratic_rows_match_enumeration(seed: int) -> None:
    problem = _random_convex_problem(seed, with_objective_q=False)
    expected = _enumerate(problem)
    report = solve(problem, SolveOptions(time_limit=60))
    if expected is None:
        assert report.status == "infeasible"
        return
    assert report.status == "optimal"
    assert report.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)
    assert problem.violation(report.x)[0] <= FEASIBILITY
    assert (report.bound <= expected + 1e-6) if not problem.maximize else (
        report.bound >= expected - 1e-6)


@pytest.mark.parametrize("relaxation", ["qp", "outer"])
@pytest.mark.parametrize("seed", range(20))
def test_quadratic_objective_matches_enumeration(seed: int, relaxation: str) -> None:
    problem = _random_convex_problem(1000 + seed, with_objective_q=True)
    expected = _enumerate(problem)
    report = solve(problem, SolveOptions(time_limit=60, quadratic_objective=relaxation))
    if expected is None:
        assert report.status == "infeasible"
        return
    assert report.status == "optimal"
    assert report.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)
    assert report.bound <= expected + 1e-6 * max(1.0, abs(expected))


def _disk(integer: bool, radius_squared: float = 1.5) -> Problem:
    """max x + y over x² + y² <= r² (as a minimisation of -x - y), in [-3, 3]²."""
    disk = QuadraticFunction([2.0 * sp.eye(2)], sp.csr_matrix((1, 2)))
    return Problem(c=[-1.0, -1.0], A=sp.csr_matrix((0, 2)), row_lower=[], row_upper=[],
                   col_lower=[-3, -3], col_upper=[3, 3], integrality=[integer, integer],
                   nonlinear=[NonlinearRows(disk, -np.inf, radius_squared)])


def test_continuous_convex_problem_reaches_the_closed_form() -> None:
    report = solve(_disk(integer=False))
    assert report.status == "optimal"
    assert report.objective == pytest.approx(-math.sqrt(3.0), rel=1e-7)
    assert report.bound <= report.objective + 1e-9


def test_integer_points_inside_a_disk() -> None:
    report = solve(_disk(integer=True))
    assert report.status == "optimal"
    assert report.objective == -1.0
    assert sorted(report.x) == [0.0, 1.0]


def test_a_nonconvex_row_is_refused_with_its_name() -> None:
    problem = _disk(integer=False)
    problem.nonlinear[0].lower, problem.nonlinear[0].upper = np.array([1.0]), np.array([np.inf])
    problem.nonlinear[0].names = ["outside_disk"]
    with pytest.raises(NonconvexError, match="outside_disk"):
        solve(problem)


def test_a_nonconvex_problem_searched_as_a_heuristic_proves_nothing() -> None:
    # min x + 2y with x² + y² >= 1 (outside the unit disk) in [0, 3]²: the LP point (0, 0)
    # violates the row, so the answer comes from a local NLP solve, which proves nothing.
    outside = QuadraticFunction([2.0 * sp.eye(2)], sp.csr_matrix((1, 2)))
    problem = Problem(c=[1.0, 2.0], A=sp.csr_matrix((0, 2)), row_lower=[], row_upper=[],
                      col_lower=[0, 0], col_upper=[3, 3], integrality=[False, False],
                      nonlinear=[NonlinearRows(outside, 1.0, np.inf)])
    report = solve(problem, SolveOptions(nonconvex="heuristic"))
    assert report.status == "feasible"
    assert report.bound == -math.inf
    assert problem.violation(report.x)[0] <= FEASIBILITY
    assert report.objective >= 1.0 - 1e-6  # the optimum is 1, at (1, 0)


def test_nonconvex_rows_over_integers_only_are_solved_exactly() -> None:
    # x·y >= 2 over integers in [0, 3]: closing a node needs no local NLP (every column is
    # fixed there), so the heuristic mode still proves the optimum.
    product = QuadraticFunction([sp.csr_matrix([[0.0, 1.0], [1.0, 0.0]])], sp.csr_matrix((1, 2)))
    problem = Problem(c=[1.0, 2.0], A=sp.csr_matrix((0, 2)), row_lower=[], row_upper=[],
                      col_lower=[0, 0], col_upper=[3, 3], integrality=[True, True],
                      nonlinear=[NonlinearRows(product, 2.0, np.inf)])
    report = solve(problem, SolveOptions(nonconvex="heuristic"))
    assert report.status == "optimal"
    assert report.objective == pytest.approx(_enumerate(problem))


@pytest.mark.parametrize("seed", range(30))
def test_outer_approximation_cuts_keep_every_feasible_integer_point(seed: int) -> None:
    # Tangent cuts on convex rows, and the integer secants on separable squares, at a random
    # fractional point: no integer point of the box that satisfies the row may be cut off.
    rng = np.random.default_rng(seed)
    n = 3
    diagonal = sp.diags(rng.uniform(0.1, 3.0, size=n))
    factor = rng.normal(size=(n, n))
    hessian = diagonal if seed % 2 else sp.csr_matrix(factor @ factor.T) + diagonal
    rows = QuadraticFunction([sp.csr_matrix(hessian)], sp.csr_matrix(rng.normal(size=(1, n))))
    problem = Problem(c=np.zeros(n), A=sp.csr_matrix((0, n)), row_lower=[], row_upper=[],
                      col_lower=np.full(n, -3.0), col_upper=np.full(n, 3.0),
                      integrality=rng.integers(0, 2, size=n).astype(bool),
                      nonlinear=[NonlinearRows(rows, -np.inf, float(rng.uniform(0.5, 6.0)))])
    cuts = OuterApproximation(problem).cuts(rng.uniform(-3, 3, size=n), problem.col_lower,
                                            problem.col_upper, threshold=-np.inf)
    assert cuts is not None
    grid = np.linspace(-3, 3, 13)  # integers and half-integers
    for point in itertools.product(*[range(-3, 4) if integer else grid
                                     for integer in problem.integrality]):
        x = np.array(point, dtype=float)
        if problem.violation(x)[0] <= 0.0:
            assert np.all(cuts.rows @ x <= cuts.upper + 1e-9)


def _free_ball(n: int, centre: np.ndarray, radius: float, hessian: np.ndarray) -> Problem:
    """``(x - centre)ᵀ H (x - centre) <= radius²`` over free columns, no linear rows."""
    rows = QuadraticFunction([sp.csr_matrix(2 * hessian)],
                             sp.csr_matrix(-2 * (hessian @ centre)[None, :]),
                             np.array([centre @ hessian @ centre]))
    return Problem(c=np.zeros(n), A=sp.csr_matrix((0, n)), row_lower=[], row_upper=[],
                   col_lower=np.full(n, -np.inf), col_upper=np.full(n, np.inf),
                   integrality=np.zeros(n, bool),
                   nonlinear=[NonlinearRows(rows, -np.inf, radius ** 2)])


@pytest.mark.parametrize("seed", range(10))
def test_ray_cuts_end_the_ray_and_keep_the_feasible_set(seed: int) -> None:
    # An unbounded LP's ray from any point leaves a bounded convex set: the cut must grow
    # along the ray (so the LP cannot follow it) and hold at every point of the set.
    rng = np.random.default_rng(seed)
    n = 3
    factor = rng.normal(size=(n, n))
    hessian = factor @ factor.T + 0.1 * np.eye(n)
    centre, radius = rng.normal(size=n), float(rng.uniform(0.5, 2.0))
    problem = _free_ball(n, centre, radius, hessian)
    ray = rng.normal(size=n)
    cuts = OuterApproximation(problem).ray_cuts(rng.normal(size=n) * 3, ray,
                                                problem.col_lower, problem.col_upper)
    assert cuts is not None
    assert np.all(cuts.rows @ ray > 0)
    inside = np.linalg.cholesky(np.linalg.inv(hessian))  # maps the unit ball onto the set
    for direction in rng.normal(size=(200, n)):
        x = centre + radius * inside @ (direction / np.linalg.norm(direction))
        assert np.all(cuts.rows @ x <= cuts.upper + 1e-9)


def test_a_ray_the_rows_allow_gets_no_cut() -> None:
    # The row reads x0 only: along x1 nothing is ever violated, so no cut can end that ray.
    problem = _free_ball(2, np.zeros(2), 1.0, np.diag([1.0, 0.0]))
    outer = OuterApproximation(problem)
    bounds = problem.col_lower, problem.col_upper
    assert outer.ray_cuts(np.zeros(2), np.array([0.0, 1.0]), *bounds) is None
    assert outer.ray_cuts(np.zeros(2), np.array([1.0, 1.0]), *bounds) is not None


def test_merged_quadratic_blocks_evaluate_like_the_separate_ones() -> None:
    rng = np.random.default_rng(7)
    blocks = []
    for k in range(3):
        factor = rng.normal(size=(3, 3))
        function = QuadraticFunction([sp.csr_matrix(factor @ factor.T)],
                                     sp.csr_matrix(rng.normal(size=(1, 3))), [float(k)])
        blocks.append(NonlinearRows(function, -np.inf, 1.0 + k, [f"q{k}"]))
    problem = Problem(c=np.ones(3), A=sp.csr_matrix((0, 3)), row_lower=[], row_upper=[],
                      col_lower=np.full(3, -2.0), col_upper=np.full(3, 2.0),
                      integrality=np.zeros(3, bool), nonlinear=blocks)
    merged = merge_row_blocks(problem)
    assert len(merged.nonlinear) == 1 and merged.nonlinear[0].names == ["q0", "q1", "q2"]
    for x in rng.uniform(-2, 2, size=(20, 3)):
        expected = np.concatenate([b.function.value(x) for b in blocks])
        assert np.allclose(merged.nonlinear[0].function.value(x), expected)
        assert problem.violation(x) == pytest.approx(merged.violation(x))


@pytest.mark.parametrize("seed", range(25))
def test_nonconvex_binary_quadratic_objective_is_solved_exactly(seed: int) -> None:
    # Products of binaries are linearised exactly: an indefinite Q over 0/1 columns gets a
    # proven optimum, checked by enumerating every 0/1 point.
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 8))
    Q = rng.normal(size=(n, n))  # noqa: N806
    Q = sp.csr_matrix(Q + Q.T)  # noqa: N806 (indefinite in general)
    problem = Problem(c=rng.normal(size=n), A=sp.csr_matrix(rng.integers(0, 2, size=(1, n))),
                      row_lower=[1.0], row_upper=[float(n - 1)], col_lower=np.zeros(n),
                      col_upper=np.ones(n), integrality=np.ones(n, bool), Q=Q,
                      maximize=bool(seed % 2))
    assert problem.is_convex()  # counts as convex: the engine takes it exactly
    report = solve(problem)
    expected = _enumerate(problem)
    if expected is None:
        assert report.status == "infeasible"
        return
    assert report.status == "optimal"
    assert report.objective == pytest.approx(expected, abs=1e-6)
    assert report.bound == pytest.approx(expected, abs=1e-6)
