"""The OSiL and quadratic-MPS readers against SCIP's own reading of the same files.

For every instance of ``problems/minlp`` the model we build has SCIP's variables (names,
bounds, integrality), SCIP's constraints (names) and, at random points inside the bounds,
the same objective value and the same value of every constraint.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from branchwise.cli import main
from branchwise.expr import Constraint
from branchwise.io import load_model
from branchwise.io.modeldata import OBJECTIVE, ModelData
from branchwise.io.mps import parse_mps
from branchwise.io.osil import parse_osil
from branchwise.model import Model
from tests.paths import DATA, MINLP
from tests.scip_reading import ScipReading

INSTANCES = sorted(p for p in MINLP.iterdir() if p.suffix in (".osil", ".mps"))
#: Small files with what the instances lack: maximisation, QUADOBJ, QMATRIX, ranged rows,
#: row constants, every nonlinear operator.
FEATURES = [DATA / "quadobj.mps", DATA / "qmatrix.mps", DATA / "features.osil"]
#: Random points per instance.
POINTS = 3
#: Half-width of the box sampled on a side without a bound.
REACH = 10.0


def constraints(model: Model) -> dict[str, Constraint]:
    """Every constraint of the model by name: linear, nonlinear, and conditions that are
    plain constraints."""
    found = [*model.constraints, *model.nonlinear_constraints,
             *(c for c in model.conditions if isinstance(c, Constraint))]
    return {c.name: c for c in found}


def values(model: Model, x: np.ndarray) -> tuple[float, dict[str, float]]:
    """The model's objective and the body of each constraint (``lhs - rhs``) at ``x``."""
    full = model.complete(x)
    bodies = {name: float(c.body.evaluate(full)) for name, c in constraints(model).items()}
    return float(model.objective.evaluate(full)), bodies


def random_point(lower: np.ndarray, upper: np.ndarray, integer: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """A point inside the bounds, integral where ``integer`` (SCIP's NLP rows simplify
    ``b**2`` to ``b`` for binaries); a side without a bound is REACH from the other side."""
    low = np.where(np.isfinite(lower), lower,
                   np.where(np.isfinite(upper), upper - REACH, -REACH))
    high = np.where(np.isfinite(upper), upper, low + (np.isfinite(lower) + 1) * REACH)
    x = rng.uniform(low, high)
    return np.where(integer, np.clip(np.round(x), np.ceil(low), np.floor(high)), x)


def expected_bodies(model: Model, scip: ScipReading, activities: dict[str, float]
                    ) -> dict[str, float]:
    """SCIP's activities turned into our constraint bodies: ``activity - side``, a ranged row
    as ``name[lower]`` and ``name[upper]``."""
    ours = constraints(model)
    expected = {}
    for name, activity in activities.items():
        lhs, rhs = scip.sides[name]
        if name in ours:
            expected[name] = activity - (lhs if ours[name].sense == ">=" else rhs)
        else:
            expected[f"{name}[lower]"] = activity - lhs
            expected[f"{name}[upper]"] = activity - rhs
    return expected


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("path", INSTANCES + FEATURES, ids=lambda p: p.name)
def test_instance_reads_as_scip_reads_it(path: Path):
    model = load_model(path)
    scip = ScipReading(path)
    names = model.column_names()
    lower, upper, integer = model.column_bounds()
    assert set(names) <= set(scip.variables)
    for name, low, high, is_int in zip(names, lower, upper, integer, strict=True):
        assert (low, high) == scip.bounds(name), name
        assert is_int == scip.is_integer(name), name
    assert model.maximize_objective == scip.maximize
    rng = np.random.default_rng(sum(path.name.encode()))
    for _ in range(POINTS):
        x = random_point(lower, upper, integer, rng)
        objective, activities = scip.evaluate(dict(zip(names, x, strict=True)))
        ours_objective, bodies = values(model, x)
        expected = expected_bodies(model, scip, activities)
        assert set(bodies) == set(expected)
        assert close(ours_objective, objective), (ours_objective, objective)
        wrong = {k: (bodies[k], expected[k]) for k in bodies if not close(bodies[k], expected[k])}
        assert not wrong


def convex_as_stated(data: ModelData) -> bool:
    """Every quadratic row describes a convex set with its sides (``<=`` needs a positive
    semidefinite Hessian, ``>=`` a negative one) and the objective is convex to minimise."""
    rows, first, second, value = data.quadratic
    n = len(data.col_names)
    for row in np.unique(rows):
        hessian = np.zeros((n, n))
        mask = rows == row
        np.add.at(hessian, (first[mask], second[mask]), value[mask])
        eigenvalues = np.linalg.eigvalsh(hessian + hessian.T)
        convex, concave = eigenvalues.min() >= -1e-9, eigenvalues.max() <= 1e-9
        if row == OBJECTIVE:
            ok = concave if data.maximize else convex
        else:
            ok = ((convex or not np.isfinite(data.row_upper[row]))
                  and (concave or not np.isfinite(data.row_lower[row])))
        if not ok:
            return False
    return True


def test_convex_column_agrees_with_the_hessians():
    """``convex`` in optimal.csv, checked on every instance without general nonlinear terms
    (m3 and cvxnonsep_psig40r are argued in the README)."""
    with (MINLP / "optimal.csv").open(newline="") as f:
        table = {row["name"]: row["convex"] for row in csv.DictReader(f)}
    assert set(table) == {p.stem for p in INSTANCES}
    checked = 0
    for path in INSTANCES:
        data = parse_osil(path) if path.suffix == ".osil" else parse_mps(path)
        if not data.nonlinear:
            assert (table[path.stem] == "yes") == convex_as_stated(data), path.stem
            checked += 1
    assert checked == len(INSTANCES) - 2


@pytest.mark.slow
@pytest.mark.parametrize("path", INSTANCES, ids=lambda p: p.name)
def test_scip_solution_is_feasible_in_our_model_with_the_same_objective(path: Path):
    """SCIP's best point (10 s) satisfies our model's rows, bounds and integrality, and our
    objective there is SCIP's (within SCIP's feasibility tolerance: SCIP's objective may be
    an auxiliary variable that its defining row only bounds to 1e-6)."""
    import pyscipopt

    scip = pyscipopt.Model()
    scip.hideOutput()
    scip.setParam("limits/time", 10.0)
    scip.readProblem(str(path))
    scip.optimize()
    assert scip.getNSols() > 0
    best = scip.getBestSol()
    variables = {v.name: v for v in scip.getVars()}
    model = load_model(path)
    x = np.array([scip.getSolVal(best, variables[name]) for name in model.column_names()])
    violation, where = model.violation(x)
    assert violation <= 1e-6, where
    assert float(model.objective.evaluate(x)) == pytest.approx(scip.getSolObjVal(best),
                                                               rel=1e-6, abs=1e-6)


def test_cli_solves_an_osil_file_to_scips_optimum(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]):
    import pyscipopt

    path = MINLP / "nvs03.osil"
    scip = pyscipopt.Model()
    scip.hideOutput()
    scip.readProblem(str(path))
    scip.optimize()
    assert main(["solve", str(path), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["status"] == "optimal" and answer["verified"]
    assert answer["objective"] == pytest.approx(scip.getObjVal(), rel=1e-6)
    assert set(answer["solution"]) == {"i1", "i2"}
    assert main(["convert", str(path), str(tmp_path / "nvs03.mps")]) == 1
    assert "nonlinear rows" in capsys.readouterr().err
    assert not (tmp_path / "nvs03.mps").exists()
