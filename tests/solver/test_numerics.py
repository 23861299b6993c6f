"""Integral LP points that break a row once rounded (big-M rows): repaired or branched on,
never dropped, and a search that cannot settle a node says why."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import highspy
import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp

from branchwise.core.highs_session import new_highs
from branchwise.core.problem import Problem
from branchwise.core.tolerances import FEASIBILITY
from branchwise.io import read_problem
from branchwise.solver import SolveOptions, solve
from branchwise.solver.branch.reliability import violated_row_column
from branchwise.solver.tree.repair import repair_assignment
from tests.paths import DATA

BIGM_FILE = DATA / "bigmL_352_min.mps"


def highs_optimum(path: Path) -> float:
    """HiGHS's own MIP optimum of the file, read by HiGHS itself (the oracle)."""
    highs = new_highs()
    assert highs.readModel(str(path)) == highspy.HighsStatus.kOk
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return highs.getInfo().objective_function_value


def test_big_m_reproducer_reaches_the_optimum() -> None:
    """7 columns, M ~ 1e5: the LP point of a node has a capacity at 1e-6 where its binary
    is fixed at 0 (the propagated bound's safety slack). It used to be rejected and its
    subtree dropped: numerical_error with 6244.96. Now it is repaired: optimal 3897.31."""
    optimum = highs_optimum(BIGM_FILE)
    assert optimum == pytest.approx(3897.31141, abs=1e-4)
    problem = read_problem(BIGM_FILE)
    report = solve(problem, SolveOptions())
    assert report.status == "optimal", report.reason
    assert report.objective == pytest.approx(optimum, rel=1e-6)
    assert report.bound <= report.objective + 1e-6 * abs(optimum)
    assert report.verified and problem.violation(report.x)[0] <= FEASIBILITY
    assert report.reason == ""


