"""Proven bounds: interval arithmetic, FBBT, OBBT, and big-M values checked by hand."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import branchwise as bw
from branchwise.relaxations.analysis.bounds import affine_intervals, fbbt, model_bounds
from branchwise.relaxations.analysis.convexity import analyse

INF = np.inf


def rows_of(problem: bw.Problem) -> dict[str, tuple[dict[str, float], float, float]]:
    """Each row as ({column name: coefficient}, lower, upper)."""
    A = problem.A.tocsr()  # noqa: N806
    out = {}
    for i, name in enumerate(problem.row_names):
        start, end = A.indptr[i], A.indptr[i + 1]
        coef = {problem.col_names[j]: float(v) for j, v in zip(A.indices[start:end],
                                                              A.data[start:end], strict=True)}
        out[name] = (coef, float(problem.row_lower[i]), float(problem.row_upper[i]))
    return out


def big_m_rows(problem: bw.Problem) -> list[tuple[dict[str, float], float, float]]:
    return [r for name, r in rows_of(problem).items() if name.startswith("_bigm")]


def test_affine_intervals():
    A = sp.csr_matrix([[1.0, -2.0, 0.0], [0.0, 3.0, 1.0], [2.0, 0.0, 0.0]])  # noqa: N806
    lo, hi = affine_intervals(A, np.array([1.0, 0.0, -1.0]), np.array([0.0, -1.0, -INF]),
                              np.array([2.0, 4.0, 5.0]))
    np.testing.assert_array_equal(lo, [1 + 0 - 8, -3 - INF, -1])
    np.testing.assert_array_equal(hi, [1 + 2 + 2, 12 + 5, 3])


def test_fbbt_tightens_to_a_fixed_point_and_rounds_integers():
    # x + y <= 4, x >= 1, y >= 1.5, y integer, z <= x - y (z free)
    A = sp.csr_matrix([[1.0, 1.0, 0.0], [-1.0, 1.0, 1.0]])  # noqa: N806
    lower, upper = fbbt(A, np.array([-INF, -INF]), np.array([4.0, 0.0]),
                        np.array([1.0, 1.5, -INF]), np.array([INF, INF, INF]),
                        np.array([False, True, False]))
    assert lower[1] == 2.0                      # 1.5 rounded up for the integer y
    # implied bounds carry a 1e-9 safety slack against round-off
    assert upper[0] == pytest.approx(2.0, abs=1e-8)       # x <= 4 - 2
    assert upper[1] == pytest.approx(3.0, abs=1e-8)       # y <= 4 - 1
    assert upper[2] == pytest.approx(0.0, abs=1e-8)       # z <= x - y <= 2 - 2
    assert lower[2] == -INF


def test_fbbt_leaves_infeasible_rows_to_the_solver():
    A = sp.csr_matrix([[1.0, 1.0]])  # noqa: N806
    lower, upper = fbbt(A, np.array([5.0]), np.array([INF]), np.zeros(2), np.ones(2),
                        np.zeros(2, dtype=bool))
    assert np.all(lower <= upper)


def test_model_bounds_go_through_definitions_both_ways():
    m = bw.Model()
    x, y = m.continuous("x"), m.continuous("y", 0, 3)
    a = abs(x)
    big = bw.max(x, y)
    m.add(a <= 5)
    m.minimize(big)
    bounds = model_bounds(m, analyse(m)[0])
    for column, expected in ((x, (-5, 5)), (a, (0, 5)), (big, (0, 5))):
        got = (bounds.lower[column.index], bounds.upper[column.index])
        assert got == pytest.approx(expected, abs=1e-7)


def test_if_then_else_m_is_the_interval_of_a_minus_b():
    m = bw.Model()
    x, y, n = m.continuous("x", 0, 10), m.continuous("y", -2, 3), m.integer("n", 0, 5)
    v = bw.if_then_else(n >= 2, x + y, 2 * y)
    m.maximize(v)
    p = m.to_problem("bigm")
    name = p.col_names[v.index]
    # a - b = x - y lies in [-3, 12]: the four rows carry 12 (above) and 3 (below)
    got = sorted((round(r[0][name]), sorted(abs(c) for k, c in r[0].items() if k.startswith(
        "_leaf"))[0]) for r in big_m_rows(p) if name in r[0])
    assert got == [(-1, 3.0), (-1, 12.0), (1, 3.0), (1, 12.0)]
    # n >= 2 on one leaf, n <= 1 on the other, n in [0, 5]: n >= 2 d and n <= 1 + 4 d
    atom = sorted(abs(c) for r in rows_of(p).values() if "n" in r[0] and name not in r[0]
                  for k, c in r[0].items() if k.startswith("_leaf"))
    assert atom == [2.0, 4.0]


def test_abs_exact_m_is_twice_the_reach():
    m = bw.Model()
    x = m.continuous("x", -5, 3)
    m.maximize(abs(x))
    p = m.to_problem("bigm")
    ms = sorted(abs(c) for r in big_m_rows(p) for k, c in r[0].items() if k.startswith("_sel"))
    assert ms == [6.0, 10.0]  # y <= x + 10 (1 - z) and y <= -x + 6 z


def test_disjunction_ms_per_disjunct():
    m = bw.Model()
    x, y = m.continuous("x", 0, 10), m.integer("y", -4, 4)
    m.add(bw.either(x <= 2, y >= 3))
    m.minimize(x)
    ms = sorted(abs(c) for r in big_m_rows(m.to_problem("bigm")) for k, c in r[0].items()
                if k.startswith("_either"))
    assert ms == [7.0, 8.0]  # x - 2 <= 8 (1 - d), 3 - y <= 7 d: one binary d


def test_three_sided_disjunction_has_one_m_per_other_side():
    m = bw.Model()
    x, y = m.continuous("x", 0, 10), m.continuous("y", 0, 10)
    m.add(bw.either(x + y <= 3, x >= 8, (y >= 7) & (x <= 5)))
    m.minimize(-x - 2 * y)
    p = m.to_problem("bigm")
    ms = sorted((tuple(sorted((k, c) for k, c in r[0].items() if not k.startswith("_"))),
                 sorted(round(-c, 6) for k, c in r[0].items() if k.startswith("_either")))
                for name, r in rows_of(p).items() if name.startswith("_mbigm"))
    # x + y <= 3: at most 20 where x >= 8, 15 where y >= 7 and x <= 5; x >= 8 and y >= 7:
    # 8 and 7 from both other sides; x <= 5: 5 where x >= 8 (it holds where x + y <= 3)
    assert ms == [((("x", -1.0),), [8.0, 8.0]), ((("x", 1.0),), [5.0]),
                  ((("x", 1.0), ("y", 1.0)), [12.0, 17.0]), ((("y", -1.0),), [7.0, 7.0])]
    hull = m.solve(reformulation="hull")
    assert m.solve(reformulation="bigm").objective == pytest.approx(hull.objective) == -30


def test_hull_needs_no_m_and_keeps_bounds_per_copy():
    m = bw.Model()
    x = m.continuous("x", -1, 10)
    m.add(bw.either(x <= 2, x >= 7))
    m.maximize(-abs(x - 5))
    p = m.to_problem("hull")
    assert not [r for r in rows_of(p) if r.startswith("_bigm")]
    parts = [j for j, name in enumerate(p.col_names) if name.startswith("_part")]
    assert len(parts) == 2
    assert p.col_lower[parts].tolist() == [-1, -1] and p.col_upper[parts].tolist() == [10, 10]


def test_fbbt_bound_feeds_the_m():
    m = bw.Model()
    x, y = m.continuous("x"), m.continuous("y", 0, 3)
    m.add(x <= 2 * y + 1)
    b = m.binary("b")
    m.add(bw.implies(b, x <= 0))
    m.maximize(x + b)
    (row,) = big_m_rows(m.to_problem("bigm"))
    assert row[0]["b"] == pytest.approx(7.0, rel=1e-8)  # x <= 7 (1 - b): 7 from FBBT
    assert m.solve(reformulation="bigm").objective == pytest.approx(7.0)


def test_obbt_proves_what_intervals_cannot():
    m = bw.Model()
    x, y = m.continuous("x"), m.continuous("y")
    m.add(x <= y)
    m.add(x + y <= 10)  # x <= 5 by LP, unbounded by intervals and FBBT
    b = m.binary("b")
    m.add(bw.implies(b, x <= 1))
    m.maximize(x + 3 * b)
    bounds = model_bounds(m, [])
    assert bounds.upper[x.index] == INF
    (row,) = big_m_rows(m.to_problem("bigm", native_sos=False))
    assert row[0]["b"] == pytest.approx(4.0, rel=1e-6)  # x - 1 <= 4 (1 - b)
    res = m.solve(reformulation="bigm")
    assert res.objective == pytest.approx(5.0) and res.verified


def test_obbt_option_tightens_finite_ms():
    m = bw.Model()
    x, y = m.continuous("x", 0, 100), m.continuous("y", 0, 100)
    m.add(x + y <= 10)
    m.add(x - y <= 2)  # LP: x <= 6; intervals: x <= 10 after FBBT
    b = m.binary("b")
    m.add(bw.implies(b, x <= 1))
    m.maximize(x + 3 * b)
    plain = m.reformulate("bigm").problem
    tight = m.reformulate("bigm", obbt=True).problem
    assert big_m_rows(plain)[0][0]["b"] == pytest.approx(9.0, rel=1e-6)
    assert big_m_rows(tight)[0][0]["b"] == pytest.approx(5.0, rel=1e-6)
    assert m.solve(obbt=True).objective == pytest.approx(6.0)


@pytest.mark.parametrize("mode", ["bigm", "hull", "auto"])
def test_unbounded_variable_in_a_disjunction_is_named(mode):
    m = bw.Model()
    x, y = m.continuous("x", lb=0), m.continuous("y", 0, 5)
    m.add(bw.either(x <= 2, y >= 3), name="choice")
    m.maximize(y - x)
    named = r"condition choice.*because x has no finite bound.*Give x a finite ub"
    with pytest.raises(bw.UnboundedExpressionError, match=named):
        m.to_problem(mode, native_sos=False)
    assert isinstance(bw.UnboundedExpressionError("x"), ValueError)


def test_unbounded_operand_behind_a_derived_column_is_named():
    m = bw.Model()
    x, n = m.continuous("x"), m.integer("n", 0, 3)
    m.minimize(bw.if_then_else(n >= 2, abs(x) + n, 3) - n)
    with pytest.raises(bw.UnboundedExpressionError, match="Give x a finite lb and ub"):
        m.to_problem("bigm")


def test_native_branching_needs_no_bound():
    m = bw.Model()
    x, y = m.continuous("x", lb=0), m.continuous("y", 0, 5)
    m.add(bw.either(x <= 2, y >= 3 - x))
    m.maximize(y - x)
    # x - 2 has no bound where y >= 3 - x: e <= s, SOS1{d, s}; 3 - x - y <= 3 where x <= 2
    assert len(m.to_problem("auto").sos1) == 1
    res = m.solve()
    assert res.status == "optimal" and res.objective == pytest.approx(5.0) and res.verified
