"""The one pass shape: a chain applies the passes that accept, inverts them last first; the
solve driver is such a chain (binary products, objective row, presolve) and maps back; the
reformulation finds each construct's lowering by its type."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

import branchwise as bw
from branchwise.core.deadline import NO_DEADLINE
from branchwise.core.passes import Chain, Pass
from branchwise.core.problem import Problem
from branchwise.relaxations.analysis.requirement import Requirement
from branchwise.relaxations.chain import LOWERINGS, LowerLogic
from branchwise.relaxations.lowering import Lowering
from branchwise.relaxations.passes.complementarity import ComplementarityPass
from branchwise.relaxations.passes.conditional import IfThenElsePass
from branchwise.relaxations.passes.hull import HullPass
from branchwise.relaxations.passes.indicator import IndicatorPass
from branchwise.relaxations.passes.steps import StepsPass
from branchwise.relaxations.passes.tree_formulation import DecisionTreePass
from branchwise.solver.driver import solve
from branchwise.solver.options import SolveOptions


class _Append(Pass):
    """Appends its letter to a string; maps a solution back by appending it, too."""

    def __init__(self, letter: str, accepts: bool = True) -> None:
        self.letter, self.accepting = letter, accepts

    def accepts(self, item: str) -> bool:
        return self.accepting

    def apply(self, item: str) -> tuple[str, str]:
        return item + self.letter, self.letter

    def invert(self, inverse: str, solution: list[str]) -> list[str]:
        return [*solution, inverse]


def test_chain_applies_in_order_and_inverts_in_reverse():
    chain = Chain([_Append("a"), _Append("b"), _Append("c")])
    item, inverse = chain.apply("")
    assert item == "abc"
    assert chain.invert(inverse, []) == ["c", "b", "a"]


def test_chain_skips_a_pass_that_does_not_accept():
    chain = Chain([_Append("a"), _Append("b", accepts=False), _Append("c")])
    item, inverse = chain.apply("")
    assert item == "ac"
    assert chain.invert(inverse, []) == ["c", "a"]


def test_chain_is_itself_a_pass_and_the_default_invert_keeps_the_solution():
    class Upper(Pass):
        def apply(self, item: str) -> tuple[str, None]:
            return item.upper(), None

    inner = Chain([_Append("a"), Upper()])
    outer = Chain([inner, _Append("z")])
    item, inverse = outer.apply("")
    assert item == "Az"
    assert outer.invert(inverse, []) == ["z", "a"]


def test_a_pass_that_settles_the_item_ends_the_chain():
    class Settle(Pass):
        def apply(self, item: str) -> tuple[None, str]:
            return None, item

        def invert(self, inverse: str, solution: None) -> list[str]:
            return [f"settled {inverse}"]

    item, inverse = Chain([_Append("a"), Settle(), _Append("b")]).apply("")
    assert item is None
    assert Chain([]).invert(inverse, None) == ["settled a", "a"]


def _binary_qp(maximize: bool) -> Problem:
    """A nonconvex quadratic over 8 binaries with a cover row, a knapsack row, a pair row
    and one binary fixed at 0 (so presolve reduces the linearised problem)."""
    rng = np.random.default_rng(1)
    n = 8
    q = np.triu(rng.integers(-5, 6, size=(n, n)).astype(float), 1)
    c = rng.integers(-4, 5, size=n).astype(float)
    a = np.vstack([np.ones(n), np.eye(n)[-1], np.eye(n)[0] + np.eye(n)[1],
                   rng.integers(1, 6, size=n)])
    sign = -1.0 if maximize else 1.0
    return Problem(c=sign * c, A=sp.csr_matrix(a), row_lower=np.array([3.0, 0, -np.inf, -np.inf]),
                   row_upper=np.array([np.inf, 0, 1.0, 14.0]), col_lower=np.zeros(n),
                   col_upper=np.ones(n), integrality=np.ones(n, dtype=bool),
                   Q=sp.csr_matrix(sign * (q + q.T)), maximize=maximize)


def _enumerated(problem: Problem) -> float:
    """The optimum by trying every 0/1 point."""
    points = (np.array(x, dtype=float) for x in itertools.product((0, 1), repeat=problem.n_cols))
    values = [problem.objective_value(x) for x in points if problem.violation(x)[0] == 0]
    return max(values) if problem.maximize else min(values)


@pytest.mark.parametrize("maximize", [False, True])
def test_binary_products_and_presolve_map_back_and_verify(maximize):
    problem = _binary_qp(maximize)
    report = solve(problem)
    assert report.status == "optimal" and report.verified
    assert report.x.shape == (problem.n_cols,)
    assert report.objective == pytest.approx(_enumerated(problem))
    assert report.bound == pytest.approx(report.objective)
    assert report.stats["presolve"] == "reduced"


def test_objective_as_row_maps_back_to_the_original_columns():
    problem = replace(_binary_qp(False), Q=sp.csr_matrix(np.diag(np.arange(1.0, 9.0))))
    report = solve(problem, SolveOptions(quadratic_objective="outer"))
    assert report.status == "optimal" and report.verified
    assert report.x.shape == (problem.n_cols,)
    assert report.objective == pytest.approx(_enumerated(problem))


def _knapsack(maximize: bool) -> Problem:
    """Three knapsack rows over 14 items, one item fixed at 0: presolve drops it."""
    rng = np.random.default_rng(3)
    weights = rng.integers(2, 20, size=(3, 14)).astype(float)
    values = rng.integers(1, 30, size=14).astype(float)
    fixed = np.zeros((1, 14))
    fixed[0, -1] = 1.0
    return Problem(c=values if maximize else -values, A=sp.csr_matrix(np.vstack([weights, fixed])),
                   row_lower=np.array([-np.inf] * 3 + [0.0]),
                   row_upper=np.array([40.0, 45.0, 50.0, 0.0]), col_lower=np.zeros(14),
                   col_upper=np.ones(14), integrality=np.ones(14, dtype=bool), maximize=maximize)


def test_presolve_keeps_the_sign_of_a_maximisation():
    """HiGHS presolves a maximisation as a minimisation: the answer, its bound and the
    root bounds come back in the maximisation's own sense."""
    low, high = solve(_knapsack(False)), solve(_knapsack(True))
    for report in (low, high):
        assert report.stats["presolve"] == "reduced" and report.stats["presolved_cols"] == 13
        assert report.status == "optimal" and report.verified and report.x.shape == (14,)
    assert high.objective == pytest.approx(-low.objective) and high.objective > 0
    assert high.bound == pytest.approx(-low.bound)
    roots = [key for key in low.stats if key.startswith("root_bound") and low.stats[key]]
    assert roots
    for key in roots:
        assert high.stats[key] == pytest.approx(-low.stats[key])
        assert high.stats[key] >= high.objective - 1e-6


