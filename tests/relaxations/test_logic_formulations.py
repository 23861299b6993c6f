"""The compiled size and root bound of logic against hand-written MILPs (tests/yardsticks.py):
the job shop's two-term disjunctions here (the purchasing rule's decision tree is held to
its hand model in test_decision_trees.py), and clauses that need no row at all."""

from __future__ import annotations

import highspy

import branchwise as bw
from branchwise.core.highs_session import new_highs
from tests import yardsticks
from tests.oracle import _highs_lp


def _root_bound(problem) -> float:
    highs = new_highs()
    highs.setOptionValue("output_flag", False)
    lp = _highs_lp(problem, problem.c)
    lp.integrality_ = []
    highs.passModel(lp)
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return highs.getInfo().objective_function_value


def test_two_term_either_is_as_small_and_tight_as_the_hand_big_m_model():
    hand = yardsticks.job_shop(hand=True).to_problem(native_sos=False)
    for mode in ("auto", "bigm"):
        compiled = yardsticks.job_shop(hand=False).to_problem(mode, native_sos=False)
        rows, cols, ints = yardsticks.sizes(compiled)
        hand_rows, hand_cols, hand_ints = yardsticks.sizes(hand)
        assert rows <= 1.2 * hand_rows and cols <= 1.2 * hand_cols, (mode, rows, cols)
        assert ints == hand_ints  # one binary per machine pair, as by hand
        assert _root_bound(compiled) >= _root_bound(hand) - 1e-6


def test_a_clause_no_binary_point_breaks_gets_no_row():
    # "a shut-down keeps the unit off in its own hour": implies(a & ~b, ~b) always holds.
    m = bw.Model()
    a, b, c = m.binary("a"), m.binary("b"), m.binary("c")
    m.add(bw.implies(a & ~b, ~b))
    m.add(bw.implies(a & ~b, c))  # a real clause: c >= a - b
    m.maximize(a - b - c)
    problem = m.to_problem(native_sos=False)
    assert problem.n_rows == 1
    res = m.solve()
    assert res.status == "optimal" and res.verified and res.objective == 0
