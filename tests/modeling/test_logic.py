"""Program logic at the API: conditions, logic functions, arrays, plain numbers, strict
comparisons, results and verification."""

from __future__ import annotations

import numpy as np
import pytest

import branchwise as bw
from branchwise.logic import And, Count, Literal, Not, Or
from branchwise.solver import SolveReport


@pytest.fixture
def m():
    return bw.Model("logic")


# --- building conditions -------------------------------------------------------------------

def test_operators_build_conditions(m):
    x, b, c = m.continuous("x", 0, 10), m.binary("b"), m.binary("c")
    assert isinstance((x <= 3) & (x >= 1), And) and isinstance((x <= 3) | b, Or)
    assert isinstance(~(x <= 3), Not) and isinstance(b ^ c, Count)
    assert isinstance(~b, Not) and isinstance(~b & c, And)
    assert isinstance(bw.implies(b, x >= 2), Or) and isinstance(bw.iff(b, c), Not)
    assert isinstance(bw.either(x <= 1, x >= 9, b), Or)
    assert isinstance(bw.either([x <= 1, x >= 9]), Or)
    assert isinstance(x != 3, Not)
    literal = (1 - b) & c  # 1 - b is the literal "not b"
    assert isinstance(literal.children[0], Literal) and not literal.children[0].positive


def test_logic_on_plain_values_folds_to_bools(m):
    x = m.continuous("x", 0, 10)
    assert bw.implies(False, x <= 3) is True
    assert bw.either(x <= 1, True) is True
    assert bw.at_least(2, [True, x <= 1, False]) is not True
    assert bw.at_least(1, [True, x <= 1]) is True
    assert bw.exactly(0, [False, False]) is True and bw.xor(True, True) is False
    assert bw.iff(True, False) is False


def test_conditions_have_no_truth_value(m):
    x, b = m.continuous("x", 0, 10), m.binary("b")
    for thing in ((x <= 3) & b, x <= 3, b, bw.max(x, 2), bw.at_least(1, [b, x >= 2])):
        with pytest.raises(TypeError, match="(m.add|res.value|no True/False)"):
            bool(thing)
    with pytest.raises(TypeError, match="no True/False value"):
        if (x <= 3) | b:
            pass


def test_only_binary_variables_are_conditions(m):
    x, n, b = m.continuous("x", 0, 1), m.integer("n", 0, 3), m.binary("b")
    for bad in (x, n, 2 * b, b + 1):
        with pytest.raises(TypeError, match="not a condition"):
            bw.if_then_else(bad, 1, 2)
    with pytest.raises(TypeError, match="count must be"):
        bw.at_least(-1, [b])
    with pytest.raises(NotImplementedError, match="quadratic"):
        (x * x <= 1) & b


def test_models_do_not_mix(m):
    x, y = m.continuous("x", 0, 1), bw.Model().continuous("y", 0, 1)
    for mix in (lambda: (x <= 1) & (y <= 1), lambda: bw.max(x, y),
                lambda: bw.if_then_else(x <= 0, y, 1), lambda: bw.at_most(1, [x <= 0, y <= 0]),
                lambda: bw.complements(x, y)):
        with pytest.raises(ValueError, match="different models"):
            mix()


def test_functions_on_numbers_are_plain_python():
    assert bw.max(1, 3.5, 2) == 3.5 and bw.min([4, -1, 2]) == -1
    assert bw.max(np.array([1.0, 5.0])) == 5.0
    np.testing.assert_array_equal(bw.max(np.array([1.0, 5.0]), 2), [2.0, 5.0])
    assert bw.if_then_else(3 > 2, "a", "b") == "a"
    assert bw.piecewise(1.5, [0, 1, 2], [0, 10, 0]) == 5.0
    assert bw.steps(2.0, [1, 2], [5, 6, 7]) == 7.0 and bw.steps(1.99, [1, 2], [5, 6, 7]) == 6
    with pytest.raises(ValueError, match="undefined"):
        bw.piecewise(3.0, [0, 1, 2], [0, 10, 0])


