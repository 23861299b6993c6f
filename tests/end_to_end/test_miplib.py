"""MIPLIB instances with known optima: branchwise must prove each optimum HiGHS finds fast."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from branchwise.core.problem import Problem
from branchwise.io import read_problem
from branchwise.solver import SolveOptions, solve
from tests.paths import MIP

#: Per-instance limit so that a regression fails instead of hanging.
OPTIONS = SolveOptions(time_limit=120.0)
#: Instances HiGHS proves optimal faster than this (seconds, baseline CSV) are tested...
INCLUDE_BELOW = 2.0
#: Instances branchwise proves optimal in a few seconds on 2 cores (measured, see the
#: benchmark results) run by default; the others of the list are marked slow. Several of
#: those do not yet finish within OPTIONS.time_limit: closing that gap is engine work.
FAST_FOR_BRANCHWISE = {"egout", "enigma", "flugpl", "gen", "gr4x6", "gt2", "misc03", "p0033",
                       "p0548", "vpm1"}
RELATIVE = 1e-6


def read_csv(name: str) -> dict[str, dict[str, str]]:
    """Rows of a CSV in MIP keyed by their ``name`` column."""
    with open(MIP / name, newline="") as handle:
        return {row["name"]: row for row in csv.DictReader(handle)}


def instances() -> Iterator[pytest.param]:
    """(name, known optimum) of every instance HiGHS solved to optimality in INCLUDE_BELOW s."""
    optima = read_csv("optimal.csv")
    for name, row in sorted(read_csv("highs_baseline_60s.csv").items()):
        if row["status"] != "Optimal":
            continue
        seconds = float(row["time_s"])
        if seconds >= INCLUDE_BELOW:
            continue
        marks = [] if name in FAST_FOR_BRANCHWISE else [pytest.mark.slow]
        yield pytest.param(name, float(optima[name]["optimal_objective"]), id=name, marks=marks)


def assert_optimal(problem: Problem, optimum: float) -> None:
    """Solve ``problem``; it must be proven optimal at ``optimum`` with a feasible point."""
    report = solve(problem, OPTIONS)
    assert report.status == "optimal", f"{problem.name}: {report.status} after {report.time:.1f}s"
    assert abs(report.objective - optimum) <= RELATIVE * max(1.0, abs(optimum)), (
        f"{problem.name}: objective {report.objective}, known optimum {optimum}")
    worst, where = problem.violation(report.x)
    assert worst <= 1e-6, f"{problem.name}: violation {worst} at {where}"


@pytest.mark.parametrize(("name", "optimum"), list(instances()))
def test_known_optimum(name: str, optimum: float) -> None:
    """The engine reaches the published optimum."""
    assert_optimal(read_problem(MIP / f"{name}.mps.gz"), optimum)


def test_p0033() -> None:
    """p0033, the classic smoke test, has optimum 3089."""
    assert_optimal(read_problem(MIP / "p0033.mps.gz"), 3089.0)


def parity_problem() -> Problem:
    """2x + 2y + 4z = 7 over integers in [0, 5]: LP-feasible, integer-infeasible."""
    return Problem(c=[1.0, -1.0, 2.0], A=[[2.0, 2.0, 4.0]], row_lower=[7.0], row_upper=[7.0],
                   col_lower=np.zeros(3), col_upper=np.full(3, 5.0),
                   integrality=np.ones(3, dtype=bool), name="parity")


def contradiction_problem() -> Problem:
    """x + y <= 1 and x + y >= 2 with x integer and y free: infeasible at the root LP."""
    return Problem(c=[1.0, 1.0], A=[[1.0, 1.0], [1.0, 1.0]], row_lower=[-np.inf, 2.0],
                   row_upper=[1.0, np.inf], col_lower=[0.0, -np.inf], col_upper=[10.0, np.inf],
                   integrality=[True, False], name="contradiction")


@pytest.mark.parametrize("build", [parity_problem, contradiction_problem])
def test_infeasible(build: Callable[[], Problem]) -> None:
    """A constructed infeasible instance is reported infeasible."""
    report = solve(build(), OPTIONS)
    assert report.status == "infeasible"
