"""Knapsack cover, c-MIR and clique separators: every cut keeps every feasible point we can
find (all of them for small pure-integer problems, HiGHS's optimum otherwise), and every
cut returned is violated by the LP point it was separated from."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse as sp

from branchwise.core.problem import Problem
from branchwise.io import read_problem
from branchwise.solver.options import SolveOptions
from branchwise.solver.relax.lp import NodeLP
from branchwise.solver.search import Search
from branchwise.solver.sepa.clique import CliqueSeparator, conflict_graph
from branchwise.solver.sepa.cut_rows import integer_rounded
from branchwise.solver.sepa.cuts import Cut, CutPool
from branchwise.solver.sepa.knapsack_cover import KnapsackCoverSeparator, lifted_cover
from branchwise.solver.sepa.mir import MIRParameters, MIRSeparator
from tests.paths import MIP
from tests.random_milp import random_milp
from tests.solver.test_cuts import assert_keeps, highs_optimum


def clique(problem: Problem) -> CliqueSeparator:
    """The clique separator set up (its conflict graph built) as a search on ``problem``
    sets it up."""
    separator = CliqueSeparator()
    separator.setup(Search(problem, SolveOptions()).setup)
    return separator


SEPARATORS: dict[str, Callable[[Problem], object]] = {
    "knapsack": lambda problem: KnapsackCoverSeparator(),
    "mir": lambda problem: MIRSeparator(),
    "clique": clique,
}


def separated_cuts(problem: Problem, kind: str, rounds: int = 3) -> list[Cut]:
    """Every cut one separator returns over a few root rounds (the pool's choice is added).

    Asserts that each cut is violated by the LP point it was separated from."""
    lp = NodeLP(problem)
    lp.set_bounds(*integer_rounded(problem.col_lower, problem.col_upper, problem.integrality))
    separator, pool, found = SEPARATORS[kind](problem), CutPool(), []
    result = lp.solve()
    for _ in range(rounds):
        if result.status != "optimal":
            break
        cuts = separator.separate(lp, result.x)
        for cut in cuts:
            assert cut.violation(result.x) > 0, "a returned cut must cut off the LP point"
            assert np.all(np.isfinite(cut.coefficients)) and np.isfinite(cut.rhs)
        chosen = pool.select(cuts, result.x)
        if not chosen:
            break
        found += cuts
        lp.add_rows(sp.csr_matrix(np.array([c.coefficients for c in chosen])),
                    np.array([c.rhs for c in chosen]), np.full(len(chosen), np.inf))
        result = lp.solve()
    return found


def assert_keeps_all(points: np.ndarray, cuts: list[Cut]) -> None:
    """No cut removes any of the points (one per row)."""
    if not cuts or not len(points):
        return
    alpha = np.array([cut.coefficients for cut in cuts])
    rhs = np.array([cut.rhs for cut in cuts])
    slack = points @ alpha.T - rhs
    assert slack.min() >= -1e-7, f"a cut removes a feasible point by {-slack.min()}"


# ------------------------------------------------------------------ hand-checked cuts
def test_lifted_cover_of_textbook_knapsack() -> None:
    """11y1 + 6y2 + 6y3 + 5y4 + 5y5 + 4y6 + y7 <= 19 with the minimal cover {3,4,5,6}:
    lifting y1 then y2 then y7 gives 2y1 + y2 + y3 + y4 + y5 + y6 <= 3 (Wolsey, IP)."""
    weights = np.array([11.0, 6, 6, 5, 5, 4, 1])
    values = np.array([0.0, 0, 1, 1, 1, 0.75, 0])
    alpha, rhs = lifted_cover(weights, values, 19.0)
    np.testing.assert_array_equal(alpha, [2, 1, 1, 1, 1, 1, 0])
    assert rhs == 3.0


def test_knapsack_cover_separator_finds_minimal_cover() -> None:
    """max 5x1 + 5x2 + 5x3 + 8x4 s.t. 5x1 + 5x2 + 5x3 + 8x4 <= 12: the LP point
    (1, 0, 1, 1/4) violates the minimal cover x3 + x4 <= 1."""
    problem = _single_row_problem([5.0, 5, 5, 8], 12.0, integer=[True] * 4, upper=[1.0] * 4)
    lp = NodeLP(problem)
    x = lp.solve().x
    np.testing.assert_allclose(x, [1, 0, 1, 0.25])
    (cut,) = KnapsackCoverSeparator().separate(lp, x)
    np.testing.assert_allclose(cut.coefficients, [0, 0, -1, -1])
    assert cut.rhs == -1.0


def test_knapsack_cover_complements_negative_coefficients() -> None:
    """4x1 - 3x2 + 4x3 <= 2, i.e. 4x1 + 3(1 - x2) + 4x3 <= 5: cover {x1, x3} -> x1 + x3 <= 1."""
    problem = _single_row_problem([4.0, -3, 4], 2.0, integer=[True] * 3, upper=[1.0] * 3,
                                  c=[-1.0, 0.0, -1.0])
    lp = NodeLP(problem)
    x = lp.solve().x
    cuts = KnapsackCoverSeparator().separate(lp, x)
    assert cuts
    for cut in cuts:
        assert_keeps_all(_enumerate(problem), [cut])


def test_two_variable_mir() -> None:
    """x - y <= 1.5 with x integer in [0, 10], y in [0, 10]: the MIR is x - 2y <= 1,
    which cuts off the LP optimum (1.5, 0) of max x - 2.5y."""
    problem = _single_row_problem([1.0, -1.0], 1.5, integer=[True, False], upper=[10.0, 10.0],
                                  c=[-1.0, 2.5])
    lp = NodeLP(problem)
    x = lp.solve().x
    np.testing.assert_allclose(x, [1.5, 0.0])
    (cut,) = MIRSeparator().separate(lp, x)
    np.testing.assert_allclose(cut.coefficients, [-0.5, 1.0], rtol=1e-4)
    np.testing.assert_allclose(cut.rhs, -0.5, rtol=1e-4)


def test_mir_through_a_variable_upper_bound() -> None:
    """Demand x1 + x2 >= 3, flow x1 <= 5y with y binary, x2 in [0, 10]: substituting the
    variable bound, the MIR with δ = 5 is the flow cover x2 + 3y >= 3, violated by the LP
    optimum x = (3, 0), y = 0.6 of min 4x2 + 10y."""
    A = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [1.0, 0.0, -5.0]]))
    problem = Problem(c=np.array([0.0, 4.0, 10.0]), A=A, row_lower=np.array([3.0, -np.inf]),
                      row_upper=np.array([np.inf, 0.0]), col_lower=np.zeros(3),
                      col_upper=np.array([10.0, 10.0, 1.0]),
                      integrality=np.array([False, False, True]))
    lp = NodeLP(problem)
    x = lp.solve().x
    np.testing.assert_allclose(x, [3.0, 0.0, 0.6])
    cut = max(MIRSeparator().separate(lp, x), key=lambda cut: cut.violation(x))
    np.testing.assert_allclose(cut.coefficients, [0.0, 1 / 3, 1.0], atol=1e-5)
    np.testing.assert_allclose(cut.rhs, 1.0, atol=1e-5)


def test_mir_along_a_path_of_rows() -> None:
    """Demand x2 >= 3 reaches node 2 through x1 = x2 with x1 <= 5y: no single row gives a
    cut, but eliminating x2 between the first two rows gives -x1 <= -3, whose MIR after
    substituting x1 = 5y - t is y >= 1."""
    A = sp.csr_matrix(np.array([[0.0, 1.0, 0.0], [1.0, -1.0, 0.0], [1.0, 0.0, -5.0]]))
    problem = Problem(c=np.array([0.0, 0.0, 1.0]), A=A, row_lower=np.array([3.0, 0.0, -np.inf]),
                      row_upper=np.array([np.inf, 0.0, 0.0]), col_lower=np.zeros(3),
                      col_upper=np.array([10.0, 10.0, 1.0]),
                      integrality=np.array([False, False, True]))
    lp = NodeLP(problem)
    x = lp.solve().x
    np.testing.assert_allclose(x, [3.0, 3.0, 0.6])
    assert not MIRSeparator(MIRParameters(max_aggregations=0)).separate(lp, x)
    (cut,) = MIRSeparator().separate(lp, x)
    np.testing.assert_allclose(cut.coefficients, [0.0, 0.0, 1.0])
    np.testing.assert_allclose(cut.rhs, 1.0)


def test_mir_skips_a_variable_bound_taken_from_the_row_itself() -> None:
    """x - y <= 0.5 is also the variable bound y >= x - 0.5; measuring y from it would
    cancel the row, so y is measured from its simple bound 0.2 and the MIR is x <= 0."""
    problem = _single_row_problem([1.0, -1.0], 0.5, integer=[True, False], upper=[3.0, 0.2],
                                  c=[-1.0, 0.0])
    lp = NodeLP(problem)
    x = lp.solve().x
    np.testing.assert_allclose(x, [0.7, 0.2])
    (cut,) = MIRSeparator().separate(lp, x)
    np.testing.assert_allclose(cut.coefficients, [-1.0, 0.0])
    assert cut.rhs == 0.0


def test_clique_from_pairwise_conflicts() -> None:
    """x1 + x2 <= 1, x2 + x3 <= 1, x1 + x3 <= 1 allow (1/2, 1/2, 1/2); the clique
    x1 + x2 + x3 <= 1 cuts it off."""
    A = sp.csr_matrix(np.array([[1.0, 1, 0], [0, 1, 1], [1, 0, 1]]))
    problem = Problem(c=-np.ones(3), A=A, row_lower=np.full(3, -np.inf), row_upper=np.ones(3),
                      col_lower=np.zeros(3), col_upper=np.ones(3),
                      integrality=np.ones(3, dtype=bool))
    lp = NodeLP(problem)
    x = lp.solve().x
    (cut,) = clique(problem).separate(lp, x)
    np.testing.assert_allclose(cut.coefficients, [-1, -1, -1])
    assert cut.rhs == -1.0


def test_conflict_graph_uses_complements() -> None:
    """x1 - x2 <= 0 (x1 implies x2) is the edge between x1 and the complement of x2."""
    problem = _single_row_problem([1.0, -1.0], 0.0, integer=[True, True], upper=[1.0, 1.0])
    graph = conflict_graph(problem)
    np.testing.assert_array_equal(graph.neighbours(0), [2, 3])  # not-x1 and not-x2
    np.testing.assert_array_equal(graph.neighbours(3), [0, 1])


# --------------------------------------------------------- exhaustive small problems
@pytest.mark.parametrize("kind", SEPARATORS)
@pytest.mark.parametrize("seed", range(80))
def test_cuts_keep_every_feasible_point(kind: str, seed: int) -> None:
    problem = _small_problem(seed)
    points = _enumerate(problem)
    if not len(points):
        pytest.skip("no feasible point")
    assert_keeps_all(points, separated_cuts(problem, kind))


@pytest.mark.parametrize("kind", SEPARATORS)
def test_small_problems_exercise_the_separator(kind: str) -> None:
    """The exhaustive checks above are not vacuous: the separator cuts on many of them."""
    cutting = sum(bool(separated_cuts(_small_problem(seed), kind, rounds=1)) for seed in range(80))
    assert cutting >= 10


@pytest.mark.parametrize("kind", SEPARATORS)
@pytest.mark.parametrize("seed", range(60))
def test_cuts_keep_mixed_integer_minimum(kind: str, seed: int) -> None:
    """On small mixed problems, HiGHS minimises each cut over the whole mixed-integer set."""
    problem = _small_problem(seed, continuous=2) if seed % 2 else random_milp(seed)
    if not np.isfinite(problem.col_lower).all() or not np.isfinite(problem.col_upper).all():
        problem = _boxed(problem)
    for cut in separated_cuts(problem, kind):
        low = _minimum(problem, cut.coefficients)
        assert low is None or low >= cut.rhs - 1e-6 * max(1.0, abs(cut.rhs))


# -------------------------------------------------------------------------- MIPLIB
MIPLIB = [
    ("knapsack", "p0033"), ("knapsack", "lseu"), ("knapsack", "p0548"), ("knapsack", "gen"),
    ("mir", "p0033"), ("mir", "lseu"), ("mir", "bell5"), ("mir", "gesa2"), ("mir", "pp08a"),
    ("mir", "vpm1"), ("mir", "egout"), ("mir", "gt2"),
    ("clique", "p0033"), ("clique", "p0548"), ("clique", "gen"),
]


@functools.cache
def _miplib(name: str) -> tuple[Problem, np.ndarray]:
    problem = read_problem(MIP / f"{name}.mps.gz")
    return problem, highs_optimum(problem)


@pytest.mark.parametrize(("kind", "name"), MIPLIB)
def test_cuts_keep_miplib_optimum(kind: str, name: str) -> None:
    problem, optimum = _miplib(name)
    cuts = separated_cuts(problem, kind)
    assert cuts, f"the {kind} separator should find cuts on {name}"
    assert_keeps(optimum, cuts)


# ----------------------------------------------------------------------- helpers
def _single_row_problem(a: list[float], b: float, integer: list[bool], upper: list[float],
                        c: list[float] | None = None) -> Problem:
    """max a·x (or min c·x) subject to a·x <= b and 0 <= x <= upper."""
    a_arr = np.array(a)
    return Problem(c=np.array(c) if c is not None else -a_arr, A=sp.csr_matrix(a_arr[None, :]),
                   row_lower=np.array([-np.inf]), row_upper=np.array([b]),
                   col_lower=np.zeros(len(a)), col_upper=np.array(upper),
                   integrality=np.array(integer))


def _small_problem(seed: int, continuous: int = 0) -> Problem:
    """A problem small enough to enumerate its integer points: up to 12 binaries, or a few
    general integers in short ranges, plus ``continuous`` bounded continuous columns; rows
    are knapsacks, packings, pairwise conflicts or implications, mixed-sign rows and
    variable upper bounds of continuous columns by integer ones."""
    rng = np.random.default_rng(seed)
    n_int = int(rng.integers(3, 13 - continuous))
    n = n_int + continuous
    binary = rng.random() < 0.6
    upper = np.ones(n) if binary else rng.integers(1, 4, n).astype(float)
    lower = -rng.integers(0, 2, n).astype(float) if not binary and rng.random() < 0.5 else (
        np.zeros(n))
    while np.prod(upper[:n_int] - lower[:n_int] + 1) > 5000:
        upper[np.argmax(upper[:n_int] - lower[:n_int])] -= 1
    upper[n_int:] = rng.uniform(1.0, 6.0, continuous).round(1)
    rows, sides = [], []
    for _ in range(int(rng.integers(1, 10))):
        shape = rng.choice(("knapsack", "packing", "mixed", "pair", "bound"),
                           p=(0.2, 0.15, 0.2, 0.3, 0.15))
        support = rng.random(n) < rng.uniform(0.3, 1.0)
        a, side = np.zeros(n), None
        if shape == "packing":
            a = support * 1.0
        elif shape == "knapsack":
            a = support * rng.integers(1, 20, n)
        elif shape == "mixed":
            a = support * rng.integers(-9, 10, n) * (1.0 if rng.random() < 0.5 else 0.37)
        elif shape == "pair":
            i, j = rng.choice(n_int, 2, replace=False)
            a[[i, j]] = rng.choice((-1.0, 1.0), 2)
            side = float((a > 0).sum() - 1)
        elif continuous:
            a[n_int + rng.integers(continuous)] = 1.0
            a[rng.integers(n_int)] = -float(rng.integers(1, 8))
            side = 0.0
        rows.append(a)
        sides.append(side)
    A = np.array(rows, dtype=float)
    ref = np.concatenate([rng.integers(lower[:n_int].astype(int), upper[:n_int].astype(int) + 1),
                          rng.uniform(lower[n_int:], upper[n_int:])])
    slack = np.round(rng.uniform(0.0, 0.4 * np.abs(A).sum(axis=1) + 1.0), 2)
    b = np.array([s if s is not None else r for s, r in zip(sides, A @ ref + slack, strict=True)])
    integrality = np.arange(n) < n_int
    return Problem(c=-rng.integers(-3, 10, n).astype(float), A=sp.csr_matrix(A),
                   row_lower=np.full(len(rows), -np.inf), row_upper=b, col_lower=lower,
                   col_upper=upper, integrality=integrality)


def _enumerate(problem: Problem) -> np.ndarray:
    """Every integer point of a small pure-integer problem that satisfies its rows exactly."""
    bounds = zip(problem.col_lower, problem.col_upper, strict=True)
    ranges = [np.arange(lo, up + 1) for lo, up in bounds]
    points = np.array(list(itertools.product(*ranges)), dtype=float)
    activity = points @ problem.A.T.toarray()
    ok = np.all((activity >= problem.row_lower - 1e-9) & (activity <= problem.row_upper + 1e-9),
                axis=1)
    return points[ok]


def _boxed(problem: Problem) -> Problem:
    """The problem with infinite column bounds replaced by +-20 (a valid restriction to test
    cuts of, since the separators see the same bounds)."""
    lower = np.where(np.isfinite(problem.col_lower), problem.col_lower, -20.0)
    upper = np.where(np.isfinite(problem.col_upper), problem.col_upper, 20.0)
    return Problem(c=problem.c, A=problem.A, row_lower=problem.row_lower,
                   row_upper=problem.row_upper, col_lower=np.minimum(lower, upper),
                   col_upper=np.maximum(lower, upper), integrality=problem.integrality)


def _minimum(problem: Problem, objective: np.ndarray) -> float | None:
    """min objective·x over the mixed-integer set, by HiGHS (None when infeasible)."""
    optimum = highs_optimum(Problem(c=objective, A=problem.A, row_lower=problem.row_lower,
                                    row_upper=problem.row_upper, col_lower=problem.col_lower,
                                    col_upper=problem.col_upper,
                                    integrality=problem.integrality))
    return None if optimum is None else float(objective @ optimum)
