"""Each reduction alone: the reformulated problem, projected onto the model's variables, has
the same feasible set as the construct evaluated in plain Python, on enumerated points.

A point is feasible for the problem when HiGHS finds the problem feasible with the model's
columns fixed at it (derived columns at their Python values). SOS sets, which HiGHS cannot
read, are given to it as binaries by the small independent conversion below.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace

import highspy
import numpy as np
import pytest
import scipy.sparse as sp

import branchwise as bw
from branchwise.core.highs_model import to_highs_model
from branchwise.core.problem import Problem

GAP = bw.Model().strict_gap
MODES = ["auto", "bigm", "hull", "sos"]
INTS = range(-2, 3)
REALS = np.arange(-2, 2.01, 0.5)


def sos_as_binaries(p: Problem) -> Problem:
    """``p`` with every SOS set written with binaries (members must be bounded)."""
    n, rows, lower, upper, extra = p.n_cols, [], [], [], 0

    def new_binaries(k: int) -> list[int]:
        nonlocal extra
        extra += k
        return list(range(n + extra - k, n + extra))

    for kind, sets in (("sos1", p.sos1), ("sos2", p.sos2)):
        for members in sets:
            z = new_binaries(len(members) if kind == "sos1" else len(members) - 1)
            rows.append({j: 1.0 for j in z})
            lower.append(-np.inf if kind == "sos1" else 1.0)
            upper.append(1.0)
            for i, j in enumerate(members):
                allowed = [z[i]] if kind == "sos1" else z[max(i - 1, 0):i + 1]
                for bound, sense in ((p.col_upper[j], 1.0), (p.col_lower[j], -1.0)):
                    assert np.isfinite(bound)
                    rows.append({int(j): sense, **{k: -sense * bound for k in allowed}})
                    lower.append(-np.inf)
                    upper.append(0.0)
    extra_rows = sp.lil_matrix((len(rows), n + extra))
    for i, r in enumerate(rows):
        for j, v in r.items():
            extra_rows[i, j] += v
    return replace(
        p, c=np.concatenate([p.c, np.zeros(extra)]),
        A=sp.vstack([sp.hstack([p.A, sp.csr_matrix((p.n_rows, extra))]), extra_rows]).tocsr(),
        row_lower=np.concatenate([p.row_lower, lower]),
        row_upper=np.concatenate([p.row_upper, upper]),
        col_lower=np.concatenate([p.col_lower, np.zeros(extra)]),
        col_upper=np.concatenate([p.col_upper, np.ones(extra)]),
        integrality=np.concatenate([p.integrality, np.ones(extra, dtype=bool)]),
        sos1=[], sos2=[], col_names=p.col_names + [f"z{k}" for k in range(extra)],
        row_names=p.row_names + [f"sos{k}" for k in range(len(rows))])


def feasible_at(problem: Problem, fixed: dict[int, float]) -> bool:
    """Whether ``problem`` has a point with the given columns fixed (HiGHS decides)."""
    lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
    for j, value in fixed.items():
        if not lower[j] - 1e-9 <= value <= upper[j] + 1e-9:
            return False
        lower[j] = upper[j] = value
    p = replace(problem, col_lower=lower, col_upper=upper, c=np.zeros(problem.n_cols), Q=None)
    if p.has_sos:
        p = sos_as_binaries(p)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(to_highs_model(p))
    h.run()
    status = h.getModelStatus()
    assert status in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible)
    return status == highspy.HighsModelStatus.kOptimal


def check_projection(build: Callable, points: list[tuple], mode: str) -> None:
    """For every point: feasible in the reformulation exactly when Python says so.

    ``build(m)`` adds variables and constructs to ``m`` and returns ``(variables, holds)``
    where ``holds(*point)`` is the Python truth; derived columns are fixed at their Python
    values and at a wrong value, which must be infeasible.
    """
    m = bw.Model()
    variables, holds = build(m)
    problem = m.to_problem(mode)
    columns = [v.index for v in variables]
    for point in points:
        fixed = dict(zip(columns, map(float, point), strict=True))
        values = m.complete(np.array(_dense(fixed, m.n_vars)))
        with_derived = {**fixed, **{d.column: values[d.column] for d in m.definitions}}
        expected = bool(holds(*point))
        assert feasible_at(problem, with_derived) == expected, (mode, point, expected)
        for d in m.definitions:
            if expected and d not in _relaxed(m):
                wrong = {**with_derived, d.column: values[d.column] + 0.5}
                assert not feasible_at(problem, wrong), (mode, point, d)


def _dense(fixed: dict[int, float], n: int) -> list[float]:
    return [fixed.get(j, 0.0) for j in range(n)]


def _relaxed(m: bw.Model) -> dict:
    from branchwise.relaxations.analysis.convexity import analyse
    return analyse(m)[1]


def grid(*axes) -> list[tuple]:
    return list(itertools.product(*axes))


# --- derived columns -----------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_abs_max_min_exact(mode):
    def build(m):
        x, y = m.integer("x", -2, 2), m.continuous("y", -2, 2)
        a, hi, lo = abs(x - 2 * y), bw.max(x, y, 1), bw.min(x + 1, -y, 0.5)
        m.maximize(a + hi - lo)  # every one on the side that needs the exact rows
        return [x, y], lambda *p: True
    check_projection(build, grid(INTS, REALS), mode)


@pytest.mark.parametrize("mode", MODES)
def test_abs_max_relaxed_where_convex(mode):
    def build(m):
        x, y = m.integer("x", -3, 3), m.continuous("y", -2, 2)
        m.add(abs(x - y) + bw.max(x, 2 * y) <= 4)
        return [x, y], lambda xv, yv: abs(xv - yv) + max(xv, 2 * yv) <= 4
    check_projection(build, grid(INTS, REALS), mode)
    m = bw.Model()
    build(m)
    assert len(_relaxed(m)) == 2 and not m.to_problem(mode).integrality[2:].any()


@pytest.mark.parametrize("mode", MODES)
def test_if_then_else(mode):
    def build(m):
        x, y = m.integer("x", -3, 3), m.continuous("y", -2, 2)
        v = bw.if_then_else((x >= 1) | (y < -1), 2 * y - x, x + 3)
        m.add(v >= -1)
        return [x, y], lambda xv, yv: (2 * yv - xv if xv >= 1 or yv < -1 else xv + 3) >= -1
    check_projection(build, grid(INTS, REALS), mode)


@pytest.mark.parametrize("mode", MODES)
def test_piecewise(mode):
    xs, ys = [-2, -1, 0.5, 2], [1, -1, 2, 0]

    def build(m):
        x, y = m.continuous("x", -3, 3), m.continuous("y", -3, 3)
        m.add(bw.piecewise(x, xs, ys) >= y)
        return [x, y], lambda xv, yv: -2 <= xv <= 2 and np.interp(xv, xs, ys) >= yv
    check_projection(build, grid(np.arange(-2.5, 2.51, 0.25), [-1, 0.5, 1.5]), mode)


@pytest.mark.parametrize("mode", MODES)
def test_steps(mode):
    cuts, values = [-1, 0.5, 2], [3, -1, 2, 0]

    def build(m):
        x, n = m.continuous("x", -2, 3), m.integer("n", -3, 3)
        m.add(bw.steps(x, cuts, values) + bw.steps(n, [0, 2], [0, 5, 1]) >= 2)
        def holds(xv, nv):
            return (values[np.searchsorted(cuts, xv, side="right")]
                    + [0, 5, 1][np.searchsorted([0, 2], nv, side="right")]) >= 2
        return [x, n], holds
    xs = sorted(set(np.arange(-2, 3.01, 0.5)) | {c - GAP for c in cuts})
    check_projection(build, grid(xs, INTS), mode)


# --- conditions ----------------------------------------------------------------------------

CONDITIONS = {
    "and": (lambda x, y, b: (x >= 1) & (y <= 0.5), lambda x, y, b: x >= 1 and y <= 0.5),
    "or": (lambda x, y, b: (x >= 2) | (y < -1) | b, lambda x, y, b: x >= 2 or y < -1 or b),
    "not": (lambda x, y, b: ~((x <= 0) & (y >= 0)), lambda x, y, b: not (x <= 0 and y >= 0)),
    "implies": (lambda x, y, b: bw.implies(b, x + y >= 1), lambda x, y, b: not b or x + y >= 1),
    "iff": (lambda x, y, b: bw.iff(x >= 0, y > 0), lambda x, y, b: (x >= 0) == (y > 0)),
    "xor": (lambda x, y, b: bw.xor(b, x == 1), lambda x, y, b: b != (x == 1)),
    "at_least": (lambda x, y, b: bw.at_least(2, [x >= 1, y >= 1, ~b]),
                 lambda x, y, b: int(x >= 1) + int(y >= 1) + int(not b) >= 2),
    "at_most": (lambda x, y, b: bw.at_most(1, [x >= 1, y >= 1, b]),
                lambda x, y, b: int(x >= 1) + int(y >= 1) + int(b) <= 1),
    "exactly": (lambda x, y, b: bw.exactly(1, [x < 0, y < 0, b]),
                lambda x, y, b: int(x < 0) + int(y < 0) + int(b) == 1),
    "strict": (lambda x, y, b: (x < 1) & (y > -0.5) & (x + y < 1.5),
               lambda x, y, b: x < 1 and y > -0.5 and x + y < 1.5),
    "not_equal": (lambda x, y, b: x != 2 * y, lambda x, y, b: x != 2 * y),
    "nested": (lambda x, y, b: bw.either(bw.max(x, y) <= 0, (abs(y) >= 1) & ~b),
               lambda x, y, b: max(x, y) <= 0 or (abs(y) >= 1 and not b)),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(CONDITIONS))
def test_condition(name, mode):
    make, truth = CONDITIONS[name]

    def build(m):
        x, y, b = m.integer("x", -2, 2), m.continuous("y", -2, 2), m.binary("b")
        m.add(make(x, y, b))
        return [x, y, b], lambda xv, yv, bv: truth(xv, yv, bool(bv))
    reals = sorted(set(REALS) | {-1 + GAP, -0.5 + GAP, 0.25, 1 - GAP})
    check_projection(build, grid(INTS, reals, [0, 1]), mode)


@pytest.mark.parametrize("mode", ["auto", "hull"])
def test_hull_is_used_and_exact(mode):
    def build(m):
        x, y = m.continuous("x", 0, 4), m.continuous("y", 0, 4)
        m.add(bw.either((x <= 1) & (y <= 1), (x >= 3) & (y >= 2), x + y == 2))
        return [x, y], lambda xv, yv: (xv <= 1 and yv <= 1) or (xv >= 3 and yv >= 2) or (
            xv + yv == 2)
    axis = np.arange(0, 4.01, 0.5)
    check_projection(build, grid(axis, axis), mode)
    m = bw.Model()
    build(m)
    assert sum(name.startswith("_part") for name in m.to_problem(mode).col_names) == 6


# --- declarations --------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_complements(mode):
    def build(m):
        y, x = m.continuous("y", 0, 3), m.continuous("x", -2, 3)
        m.add(bw.complements(y, x + 1))
        return [y, x], lambda yv, xv: yv >= 0 and xv + 1 >= 0 and yv * (xv + 1) == 0
    check_projection(build, grid([0, 0.5, 3], [-2, -1, 0, 2]), mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["sos1", "sos2"])
def test_declared_sos(kind, mode):
    def build(m):
        v = m.continuous("v", -1, 2, shape=4)
        getattr(m, kind)(v)
        def holds(*values):
            support = np.flatnonzero(values)
            return len(support) <= 1 or (kind == "sos2" and len(support) == 2
                                        and support[1] == support[0] + 1)
        return [v[i] for i in range(4)], holds
    check_projection(build, grid(*[[0, -1, 2]] * 4), mode)


@pytest.mark.parametrize("mode", MODES)
def test_semicontinuous(mode):
    def build(m):
        s = m.continuous("s", 2, 8, semicontinuous=True)
        t = m.continuous("t", -5, -1, semicontinuous=True)
        return [s, t], lambda sv, tv: (sv == 0 or 2 <= sv <= 8) and (tv == 0 or -5 <= tv <= -1)
    check_projection(build, grid([0, 1, 2, 5, 8], [-5, -2, -0.5, 0]), mode)


def test_semicontinuous_without_an_upper_bound():
    m = bw.Model()
    s = m.continuous("s", lb=2, semicontinuous=True)
    m.minimize(s)
    with pytest.raises(bw.UnboundedExpressionError, match="Give s a finite ub"):
        m.to_problem(native_sos=False)
    problem = m.to_problem()
    assert len(problem.sos1) == 1
    m.add(s >= 0.5)
    assert m.solve().objective == pytest.approx(2.0)


# --- the chain maps solutions back ---------------------------------------------------------

def test_invert_returns_model_columns_and_the_branch_taken():
    m = bw.Model()
    x = m.continuous("x", 0, 10)
    cond = x <= 4
    v = bw.if_then_else(cond, x, 4 - x)
    s = bw.steps(x, [4], [1, 2])
    m.maximize(v + s)  # 6 at x = 4: the then-branch and the upper step
    ref = m.reformulate("bigm")
    res = m.solve(reformulation="bigm")
    values, witness = ref.invert(np.asarray(res.report.x))
    assert values.shape == (m.n_vars,)
    assert witness[cond] is True and witness[m.definitions[1]] == 1
    assert res[x] == pytest.approx(4.0) and res.value(cond) is True and res.verified