@pytest.mark.parametrize("call, match", [
    (lambda: bw.piecewise(1.0, [0, 0, 1], [0, 1, 2]), "increase strictly"),
    (lambda: bw.piecewise(1.0, [0, 1], [0, 1, 2]), "as many ys"),
    (lambda: bw.piecewise(1.0, [0, np.inf], [0, 1]), "finite"),
    (lambda: bw.steps(1.0, [0, 1], [0, 1]), "len\\(values\\)"),
    (lambda: bw.steps(1.0, [1, 0], [0, 1, 2]), "increase strictly"),
    (lambda: bw.max(), "at least one"),
])
def test_bad_function_arguments(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_expression_functions_return_derived_columns(m):
    x, y = m.continuous("x", -2, 3), m.continuous("y", 0, 1)
    a = abs(x - 1)
    assert isinstance(a, bw.Var) and a.name == "_abs1" and m.definitions[0].column == a.index
    z = 2 * bw.max(x, y) + bw.min(x, 0) - bw.if_then_else(x >= 0, y, 1)
    assert isinstance(z, bw.LinExpr) and len(m.definitions) == 4
    assert str(a) == "_abs1"


def test_arrays_work_element_by_element(m):
    X = m.continuous("X", -1, 1, shape=(2, 3))
    relu = bw.max(X, 0)
    assert relu.shape == (2, 3) and len(m.definitions) == 6
    assert bw.max(X).shape == () and len(m.definitions) == 7
    cond = (X <= 0.5) | (X >= 0.9)
    assert isinstance(cond, bw.ConditionArray) and cond.shape == (2, 3)
    picked = bw.if_then_else(X >= 0, X, -X)
    assert picked.shape == (2, 3)
    m.add(cond, name="split")
    m.add(bw.at_least(4, X >= 0))
    m.maximize(relu.sum() - picked.sum() + X[0, 0])
    res = m.solve()
    assert res.status == "optimal" and res.verified
    assert m.conditions[0].name == "split[0,0]" and m.conditions[5].name == "split[1,2]"
    values = res[X]
    assert np.all((values <= 0.5 + 1e-6) | (values >= 0.9 - 1e-6))
    assert (values >= -1e-9).sum() >= 4
    np.testing.assert_array_equal(res.value(cond), (values <= 0.5) | (values >= 0.9))
    np.testing.assert_allclose(res[relu], np.maximum(values, 0), atol=1e-9)


# --- strict comparisons keep Python's meaning ----------------------------------------------

def test_strict_comparisons(m):
    x, n = m.continuous("x", 0, 10), m.integer("n", 0, 10)
    k = m.integer("k", 0, 10)
    m.add(x < 3)
    m.add(n < 3.5)
    m.add(2 * k + n > 7)  # integer: 2k + n >= 8
    m.maximize(x + n - k)
    res = m.solve()
    assert res[x] == pytest.approx(3 - m.strict_gap) and res[x] < 3
    assert res[n] == 3 and res[k] == 3 and res.verified
    assert res.value(x < 3) is True and res.value(x >= 3) is False


def test_strict_gap_is_the_models():
    m = bw.Model(strict_gap=0.25)
    x = m.continuous("x", 0, 10)
    m.add(x > 4)
    m.minimize(x)
    assert m.solve()[x] == pytest.approx(4.25)
    with pytest.raises(ValueError, match="positive"):
        bw.Model(strict_gap=0)


def test_not_equal_on_integers_and_reals(m):
    n, x = m.integer("n", 0, 3), m.continuous("x", 0, 3)
    m.add(n != 2)
    m.add(x != n)
    m.maximize(n + x)
    res = m.solve()
    assert res[n] == 3 and res[x] == pytest.approx(3 - m.strict_gap) and res.verified


# --- adding and solving ----------------------------------------------------------------------

def test_add_keeps_conditions_and_names_them(m):
    x, b = m.continuous("x", 0, 10), m.binary("b")
    plain = m.add(x <= 8)
    cond = m.add(bw.implies(b, x >= 9), name="needs")
    literal = m.add(b)
    assert plain in m.constraints and cond in m.conditions and cond.name == "needs"
    assert isinstance(literal, Literal) and literal.name == "c2"
    with pytest.raises(ValueError, match="already added"):
        m.add(cond)
    with pytest.raises(TypeError, match="plain True/False"):
        m.add(bw.either(True, x <= 1))
    with pytest.raises(TypeError, match="needs a constraint"):
        m.add(x + 1)
    assert m.solve().status == "infeasible"  # b forced, then x >= 9 and x <= 8


def test_result_values_of_conditions_and_late_expressions(m):
    x, b = m.continuous("x", 0, 10), m.binary("b")
    m.add(bw.implies(b, x >= 6))
    m.maximize(bw.if_then_else(b, 20 - x, x))
    res = m.solve()
    assert res.objective == pytest.approx(14.0) and res[b] == 1 and res[x] == pytest.approx(6)
    # x is 6 to round-off (an LP vertex), so the condition read back stays off that edge
    assert res.value(b & (x >= 5.5)) is True and res.value(~b) is False
    assert res.value(b & (x >= 6.5)) is False
    assert res[abs(x - 10)] == pytest.approx(4.0)  # made after the solve: computed from x
    assert res.value(x * abs(x - 10)) == pytest.approx(24.0)
    late = m.continuous("late", 0, 1)
    for uses_late in (late + x, late * x):
        with pytest.raises(ValueError, match="does not cover"):
            res.value(uses_late)


def test_verification_recomputes_logic_on_plain_floats(m):
    x, b = m.continuous("x", 0, 10), m.binary("b")
    m.add(bw.implies(b, x >= 6), name="rule")
    v = bw.max(x, 3)
    m.minimize(v)
    n = m.n_vars

    def result(values, objective):
        report = SolveReport("optimal", np.array(values + [0.0] * (n - len(values))),
                             objective, objective, nodes=0, time=0.0, verified=True)
        return bw.Result(m, report)

    good = result([6.0, 1.0], 6.0)
    assert good.verified and good.objective == 6.0 and good[v] == 6.0
    broken = result([5.0, 1.0], 5.0)
    assert not broken.verified and broken.violation == (np.inf, "condition rule")
    wrong_objective = result([2.0, 0.0], 2.0)  # max(2, 3) is 3, not the 2 claimed
    assert wrong_objective.objective == 3.0 and not wrong_objective.verified


def test_semicontinuous_and_sos_are_checked(m):
    m.continuous("s", 2, 8, semicontinuous=True)
    X = m.continuous("X", 0, 1, shape=3)
    m.sos1(X)
    assert m.column_bounds()[0][0] == 0 and m.column_bounds()[1][0] == 8
    assert m.violation(np.array([1.0, 0, 0, 0]))[1] == "semicontinuous s"
    assert m.violation(np.array([0.0, 0.5, 0, 0.5]))[1] == "sos1 c0"
    assert m.violation(np.array([5.0, 0, 1, 0])) == (0.0, "")
    with pytest.raises(ValueError, match="two different"):
        m.sos2([X[0], X[0]])
    with pytest.raises(TypeError, match="takes variables"):
        m.sos1([X[0], 2 * X[1]])


def test_complements_and_its_negation(m):
    y, z = m.continuous("y", 0, 4), m.continuous("z", -1, 4)
    m.add(bw.complements(y, z + 1))
    m.add(y + z >= 3)
    m.minimize(2 * y + z)
    res = m.solve()
    assert res.objective == pytest.approx(3.0) and res[y] == 0 and res.verified
    assert res.value(bw.complements(y, z + 1)) is True
    assert res.value(~bw.complements(y, z)) is False  # y = 0, z = 3: still complementary
    assert bw.complements(1.0, 0.0) is True and bw.complements(1.0, 2.0) is False


def test_reformulation_names_are_checked(m):
    m.continuous("x", 0, 1)
    with pytest.raises(ValueError, match="reformulation must be one of"):
        m.to_problem("convex")
