"""``@bw.program`` where functions live (files, notebooks, methods, closures, lambdas)
and how they are called (keywords, defaults, recursion, other programs, globals)."""

from __future__ import annotations

import itertools
import linecache
import runpy
import traceback

import numpy as np
import pytest

import branchwise as bw
from branchwise import ProgramError
from tests.paths import LOGIC


def model_value(program, *point, **named):
    """The program's value when its int arguments are decision variables fixed at ``point``.

    Solved twice (min and max) so the value is also proven to be unique.
    """
    found = []
    for sense in ("minimize", "maximize"):
        m = bw.Model()
        args = [_fixed(m, f"a{k}", v) for k, v in enumerate(point)]
        kwargs = {k: _fixed(m, k, v) for k, v in named.items()}
        getattr(m, sense)(program(*args, **kwargs))
        res = m.solve()
        assert res.status == "optimal"
        found.append(res.objective)
    assert found[0] == pytest.approx(found[1], abs=1e-7)
    return found[0]


def _fixed(m, name, value):
    """An integer variable fixed at ``value`` when it is an int; anything else as is."""
    return m.integer(name, value, value) if type(value) is int else value


# --- notebooks and sources ------------------------------------------------------------------

CELL = '''import branchwise as bw

@bw.program
def cell_fee(x):
    k = 0
    while x >= k:
        k += 1
    return k

@bw.program
def cell_price(x):
    if x <= 2:
        return 1.0
    return x - 0.5
'''


def run_cell(filename: str) -> dict:
    """Run CELL as a notebook does: compiled under a cell name registered in linecache."""
    linecache.cache[filename] = (len(CELL), None, CELL.splitlines(True), filename)
    namespace: dict = {}
    exec(compile(CELL, filename, "exec"), namespace)
    return namespace


def test_notebook_cell_source_is_read_from_linecache():
    cell = run_cell("<ipython-input-7-0123456789ab>")
    m = bw.Model()
    with pytest.raises(ProgramError) as info:
        cell["cell_fee"](m.integer("x", 0, 3))
    assert (info.value.filename, info.value.lineno) == ("<ipython-input-7-0123456789ab>", 6)
    assert cell["cell_fee"](2.5) == 3


def test_notebook_cell_function_becomes_a_model():
    cell = run_cell("<ipython-input-8-0123456789ab>")
    assert [model_value(cell["cell_price"], v) for v in (1, 4)] == [1.0, 3.5]


def test_ipython_cell():
    ipython = pytest.importorskip("IPython.core.interactiveshell",
                                  reason="IPython is not installed")
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = ipython.InteractiveShell(config=config)
    assert shell.run_cell(CELL).success
    m = bw.Model()
    with pytest.raises(ProgramError, match=r"^<ipython-input-\d+-\w+>:6: 'while'"):
        shell.user_ns["cell_fee"](m.integer("x", 0, 3))


def test_tracebacks_keep_the_original_lines():
    @bw.program
    def scaled(x, d):
        y = 2 * x
        return y / d

    m = bw.Model()
    with pytest.raises(ZeroDivisionError) as info:
        scaled(m.integer("x", 0, 3), 0)
    frames = [f for f in traceback.extract_tb(info.tb) if f.name == "scaled"]
    assert frames and frames[-1].filename == __file__
    assert frames[-1].line == "return y / d"


# --- lambdas, methods, closures -------------------------------------------------------------

TABLE = [3, 1, 4]
capped = bw.program(lambda x: 2 * x if x <= 3 else 6)
looked_up = bw.program(lambda i: TABLE[i + 2])


def test_lambda_in_a_file_is_rewritten():
    m = bw.Model()
    with pytest.raises(ProgramError, match="the table does not have") as info:
        looked_up(m.integer("i", 0, 1))
    assert info.value.lineno == looked_up.__wrapped__.__code__.co_firstlineno
    assert capped(2) == 4 and capped(5) == 6


def test_lambda_becomes_a_model():
    assert [model_value(capped, v) for v in (2, 5)] == [4, 6]


class Tariff:
    def __init__(self, base):
        self.base = base
        self.__surcharge = 3

    @bw.program
    def cost(self, q):
        if q >= 4:
            return self.base + self.__surcharge * q
        return self.base


class DiscountTariff(Tariff):
    @bw.program
    def cost(self, q):
        full = super().cost(q)
        return full - 1 if q >= 6 else full


class Plant:
    def __init__(self, m):
        self.level = m.integer("level", 0, 5)

    @bw.program
    def alarm(self):
        steps = 0
        while self.level >= steps:
            steps += 1
        return steps


