"""API.md: the branch the model takes is the branch Python takes on the solution. Evaluating
the user's plain-Python function on the returned values gives the model's value, exactly
up to round-off, even where the optimum sits on a boundary of a non-strict comparison."""

from __future__ import annotations

import runpy

import numpy as np
import pytest

import branchwise as bw
from branchwise.branches import mismatch
from branchwise.functions import Steps
from branchwise.logic import truth
from tests.paths import LOGIC


def _python_takes_every_branch(res):
    """Every witnessed condition and step evaluates in Python, exactly, as the solver took it."""
    assert res.witness
    for node, taken in res.witness.items():
        if isinstance(node, Steps):
            assert node.segment(float(node.operands[0].evaluate(res.x))) == taken
        else:
            assert truth(node, res.x) == taken
    assert res.branch_mismatch is None


def test_shipping_python_value_is_the_model_value():
    module = runpy.run_path(str(LOGIC / "shipping.py"))
    res = module["model"].solve()
    assert res.status == "optimal" and res.verified
    w = res[module["w"]]
    assert w <= 1  # the model's branch (the optimum is at the 1 kg boundary), in Python
    assert module["shipping"](w) - 0.4 * w == pytest.approx(res.objective, abs=1e-9)
    assert res.objective == pytest.approx(4.6, abs=1e-5)
    _python_takes_every_branch(res)


def test_shipping_program_python_value_is_the_model_value():
    module = runpy.run_path(str(LOGIC / "shipping_program.py"))
    res = module["model"].solve()
    assert res.status == "optimal" and res.verified
    weights = [res[p] for p in module["parcels"]]
    assert all(w <= 50 for w in weights)  # no surcharge in the model, none in Python
    python = sum(module["PRICE_PER_KG"] * w - module["shipping"](w) for w in weights)
    assert python == pytest.approx(res.objective, abs=1e-9)
    assert res.objective == pytest.approx(19.0, abs=1e-6)
    _python_takes_every_branch(res)


def _jump(sense: str, condition):
    m = bw.Model()
    x = m.continuous("x", 0, 10)
    f = bw.if_then_else(condition(x), 0.0, 100.0) - x
    getattr(m, sense)(f)
    return m, x, f


@pytest.mark.parametrize("sense, condition, python, best", [
    ("minimize", lambda x: x <= 5, lambda x: (0.0 if x <= 5 else 100.0) - x, -5.0),
    ("maximize", lambda x: x <= 5, lambda x: (0.0 if x <= 5 else 100.0) - x, 95.0),
    ("maximize", lambda x: x >= 5, lambda x: (0.0 if x >= 5 else 100.0) - x, 100.0),
    ("minimize", lambda x: x >= 5, lambda x: (0.0 if x >= 5 else 100.0) - x, -10.0),
    ("minimize", lambda x: 5 >= x, lambda x: (0.0 if 5 >= x else 100.0) - x, -5.0),
    ("maximize", lambda x: x < 5, lambda x: (0.0 if x < 5 else 100.0) - x, 95.0),
    ("minimize", lambda x: x > 5, lambda x: (0.0 if x > 5 else 100.0) - x, -10.0),
])
def test_discontinuity_at_the_boundary(sense, condition, python, best):
    m, x, f = _jump(sense, condition)
    res = m.solve()
    assert res.status == "optimal" and res.verified
    assert python(res[x]) == pytest.approx(res.objective, abs=1e-6)
    assert res.value(f) == pytest.approx(res.objective, abs=1e-9)
    assert res.objective == pytest.approx(best, abs=1e-4)
    _python_takes_every_branch(res)


def test_steps_at_a_cut():
    m = bw.Model()
    x = m.continuous("x", 0, 10)
    m.maximize(x - bw.steps(x, [5.0], [0.0, 100.0]))  # best: x just below 5, or 10
    res = m.solve()
    assert res.verified and res.objective == pytest.approx(5.0, abs=1e-4)
    m = bw.Model()
    x = m.continuous("x", 0, 10)
    m.minimize(x + bw.steps(x, [5.0], [100.0, 0.0]))  # best: x = 5, on the cut
    res = m.solve()
    assert res.verified and res.objective == pytest.approx(5.0, abs=1e-4)
    assert res[x] >= 5.0
    _python_takes_every_branch(res)


def test_a_point_on_the_wrong_side_is_not_verified():
    module = runpy.run_path(str(LOGIC / "shipping.py"))
    res = module["model"].solve()
    x = res.x.copy()
    assert mismatch(x, res.witness) is None
    x[module["model"].column_names().index("w")] = np.nextafter(1.0, 2.0)
    assert mismatch(x, res.witness) is not None  # w <= 1 is False in Python there


@pytest.mark.parametrize("sense", ["minimize", "maximize"])
def test_round_off_in_the_condition_is_polished_away(sense):
    # 0.1 * 3.0 - 0.3 == 5.6e-17 > 0: the LP's vertex x = 3 is on Python's other side
    m = bw.Model()
    x = m.continuous("x", 0, 10)
    f = bw.if_then_else(0.1 * x <= 0.3, 0.0, 100.0) - x
    getattr(m, sense)(f)
    res = m.solve()
    assert res.status == "optimal" and res.verified
    value = res[x]
    python = (0.0 if 0.1 * value <= 0.3 else 100.0) - value
    assert python == pytest.approx(res.objective, abs=1e-9)
    # strict side: 0.1 x >= 0.3 + strict_gap, so x >= 3.0001
    assert res.objective == pytest.approx(-3.0 if sense == "minimize" else 96.9999, abs=1e-4)
    _python_takes_every_branch(res)
