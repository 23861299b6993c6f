"""Random convex MINLPs built with the nonlinear API (exp, log, norm2, quadratics), solved by
branchwise and checked against an independent oracle: every integer assignment's convex
subproblem solved by cvxpy with Clarabel, the best of them being the optimum."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import branchwise as bw

cp = pytest.importorskip("cvxpy")

N_CONTINUOUS, N_INTEGER, INTEGER_RANGE = 3, 2, (0, 2)


def _parameters(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(N_CONTINUOUS, N_CONTINUOUS))
    return {
        "c": rng.normal(size=N_CONTINUOUS), "d": rng.normal(size=N_INTEGER),
        "weight": float(rng.uniform(0.1, 1.0)),
        "exp_a": rng.uniform(0.2, 1.0, size=N_CONTINUOUS), "exp_b": rng.normal(size=N_CONTINUOUS),
        "exp_rhs": float(rng.uniform(3.0, 8.0)),
        "norm_A": rng.normal(size=(2, N_CONTINUOUS)), "norm_B": rng.normal(size=(2, N_INTEGER)),
        "norm_rhs": float(rng.uniform(1.5, 4.0)),
        "log_rhs": float(rng.uniform(-0.5, 0.8)),
        "P": factor @ factor.T / N_CONTINUOUS, "q": rng.normal(size=N_INTEGER),
        "quad_rhs": float(rng.uniform(1.0, 5.0)),
    }


def _branchwise(p: dict) -> bw.Result:
    m = bw.Model()
    x = m.continuous("x", -2.0, 2.0, shape=N_CONTINUOUS)
    y = m.integer("y", *INTEGER_RANGE, shape=N_INTEGER)
    m.add((p["exp_a"] * bw.exp(p["exp_b"] * x + 0.3 * y.sum())).sum() <= p["exp_rhs"])
    m.add(bw.norm2(p["norm_A"] @ x + p["norm_B"] @ y - 1.0) <= p["norm_rhs"])
    m.add(bw.log(x[0] + 3.0) >= p["log_rhs"])
    m.add(x @ (p["P"] @ x) + p["q"] @ y <= p["quad_rhs"])
    m.minimize(p["c"] @ x + p["d"] @ y + p["weight"] * bw.exp(x[1]))
    return m.solve(time_limit=60)


def _oracle(p: dict) -> float | None:
    """The best objective over the integer assignments, each solved by Clarabel."""
    best = None
    for values in itertools.product(range(INTEGER_RANGE[0], INTEGER_RANGE[1] + 1),
                                    repeat=N_INTEGER):
        y = np.array(values, dtype=float)
        x = cp.Variable(N_CONTINUOUS)
        constraints = [
            x >= -2, x <= 2,
            p["exp_a"] @ cp.exp(cp.multiply(p["exp_b"], x) + 0.3 * y.sum()) <= p["exp_rhs"],
            cp.norm(p["norm_A"] @ x + p["norm_B"] @ y - 1.0, 2) <= p["norm_rhs"],
            cp.log(x[0] + 3.0) >= p["log_rhs"],
            cp.quad_form(x, p["P"]) + p["q"] @ y <= p["quad_rhs"],
        ]
        objective = p["c"] @ x + p["d"] @ y + p["weight"] * cp.exp(x[1])
        problem = cp.Problem(cp.Minimize(objective), constraints)
        problem.solve(solver=cp.CLARABEL)
        if problem.status == cp.OPTIMAL and (best is None or problem.value < best):
            best = problem.value
    return best


@pytest.mark.parametrize("seed", range(30))
def test_random_convex_minlp_matches_enumeration(seed: int) -> None:
    p = _parameters(seed)
    expected = _oracle(p)
    result = _branchwise(p)
    if expected is None:
        assert result.status == "infeasible"
        return
    assert result.status == "optimal"
    assert result.verified
    assert result.objective == pytest.approx(expected, rel=1e-5, abs=1e-5)
    assert result.bound <= expected + 1e-5 * max(1.0, abs(expected))