def test_big_m_reproducer_on_the_command_line() -> None:
    """The README's way in: ``branchwise solve FILE --json`` reports the optimum."""
    command = [sys.executable, "-m", "branchwise.cli", "solve", str(BIGM_FILE), "--json"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    answer = json.loads(run.stdout)
    assert answer["status"] == "optimal"
    assert answer["objective"] == pytest.approx(highs_optimum(BIGM_FILE), rel=1e-6)


def facility(capacity: float, demand: float) -> Problem:
    """One facility (binary y, opening cost 100) shipping x at cost 1 to a demand:
    ``x >= demand``, ``x - capacity * y <= 0``; columns (x, y)."""
    return Problem(
        c=np.array([1.0, 100.0]), A=sp.csr_matrix([[1.0, 0.0], [1.0, -capacity]]),
        row_lower=np.array([demand, -np.inf]), row_upper=np.array([np.inf, 0.0]),
        col_lower=np.zeros(2), col_upper=np.array([np.inf, 1.0]),
        integrality=np.array([False, True]))


def test_repair_completes_an_assignment_and_bounds_it() -> None:
    """y = 1 fixed: the LP over x gives x = demand; the bound is that point's objective,
    as scipy's LP over the same fixed problem says."""
    problem = facility(1e5, 0.05)
    point = np.array([0.0, 1.0])  # x left wrong on purpose: the repair re-solves it
    repair = repair_assignment(problem, point, np.array([1]))
    assert repair.status == "feasible"
    assert repair.x == pytest.approx([0.05, 1.0])
    assert problem.violation(repair.x)[0] <= FEASIBILITY
    fixed = scipy.optimize.linprog(
        problem.c, A_ub=[[-1.0, 0.0], [1.0, -1e5]], b_ub=[-0.05, 0.0],
        bounds=[(0, None), (1, 1)], method="highs-ds")
    assert repair.bound == pytest.approx(fixed.fun, rel=1e-9)


def test_repair_of_a_maximisation_bounds_in_the_minimised_sense() -> None:
    """Internally every search minimises: a maximisation's repair bound is the negated
    objective of its best completion."""
    problem = facility(1e5, 0.05)
    problem.maximize, problem.c = True, -problem.c
    repair = repair_assignment(problem, np.array([0.0, 1.0]), np.array([1]))
    assert repair.status == "feasible"
    assert repair.bound == pytest.approx(-problem.objective_value(repair.x), rel=1e-9)


def test_repair_sees_an_assignment_no_completion_satisfies() -> None:
    """y = 0 leaves no room for the demand: infeasible, with an infinite bound (a node
    holding only this assignment is empty), and a reason naming what failed."""
    repair = repair_assignment(facility(1e5, 0.05), np.array([0.05, 0.0]), np.array([1]))
    assert repair.status == "infeasible" and repair.bound == np.inf
    assert "infeasible" in repair.reason


def test_repair_of_a_pure_integer_point_checks_its_rows() -> None:
    """Nothing is left to solve when every column is fixed: the rows decide, and the row
    the assignment breaks is named."""
    problem = Problem(
        c=np.array([1.0, 1.0]), A=sp.csr_matrix([[2.0, 2.0]]), row_lower=np.array([3.0]),
        row_upper=np.array([3.0]), col_lower=np.zeros(2), col_upper=np.full(2, 3.0),
        integrality=np.ones(2, dtype=bool), row_names=["parity"])
    broken = repair_assignment(problem, np.array([1.0, 1.0]), np.arange(2))
    assert broken.status == "infeasible" and "parity" in broken.reason
    problem.row_lower[:] = problem.row_upper[:] = 4.0
    kept = repair_assignment(problem, np.array([1.0, 1.0]), np.arange(2))
    assert kept.status == "feasible" and kept.bound == pytest.approx(2.0)


def test_repair_folds_quadratic_cross_terms_into_the_bound() -> None:
    """min x² + x·y + y with y integer fixed at 2: the LP over x is min x² + 2x + 2 at
    x = -1, objective 1; the bound counts the fixed column's own terms."""
    problem = Problem(
        c=np.array([0.0, 1.0]), A=sp.csr_matrix((0, 2)), row_lower=np.zeros(0),
        row_upper=np.zeros(0), col_lower=np.full(2, -5.0), col_upper=np.full(2, 5.0),
        integrality=np.array([False, True]), Q=sp.csr_matrix([[2.0, 1.0], [1.0, 0.0]]))
    repair = repair_assignment(problem, np.array([0.0, 2.0]), np.array([1]))
    assert repair.status == "feasible"
    assert repair.x == pytest.approx([-1.0, 2.0], abs=1e-6)
    assert repair.bound == pytest.approx(problem.objective_value(repair.x), abs=1e-6)
    assert repair.bound == pytest.approx(1.0, abs=1e-6)


def test_branching_column_comes_from_the_row_rounding_broke() -> None:
    """Two facilities, the LP point opens the second at 5e-8 (integral within tolerance)
    and ships through it: rounding breaks its capacity row, whose binary is chosen."""
    problem = Problem(
        c=np.array([1.0, 1.0, 100.0, 100.0]),
        A=sp.csr_matrix([[1.0, 1.0, 0.0, 0.0], [1.0, 0.0, -1e6, 0.0],
                         [0.0, 1.0, 0.0, -1e6]]),
        row_lower=np.array([0.05, -np.inf, -np.inf]), row_upper=np.array([np.inf, 0.0, 0.0]),
        col_lower=np.zeros(4), col_upper=np.array([np.inf, np.inf, 1.0, 1.0]),
        integrality=np.array([False, False, True, True]))
    x = np.array([0.0, 0.05, 0.0, 5e-8])
    rounded = np.array([0.0, 0.05, 0.0, 0.0])
    lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
    assert violated_row_column(problem, rounded, x, lower, upper) == 3
    upper[3] = 0.0  # the binary fixed: no column of the broken row can move
    assert violated_row_column(problem, rounded, x, lower, upper) is None
    assert violated_row_column(problem, x, x, problem.col_lower, problem.col_upper) is None
