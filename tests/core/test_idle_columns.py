"""A written problem leaves out the columns a reformulation only fixes (their values are
recomputed on the way back): fewer columns, the same optimum, nothing that is read
dropped."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from benchmarks.logic_scale import lotsizing
from branchwise.core.problem import Problem
from tests.oracle import oracle_solve


def _problem() -> Problem:
    """Four columns: x0 in a row, x1 fixed and unread with a cost, x2 fixed and in an
    SOS1 set, x3 fixed and read by the row."""
    return Problem(
        c=np.array([1.0, 2.0, 0.0, 0.0]),
        A=sp.csr_matrix(np.array([[1.0, 0.0, 0.0, 1.0]])),
        row_lower=np.array([1.0]), row_upper=np.array([np.inf]),
        col_lower=np.array([0.0, 3.0, 0.0, 0.5]), col_upper=np.array([5.0, 3.0, 0.0, 0.5]),
        integrality=np.zeros(4, dtype=bool), sos1=[np.array([0, 2])],
        col_names=["x0", "x1", "x2", "x3"])


def test_only_fixed_unread_candidates_go_and_their_cost_moves_to_the_offset() -> None:
    problem = _problem()
    slim = problem.without_idle_columns(np.array([1, 2, 3]))
    assert slim.col_names == ["x0", "x2", "x3"]
    assert slim.objective_offset == 6.0
    assert [m.tolist() for m in slim.sos1] == [[0, 1]]
    x = np.array([0.5, 0.0, 0.5])
    assert slim.objective_value(x) == problem.objective_value(np.array([0.5, 3.0, 0.0, 0.5]))


def test_a_column_that_is_not_a_candidate_stays() -> None:
    assert _problem().without_idle_columns(np.array([0])).n_cols == 4


def test_decision_tree_columns_leave_the_export_and_the_optimum_stays() -> None:
    """The lot-sizing family's user model (its order cost a @bw.program if/elif chain)."""
    m = lotsizing.user_model("orders", np.array([120.0, 0.0, 80.0, 300.0, 40.0]))
    full = m.reformulate(native_sos=False).problem
    written = m.to_problem(native_sos=False)
    assert written.n_cols < full.n_cols
    assert not any(name.startswith("_if") for name in written.col_names)
    expected, got = oracle_solve(full), oracle_solve(written)
    assert expected.status == got.status == "optimal"
    assert abs(expected.objective - got.objective) <= 1e-6 * max(1.0, abs(expected.objective))
    assert abs(got.objective - m.solve().objective) <= 1e-6 * max(1.0, abs(got.objective))
