"""Wrong answers the engine once gave, kept as tests (found by the logic brute-force tests)."""

from __future__ import annotations

import pytest

import branchwise as bw
from branchwise.io import read_problem
from branchwise.solver import SolveOptions, solve
from tests.oracle import oracle_solve
from tests.paths import DATA


def test_nearly_integral_point_that_snaps_infeasible_is_branched() -> None:
    """The root LP leaves two binaries at 1e-6 (integral within tolerance); rounding them
    breaks a big-M row with M = 12. The node must be branched on, not dropped."""
    problem = read_problem(DATA / "snap_breaks_bigm.mps")
    reference = oracle_solve(problem)
    report = solve(problem, SolveOptions())
    assert report.status == reference.status == "optimal"
    assert report.objective == pytest.approx(reference.objective, abs=1e-6)


def test_sos1_branching_finds_the_optimum() -> None:
    """A logic model in native SOS form: an LP point with a tiny binary made the search
    drop the subtree holding the optimum 9 and prove 7."""
    m = bw.Model()
    n1, n2 = m.integer("n1", -2, 2), m.integer("n2", -2, 2)
    b, y = m.binary("b"), m.continuous("y", -2, 2)
    m.add(abs(-n1 + n2 - y + 2) == n1 - n2)
    m.add(b)
    m.maximize(abs(bw.steps(-n1 + n2 + y + 2, [-2, -0.5], [-2, -1, 2])) - n1 - 2 * n2 - 2 * y)
    native = m.to_problem("sos")
    assert native.sos1, "the model must exercise native SOS branching"
    reference = oracle_solve(m.to_problem("bigm", native_sos=False))
    report = solve(native, SolveOptions())
    assert report.status == "optimal"
    assert report.objective == pytest.approx(reference.objective, abs=1e-6)
    assert report.objective == pytest.approx(9.0)
