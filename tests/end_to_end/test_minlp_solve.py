"""End to end on the MINLP instances branchwise proves optimal (the convex ones and a binary
QP, listed in benchmarks/subsets/minlp-exact.txt): read the file, solve through Model.solve,
and compare with the optimum MINLPLib lists (proven by other solvers)."""

from __future__ import annotations

import csv

import pytest

from branchwise.io import load_model
from tests.paths import MINLP, ROOT

#: Instances solved in about a second; the others run with ``-m slow``.
FAST = {"ball_mk2_10", "nvs03", "nvs11", "st_miqp1", "st_test8", "du-opt5",
        "cvxnonsep_normcon20r", "cvxnonsep_normcon40r", "graphpart_2pm-0044-0044", "m3", "meanvarx"}


def _exact_instances() -> list:
    names = {line.strip() for line in (ROOT / "benchmarks" / "subsets" / "minlp-exact.txt")
             .read_text().splitlines() if line.strip() and not line.startswith("#")}
    with open(MINLP / "optimal.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["name"] in names]
    return [pytest.param(row["name"], float(row["optimal_objective"]),
                         marks=() if row["name"] in FAST else pytest.mark.slow,
                         id=row["name"]) for row in rows]


@pytest.mark.parametrize(("name", "optimum"), _exact_instances())
def test_instance_reaches_the_listed_optimum(name: str, optimum: float) -> None:
    path = next(MINLP.glob(f"{name}.*"))
    result = load_model(path).solve(time_limit=120)
    assert result.status == "optimal"
    assert result.verified
    tolerance = 1e-5 * max(1.0, abs(optimum))  # some listed values carry 8-10 digits
    assert result.objective == pytest.approx(optimum, abs=tolerance)
    assert result.bound <= optimum + tolerance
