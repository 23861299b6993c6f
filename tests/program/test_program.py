"""``@bw.program`` on the corpus: plain numbers unchanged, models equal to brute force."""

from __future__ import annotations

import importlib
import itertools
import random

import pytest

import branchwise as bw
from branchwise.program.decorator import _Symbolic
from tests.programs_corpus import CASES, Case


def ids(case: Case) -> str:
    return case.fn.__name__


def plain_points(case: Case, count: int = 60) -> list[list]:
    """Integer points of the box, then random floats in it (when the function takes them)."""
    rng = random.Random(case.fn.__name__)
    points = []
    for k in range(count):
        floats = case.floats and k % 2
        points.append([(rng.uniform(*b) if floats else rng.randint(*b))
                       if isinstance(b, tuple) else b for b in case.box])
    return points


def grid(case: Case) -> list[tuple[list, float]]:
    """Every integer point of the box with the plain function's value there."""
    ranges = [range(b[0], b[1] + 1) if isinstance(b, tuple) else [b] for b in case.box]
    return [(list(p), float(case.fn(*p))) for p in itertools.product(*ranges)]


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_plain_numbers_give_the_same_results(case):
    program = bw.program(case.fn)
    for args in plain_points(case):
        want = case.fn(*args)
        got = program(*args)
        assert got == want and type(got) is type(want)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_rewritten_body_on_plain_numbers_matches(case):
    """The rewritten code itself takes Python's path on plain values."""
    rewritten = _Symbolic(case.fn)
    for args in plain_points(case):
        want = case.fn(*args)
        got = rewritten(*args)
        assert got == want and type(got) is type(want)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_model_optimum_equals_brute_force(case):
    values = [value for _, value in grid(case)]
    for sense in ("minimize", "maximize"):
        m = bw.Model(case.fn.__name__)
        args = [m.integer(f"a{k}", *b) if isinstance(b, tuple) else b
                for k, b in enumerate(case.box)]
        getattr(m, sense)(bw.program(case.fn)(*args))
        res = m.solve()
        want = min(values) if sense == "minimize" else max(values)
        assert res.status == "optimal" and res.verified
        assert res.objective == pytest.approx(want, abs=1e-6), sense
        point = [round(res[a]) if isinstance(a, bw.Var) else a for a in args]
        assert case.fn(*point) == pytest.approx(want, abs=1e-6), sense


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_model_is_the_function_at_sample_points(case):
    """With its arguments fixed, the model's value is unique and is the function's value."""
    points = random.Random(case.fn.__name__).sample(grid(case), 2)
    for point, want in points:
        for sense in ("minimize", "maximize"):
            m = bw.Model()
            args = [m.integer(f"a{k}", v, v) if isinstance(b, tuple) else v
                    for k, (v, b) in enumerate(zip(point, case.box, strict=True))]
            getattr(m, sense)(bw.program(case.fn)(*args))
            res = m.solve()
            assert res.status == "optimal" and res.verified
            assert res.objective == pytest.approx(want, abs=1e-6), (point, sense)


def test_corpus_is_large_enough():
    assert len(CASES) >= 40


def test_exceptions_on_plain_numbers_are_the_originals():
    from tests.programs_corpus import price_of, sign

    for fn in (bw.program(price_of), _Symbolic(price_of)):
        with pytest.raises(IndexError, match="list index out of range"):
            fn(9)
    with pytest.raises(TypeError, match="'>' not supported"):
        bw.program(sign)("a")


def test_plain_numbers_do_no_ast_work(monkeypatch):
    from tests.programs_corpus import shipping as plain_shipping

    def fail(fn):
        raise AssertionError("compiled on the plain path")

    monkeypatch.setattr(importlib.import_module("branchwise.program.decorator"), "_compile", fail)
    shipping = bw.program(plain_shipping)
    assert [shipping(w) for w in (0.5, 3.0, 20.0, 60.0)] == [5.0, 9.0, 35.5, 135.5]
