"""The objective step: proven on the right models, refused on the others, and a search that
rounds with it still finds HiGHS's optimum (max-min models where the LP bound is off-step)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from branchwise.core.problem import Problem
from branchwise.solver import SolveOptions, solve
from branchwise.solver.tree.objective_step import objective_step
from tests.oracle import oracle_solve


def bottleneck(seed: int, maximize: bool = True, divisor: float = 2.0) -> Problem:
    """max t s.t. divisor·t <= Σ_j w_kj x_kj for each group k, x_kj binary, each item j
    in at most one group, and a few side rows: the b-ball shape (t continuous)."""
    rng = np.random.default_rng(seed)
    groups, items = int(rng.integers(2, 5)), int(rng.integers(4, 9))
    n = 1 + groups * items
    rows, lower, upper = [], [], []
    for k in range(groups):
        row = np.zeros(n)
        row[0] = divisor
        row[1 + k * items: 1 + (k + 1) * items] = -rng.integers(1, 6, items)
        rows.append(row), lower.append(-np.inf), upper.append(0.0)
    for j in range(items):
        row = np.zeros(n)
        row[1 + j + items * np.arange(groups)] = 1.0
        rows.append(row), lower.append(-np.inf), upper.append(1.0)
    sign = 1.0 if maximize else -1.0
    c = np.zeros(n)
    c[0] = sign
    return Problem(c=c, A=sp.csr_matrix(np.array(rows)), row_lower=np.array(lower),
                   row_upper=np.array(upper), col_lower=np.zeros(n),
                   col_upper=np.r_[np.inf, np.ones(n - 1)],
                   integrality=np.r_[False, np.ones(n - 1, dtype=bool)], maximize=maximize,
                   name=f"bottleneck-{seed}")


def steps(problem: Problem) -> float | None:
    return objective_step(problem, np.flatnonzero(problem.integrality))


def test_integer_costs_give_their_gcd() -> None:
    problem = bottleneck(0)
    problem.c[:] = 0.0
    problem.c[1:4] = [10.0, 15.0, 25.0]
    assert steps(problem) == 5.0


def test_continuous_column_on_a_lattice() -> None:
    assert steps(bottleneck(0, divisor=2.0)) == 0.5
    assert steps(bottleneck(0, maximize=False, divisor=4.0)) == 0.25


def test_refused_when_a_limit_holds_a_continuous_column() -> None:
    problem = bottleneck(0)
    problem.integrality[1] = False
    assert steps(problem) is None


def test_refused_for_irrational_coefficients() -> None:
    problem = bottleneck(0, divisor=np.sqrt(2.0))
    assert steps(problem) is None


def test_incumbent_off_the_step_still_searches_below() -> None:
    """An incumbent between steps must not prune the step just below it."""
    from branchwise.solver.relax.lp import NodeLP
    from branchwise.solver.tree.incumbent import Incumbent

    problem = bottleneck(0, maximize=False)
    lp = NodeLP(problem)
    incumbent = Incumbent(problem, lp, np.flatnonzero(problem.integrality), SolveOptions())
    incumbent.value, incumbent.x = 1.4, np.zeros(problem.n_cols)  # next step below: 1.0
    assert incumbent.objective_step == 0.5
    assert 1.0 < incumbent.cutoff < 1.4
    assert incumbent.round_bound(0.6) == 1.0


@pytest.mark.parametrize("seed", range(30))
def test_bottleneck_matches_highs(seed: int) -> None:
    problem = bottleneck(seed, maximize=bool(seed % 2), divisor=float(1 + seed % 4))
    reference = oracle_solve(problem)
    report = solve(problem, SolveOptions(time_limit=20.0, gap=1e-9))
    assert report.status == reference.status == "optimal"
    assert report.objective == pytest.approx(reference.objective, abs=1e-6)