def test_requirements_try_the_lowerings_that_decide_by_content_first():
    assert LOWERINGS[Requirement] == (ComplementarityPass, HullPass, IndicatorPass)
    for kinds in LOWERINGS.values():
        assert all(issubclass(kind, Lowering) for kind in kinds)


def test_only_lowerings_that_map_something_back_define_invert():
    kinds = {kind for kinds in LOWERINGS.values() for kind in kinds}
    inverting = {kind for kind in kinds if kind.invert is not Lowering.invert}
    assert inverting == {IfThenElsePass, StepsPass, DecisionTreePass}


def test_a_construct_without_a_lowering_is_refused():
    lower = LowerLogic("auto", True, False, None, NO_DEADLINE)
    with pytest.raises(TypeError, match="no reformulation"):
        lower._lowering(object(), None)


def _model_with(extra) -> bw.Model:
    m = bw.Model("lowering")
    x, y = m.continuous("x", 0, 10), m.continuous("y", 0, 10)
    extra(m, x, y)
    m.minimize(x + y)
    return m


def test_lowerings_are_found_by_type_and_the_witness_comes_back_through_the_chain():
    def build(m, x, y):
        m.add(bw.either(x <= 1, x >= 9, (x >= 4) & (x <= 5)))  # three sides: the hull
        m.add(bw.either(y <= 2, y >= 8))  # two sides: the indicator pass
        m.add(m.continuous("z", -20, 20) == bw.if_then_else(x <= 3, 2 * y, -y))
        m.add(x + y >= 6)

    model = _model_with(build)
    lower = LowerLogic("auto", True, False, None, NO_DEADLINE)
    problem, records = lower.apply(model)
    assert [type(lowering) for lowering, _ in records] == [HullPass, IndicatorPass,
                                                           DecisionTreePass]
    result = model.solve()
    assert result.status == "optimal" and result.verified
    ref = model.reformulate()
    values, witness = ref.invert(result.report.x)
    assert values.shape == (model.n_vars,)
    assert list(witness.values()) == [bool(values[0] <= 3)]
