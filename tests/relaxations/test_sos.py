"""Native SOS branching against binary big-M formulations solved by HiGHS's own MIP."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from branchwise.core.problem import Problem
from branchwise.solver import SolveOptions, solve
from tests.oracle import oracle_solve

OPTIONS = SolveOptions(time_limit=20.0, gap=1e-9)


def complementarity_problem(seed: int) -> tuple[Problem, Problem]:
    """A random LP with k pairs y_i ⊥ z_i (SOS1), and the same with binaries and big-M."""
    rng = np.random.default_rng(seed)
    k, extra = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    n = 2 * k + extra
    m = int(rng.integers(1, 5))
    A = rng.integers(-3, 4, size=(m, n)).astype(float)
    activity_at_ones = A @ np.ones(n)
    row_lower = np.where(rng.random(m) < 0.5, activity_at_ones - rng.integers(1, 6, m), -np.inf)
    row_upper = activity_at_ones + rng.integers(1, 6, m)
    c = rng.integers(-5, 6, n).astype(float)
    upper = rng.integers(1, 6, n).astype(float)
    pairs = [np.array([2 * i, 2 * i + 1]) for i in range(k)]
    native = Problem(c=c, A=sp.csr_matrix(A), row_lower=row_lower, row_upper=row_upper,
                     col_lower=np.zeros(n), col_upper=upper, integrality=np.zeros(n, bool),
                     sos1=pairs, name=f"complementarity_{seed}")
    # y <= U_y b, z <= U_z (1 - b) with one binary b per pair.
    bigm_rows, lower, upp = [], [], []
    for i, (y, z) in enumerate(pairs):
        row = np.zeros(n + k)
        row[y], row[n + i] = 1.0, -upper[y]
        bigm_rows.append(row)
        lower.append(-np.inf)
        upp.append(0.0)
        row = np.zeros(n + k)
        row[z], row[n + i] = 1.0, upper[z]
        bigm_rows.append(row)
        lower.append(-np.inf)
        upp.append(upper[z])
    full_A = sp.vstack([sp.hstack([sp.csr_matrix(A), sp.csr_matrix((m, k))]),
                        sp.csr_matrix(np.array(bigm_rows))]).tocsr()
    bigm = Problem(c=np.concatenate([c, np.zeros(k)]), A=full_A,
                   row_lower=np.concatenate([row_lower, lower]),
                   row_upper=np.concatenate([row_upper, upp]),
                   col_lower=np.zeros(n + k), col_upper=np.concatenate([upper, np.ones(k)]),
                   integrality=np.concatenate([np.zeros(n, bool), np.ones(k, bool)]))
    return native, bigm


@pytest.mark.parametrize("seed", range(40))
def test_complementarity_native_matches_bigm(seed: int) -> None:
    native, bigm = complementarity_problem(seed)
    reference = oracle_solve(bigm)
    report = solve(native, OPTIONS)
    assert report.status == reference.status
    if reference.status == "optimal":
        assert report.objective == pytest.approx(reference.objective, rel=1e-6, abs=1e-6)
        assert native.violation(report.x)[0] <= 1e-6


def piecewise_problem(xs: np.ndarray, ys: np.ndarray, at: float) -> Problem:
    """min f(x) at x = ``at``, f piecewise linear through (xs, ys) by λ weights in an SOS2 set.

    Without the SOS2 condition the LP takes the convex envelope of f, which lies below f
    wherever f is not convex: the search has to branch on the set to get f(at).
    """
    k = len(xs)
    # columns: λ_0..λ_{k-1}, x, f ; rows: Σλ = 1, x = Σλ xs, f = Σλ ys
    A = np.zeros((3, k + 2))
    A[0, :k] = 1.0
    A[1, :k], A[1, k] = xs, -1.0
    A[2, :k], A[2, k + 1] = ys, -1.0
    c = np.zeros(k + 2)
    c[k + 1] = 1.0
    return Problem(c=c, A=sp.csr_matrix(A), row_lower=[1.0, 0.0, 0.0], row_upper=[1.0, 0.0, 0.0],
                   col_lower=np.concatenate([np.zeros(k), [at, -np.inf]]),
                   col_upper=np.concatenate([np.ones(k), [at, np.inf]]),
                   integrality=np.zeros(k + 2, bool), sos2=[np.arange(k)])


@pytest.mark.parametrize("seed", range(30))
def test_sos2_piecewise_matches_interpolation(seed: int) -> None:
    """With the SOS2 set, the model's f(at) is the piecewise-linear interpolation."""
    rng = np.random.default_rng(seed)
    xs = np.sort(rng.choice(np.arange(-10, 11), size=int(rng.integers(3, 8)), replace=False))
    ys = rng.integers(-10, 11, size=xs.size).astype(float)
    at = float(rng.uniform(xs[0], xs[-1]))
    problem = piecewise_problem(xs.astype(float), ys, at)
    report = solve(problem, OPTIONS)
    assert report.status == "optimal"
    assert report.objective == pytest.approx(float(np.interp(at, xs, ys)), abs=1e-6)
    assert problem.violation(report.x)[0] <= 1e-6


def test_sos2_branching_is_exercised() -> None:
    """A nonconvex f: the LP optimum mixes non-adjacent breakpoints, so the tree branches."""
    problem = piecewise_problem(np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.0, 5.0, 5.0, 0.0]),
                                1.5)
    report = solve(problem, OPTIONS)
    assert report.stats["sos_branchings"] >= 1
    assert report.objective == pytest.approx(5.0)
