"""Defining equalities of an objective column are relaxed to the inequality the objective
makes tight, and only then: the answers match the equality models' (by an independent
NLP per integer assignment) and the solution satisfies the original equality."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import minimize

import branchwise as bw


def _epigraph_model(sense: str, t_lower: float = -np.inf, extra_use: bool = False):
    m = bw.Model()
    x = m.continuous("x", -3, 3)
    n = m.integer("n", 0, 3)
    t = m.continuous("t", lb=t_lower)
    if sense == "min":  # t == (x - 1.3)^2 + (x - n)^2 - 2, minimised
        m.add((x - 1.3) ** 2 + (x - n) ** 2 - 2 - t == 0, name="defines_t")
        m.minimize(t + 0.1 * n)
    else:  # t == -(x - n)^2 + x, maximised
        m.add(t + (x - n) ** 2 - x == 0, name="defines_t")
        m.maximize(t - 0.2 * n)
    if extra_use:
        m.add(t + x <= 10)
    return m, x, n, t


def _enumerated(sense: str) -> float:
    """The optimum by one 1-D minimisation per integer value."""
    values = []
    for n in range(4):
        if sense == "min":
            f = lambda x, n=n: (x[0] - 1.3) ** 2 + (x[0] - n) ** 2 - 2 + 0.1 * n  # noqa: E731
        else:
            f = lambda x, n=n: (x[0] - n) ** 2 - x[0] + 0.2 * n  # noqa: E731 (negated)
        best = min(minimize(f, [start], bounds=[(-3, 3)]).fun for start in (-2.0, 0.0, 2.0))
        values.append(best)
    return min(values) if sense == "min" else -min(values)


@pytest.mark.parametrize("sense", ["min", "max"])
def test_defining_equality_is_solved_with_proof(sense: str) -> None:
    m, x, n, t = _epigraph_model(sense)
    result = m.solve()  # an equality row is never convex: this needs the relaxation
    assert result.status == "optimal" and result.verified
    assert result.objective == pytest.approx(_enumerated(sense), abs=1e-6)
    row = result[t] - ((result[x] - 1.3) ** 2 + (result[x] - result[n]) ** 2 - 2
                       if sense == "min" else -((result[x] - result[n]) ** 2) + result[x])
    assert row == pytest.approx(0.0, abs=1e-9)  # the equality holds after inversion


@pytest.mark.parametrize(("t_lower", "extra_use"), [(-1.0, False), (-np.inf, True)])
def test_equality_stays_when_the_column_is_not_free_to_move(t_lower: float,
                                                            extra_use: bool) -> None:
    m, *_ = _epigraph_model("min", t_lower=t_lower, extra_use=extra_use)
    with pytest.raises(bw.NonconvexError, match="defines_t"):
        m.solve()


def test_relaxation_leaves_other_problems_alone() -> None:
    m = bw.Model()
    v = m.continuous("v", -1, 1, shape=2)
    m.add(v[0] ** 2 + v[1] ** 2 <= 1)
    m.minimize(v.sum())
    problem = m.to_problem()
    assert [list(b.upper) for b in problem.nonlinear] == [[1.0]]
    assert list(itertools.chain(*(b.lower for b in problem.nonlinear))) == [-np.inf]
