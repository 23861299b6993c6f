"""End to end on the convex MINLP instances of problems/minlp: read the file, solve through
Model.solve, and compare with the optimum MINLPLib lists (proven by other solvers)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from branchwise.io import load_model

MINLP = Path(__file__).resolve().parents[1] / "problems" / "minlp"
#: Instances solved in about a second; the others run with ``-m slow``.
FAST = {"ball_mk2_10", "nvs03", "nvs11", "st_miqp1", "st_test8", "du-opt5",
        "cvxnonsep_normcon20r", "cvxnonsep_normcon40r"}


def _convex_instances() -> list:
    with open(MINLP / "optimal.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["convex"] == "yes"]
    return [pytest.param(row["name"], float(row["optimal_objective"]),
                         marks=() if row["name"] in FAST else pytest.mark.slow,
                         id=row["name"]) for row in rows]


@pytest.mark.parametrize(("name", "optimum"), _convex_instances())
def test_convex_instance_reaches_the_listed_optimum(name: str, optimum: float) -> None:
    path = next(MINLP.glob(f"{name}.*"))
    result = load_model(path).solve(time_limit=120)
    assert result.status == "optimal"
    assert result.verified
    tolerance = 1e-5 * max(1.0, abs(optimum))  # some listed values carry 8-10 digits
    assert result.objective == pytest.approx(optimum, abs=tolerance)
    assert result.bound <= optimum + tolerance