def test_methods_on_plain_numbers():
    assert Tariff(7).cost(5) == 22 and Tariff(7).cost(2) == 7
    assert DiscountTariff(7).cost(6) == 24


def test_methods_become_models():
    assert model_value(Tariff(7).cost, 5) == 22
    assert model_value(DiscountTariff(7).cost, 6) == 24
    assert model_value(DiscountTariff(7).cost, 4) == 19


def test_variables_reached_through_self_take_the_rewritten_path():
    plant = Plant(bw.Model())
    with pytest.raises(ProgramError, match="'while' on a decision variable"):
        plant.alarm()


def make_fee(limit, rates):
    @bw.program
    def fee(x):
        if x <= limit:
            return rates[0] * x
        return rates[0] * limit + rates[1] * (x - limit)
    return fee


def test_closures_over_constants():
    fee = make_fee(4, (1.0, 3.0))
    assert [model_value(fee, v) for v in (3, 6)] == [fee(3), fee(6)] == [3.0, 10.0]


# --- calls ----------------------------------------------------------------------------------

@bw.program
def steps_below(x, n):
    if n == 0:
        return 0
    return (1 if x >= n else 0) + steps_below(x, n - 1)


@bw.program
def surcharge(x, *, rate=2.0, cap=None):
    extra = rate * x
    if cap is not None and extra > cap:
        extra = cap
    return extra


@bw.program
def within(x, y):
    return x + y <= 5 and x >= 1


def test_recursion_on_a_plain_depth():
    assert [model_value(lambda x: steps_below(x, 3), v) for v in (0, 2, 5)] == [0, 2, 3]


def test_keywords_and_defaults():
    assert model_value(surcharge, 4) == 8.0
    assert model_value(surcharge, 4, cap=5.0) == 5.0
    assert model_value(surcharge, x=3, rate=1.0) == 3.0
    assert surcharge(4, cap=5.0) == 5.0


def test_a_program_can_return_a_condition():
    m = bw.Model()
    x, y = m.integer("x", 0, 9), m.integer("y", 0, 9)
    m.add(within(x, y))
    m.maximize(2 * y + x)
    res = m.solve()
    assert res.status == "optimal" and res.objective == 9  # x = 1, y = 4
    assert within(1, 4) is True and within(0, 4) is False


def test_variables_reached_through_a_closure():
    m = bw.Model()
    x = m.integer("x", 0, 6)

    @bw.program
    def penalty():
        if x >= 4:
            return 10 - x
        return x

    m.maximize(penalty())
    assert m.solve().objective == 6


def test_imports_try_and_with_inside_a_program():
    import contextlib

    @bw.program
    def tidy(x):
        import math
        with contextlib.suppress(KeyError):
            limit = math.floor(2.5)
        try:
            value = {1: 2}[3]
        except KeyError as missing:
            value = len(missing.args)
        return value + (x if x <= limit else limit)

    assert [model_value(tidy, v) for v in (1, 4)] == [2, 3]


@bw.program
def total_over(xs, threshold=2):
    total = 0
    for v in xs:
        if v >= threshold:
            total += v
    return total


def test_lists_and_arrays_of_variables_as_arguments():
    m = bw.Model()
    xs = [m.integer(f"x{k}", 0, 4) for k in range(3)]
    m.add(xs[0] + xs[1] + xs[2] == 5)
    m.minimize(total_over(xs) + xs[0])
    res = m.solve()
    brute = min(total_over(p) + p[0] for p in itertools.product(range(5), repeat=3)
                if sum(p) == 5)
    assert res.status == "optimal" and res.objective == pytest.approx(brute)
    m = bw.Model()
    X = m.integer("X", 0, 4, shape=3)
    m.add(X.sum() == 5)
    m.minimize(total_over(X, threshold=3) - X[2])
    brute = min(total_over(p, threshold=3) - p[2] for p in itertools.product(range(5), repeat=3)
                if sum(p) == 5)
    assert m.solve().objective == pytest.approx(brute)


def test_shipping_program_problem_file():
    path = LOGIC / "shipping_program.py"
    problem = runpy.run_path(str(path))
    res = problem["model"].solve()
    assert res.status == "optimal" and res.verified
    assert res.objective == pytest.approx(19.0, abs=1e-6)
    shipping = problem["shipping"]  # on plain floats: a grid search over one parcel
    best = max(1.8 * w - shipping(w) for w in np.linspace(0, 100, 2001))
    assert 2 * best == pytest.approx(19.0)
