"""The logic benchmark at real size (benchmarks/logic_scale): on the small size of every
family the user model and the hand MILP have the same optimum (HiGHS on both), checked
against an independent answer where one is cheap (literature, dynamic programming, all
job orders, the network itself), and the suite's runner works end to end on one case."""

from __future__ import annotations

import csv
import importlib
from itertools import permutations
from pathlib import Path

import numpy as np
import pytest

from benchmarks.adapters import cpsat, pyomo_gdp
from benchmarks.adapters.base import Limits
from benchmarks.logic_scale import (
    cases,
    flowshop,
    jobshop,
    lotsizing,
    relu,
    report,
    run,
    unitcommit,
)
from branchwise.core.highs_session import release_scheduler
from branchwise.io import write_problem
from tests.oracle import oracle_solve

TOLERANCE = 1e-6


def _optimum(model) -> tuple[float, np.ndarray]:
    """HiGHS's proven optimum and point of a model's MILP (branchwise's reformulation)."""
    answer = oracle_solve(model.to_problem(native_sos=False), time_limit=120)
    assert answer.status == "optimal"
    return answer.objective, answer.x


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(1.0, abs(b))


@pytest.fixture(scope="module", params=cases.FAMILIES)
def small(request: pytest.FixtureRequest) -> tuple[str, str, float]:
    """(family, small key, the hand model's optimum) for every family."""
    module = importlib.import_module(f"benchmarks.logic_scale.{request.param}")
    key = module.SIZES["small"][0]
    return request.param, key, _optimum(module.hand(key))[0]


def test_user_model_has_the_hand_models_optimum(small: tuple[str, str, float]) -> None:
    family, key, hand = small
    module = importlib.import_module(f"benchmarks.logic_scale.{family}")
    user, _ = _optimum(module.user(key))
    assert _close(user, hand), (family, user, hand)


def test_pyomo_gdp_model_has_the_hand_models_optimum(small: tuple[str, str, float]) -> None:
    """Pyomo's hull of the GDP model, a formulation made without branchwise (its big-M
    takes minutes on the lot sizing, so the hull stands for both)."""
    family, key, hand = small
    module = importlib.import_module(f"benchmarks.logic_scale.{family}")
    # The oracle's HiGHS sized the process-wide scheduler at the default thread count;
    # HiGHS refuses the adapter's threads=1 until it is released.
    release_scheduler()
    answer = pyomo_gdp.solve_model("gdp.hull", module.gdp(key), Limits(120, 1e-9, Path(".")))
    assert answer.status == "optimal"
    assert _close(answer.objective, hand), (family, answer.objective, hand)


#: Families whose compiled model misses the issue's bar at the small size, and why.
KNOWN_WEAKER = {
    "unitcommit": "the export's root LP and columns match the hand model's (208367, 480 to "
                  "720) but it has 1303 rows to 888: the minimum up/down times stay one "
                  "clause per hour pair, not the hand model's turn-on/off sums over v, w",
}


@pytest.mark.parametrize("family", cases.FAMILIES)
def test_compiled_model_is_as_tight_and_as_small_as_the_hand_model(
        family: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """On the small size: branchwise's export (the file HiGHS reads in the suite) has at
    most 1.2x the hand model's rows and columns, and a root LP bound at least as tight."""
    if family in KNOWN_WEAKER:
        request.applymarker(pytest.mark.xfail(reason=KNOWN_WEAKER[family], strict=True))
    module = importlib.import_module(f"benchmarks.logic_scale.{family}")
    key = module.SIZES["small"][0]
    sizes = []
    for name, model in (("hand", module.hand(key)), ("export", module.user(key))):
        path = tmp_path / f"{name}.mps"
        write_problem(model.to_problem(native_sos=False), path)
        release_scheduler()  # formulation() runs HiGHS with threads=1
        sizes.append(cases.formulation(path, time_limit=60))
    hand, export = sizes
    assert export.rows <= 1.2 * hand.rows and export.cols <= 1.2 * hand.cols, (hand, export)
    slack = 1e-6 * max(1.0, abs(hand.root))
    tighter = (export.root <= hand.root + slack if hand.maximize
               else export.root >= hand.root - slack)
    assert tighter, (hand.root, export.root)


def test_job_shop_hand_model_finds_the_literature_makespan_of_ft06() -> None:
    (case,) = [c for c in cases.select(["jobshop"], ["small"]) if c.key == "ft06"]
    objective, x = _optimum(jobshop.hand("ft06"))
    routes, _ = jobshop.read("ft06")
    start = x[: len(routes) * len(routes[0])].reshape(len(routes), -1)
    assert _close(objective, case.known)
    assert _close(jobshop.check_schedule("ft06", start), case.known)


def _lot_sizing_by_dynamic_programming(demand: np.ndarray) -> float:
    """Least cost over whole-unit orders and stocks, the order cost from the rule itself
    (``order_cost`` on plain floats). Whole units lose nothing: with each week's tier fixed
    the problem is a network flow with whole-number data."""
    total, top = int(demand.sum()), int(lotsizing.MAX_ORDER)
    price = np.array([lotsizing.order_cost(float(q)) for q in range(top + 1)])
    best = np.full(total + 1, np.inf)
    best[0] = 0.0
    for d in demand.astype(int):
        after = np.full(total + 1, np.inf)
        for q in range(top + 1):
            lo, hi = max(0, q - d), min(total, total + q - d)   # stock after the week
            if lo <= hi:
                window = best[lo - q + d: hi - q + d + 1] + price[q]
                after[lo: hi + 1] = np.minimum(after[lo: hi + 1], window)
        best = after + lotsizing.HOLDING * np.arange(total + 1)
    return float(best.min())


def test_lot_sizing_hand_model_matches_dynamic_programming() -> None:
    key = lotsizing.SIZES["small"][0]
    objective, _ = _optimum(lotsizing.hand(key))
    assert _close(objective, _lot_sizing_by_dynamic_programming(lotsizing.demand(key)))


def test_flow_shop_hand_model_matches_every_job_order() -> None:
    key = flowshop.SIZES["small"][0]
    jobs = len(flowshop.data(key)[0])
    objective, _ = _optimum(flowshop.hand(key))
    assert _close(objective, min(flowshop.makespan(key, list(p))
                                 for p in permutations(range(jobs))))


def test_relu_hand_optimum_is_the_networks_value_and_no_grid_point_beats_it() -> None:
    key = relu.SIZES["small"][0]
    objective, x = _optimum(relu.hand(key))
    inputs = relu.network(key)[0][0].shape[1]
    assert _close(relu.evaluate(key, x[:inputs]), objective)
    axis = np.linspace(-1, 1, 101)
    grid = np.array(np.meshgrid(*[axis] * inputs)).reshape(inputs, -1).T
    assert max(relu.evaluate(key, point) for point in grid) <= objective + TOLERANCE


def test_unit_commitment_hand_schedule_keeps_the_rules_and_costs_its_objective() -> None:
    """The hand optimum's schedule, checked hour by hour without the model: output in the
    committed units' ranges, demand and reserve met, every run and rest at least the unit's
    up/down time (a run cut by the horizon excepted), and its cost from the user's rule
    (:func:`unitcommit.unit_cost` on plain floats) plus start-ups is the objective."""
    key = unitcommit.SIZES["small"][0]
    units, load = unitcommit.data(key)
    objective, x = _optimum(unitcommit.hand(key))
    size = len(units) * load.size
    p = x[:size].reshape(len(units), -1)
    on = np.round(x[size: 2 * size].reshape(len(units), -1)).astype(int)
    assert np.allclose(p.sum(axis=0), load)
    assert np.all(units[:, unitcommit.PMAX] @ on >= (1 + unitcommit.RESERVE) * load - 1e-6)
    cost = 0.0
    for g, unit in enumerate(units):
        assert np.all(p[g] >= unit[unitcommit.PMIN] * on[g] - 1e-6)
        assert np.all(p[g] <= unit[unitcommit.PMAX] * on[g] + 1e-6)
        history = np.concatenate([[0], on[g]])
        changes = np.flatnonzero(np.diff(history)) + 1
        for begin, end in zip(changes, [*changes[1:], len(history)], strict=True):
            least = unit[unitcommit.UP] if history[begin] else unit[unitcommit.DOWN]
            assert end - begin >= least or end == len(history), (g, begin, end)
        cost += unit[unitcommit.STARTUP] * int(np.sum(np.diff(history) == 1))
        cost += sum(unitcommit.unit_cost(float(p[g, t]) * on[g, t], unit[unitcommit.BREAK],
                                         unit[unitcommit.NOLOAD], unit[unitcommit.LOW],
                                         unit[unitcommit.HIGH]) for t in range(load.size))
    assert _close(cost, objective)


def test_unit_commitment_hand_model_is_the_tight_three_binary_formulation(
        tmp_path: Path) -> None:
    """On, start and stop binaries per unit and hour, and a root LP bound (as the suite
    measures it) below the optimum but within 3 %: the turn-on/off inequalities are tight."""
    key = unitcommit.SIZES["small"][0]
    units, load = unitcommit.data(key)
    model = unitcommit.hand(key)
    objective, _ = _optimum(model)
    path = tmp_path / "hand.mps"
    write_problem(model.to_problem(native_sos=False), path)
    size = cases.formulation(path, time_limit=60)
    assert size.integers == 3 * len(units) * load.size
    assert size.root is not None and 0.97 * objective <= size.root <= objective + 1e-6


def test_cpsat_refuses_continuous_columns(tmp_path: Path) -> None:
    path = tmp_path / "relu.mps"
    write_problem(relu.hand(relu.SIZES["small"][0]).to_problem(native_sos=False), path)
    with pytest.raises(ValueError, match="continuous column"):
        cpsat.solve(path, Limits(10, 1e-6, tmp_path))


def test_contradictions_name_peers_that_cannot_both_be_right() -> None:
    good = {"solver": "a", "status": "optimal", "objective": 10.0, "bound": 10.0}
    same = {"solver": "b", "status": "optimal", "objective": 10.0 + 1e-9, "bound": 10.0}
    other = {"solver": "c", "status": "optimal", "objective": 12.0, "bound": 12.0}
    cut = {"solver": "d", "status": "time_limit", "objective": 15.0, "bound": 11.0}
    empty = {"solver": "e", "status": "infeasible", "objective": None, "bound": None}
    assert report.contradictions([good, same], maximize=False, gap=1e-6) == []
    assert any("proves" in line for line in report.contradictions([good, other], False, 1e-6))
    assert any("cuts off" in line for line in report.contradictions([good, cut], False, 1e-6))
    assert report.contradictions([good, cut], maximize=True, gap=1e-6) != []
    assert any("infeasible" in line for line in report.contradictions([good, empty], False,
                                                                      1e-6))


def test_suite_runs_every_peer_on_the_small_flow_shop(tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["--families", "flowshop", "--sizes", "small", "--time-limit", "30", "--out",
            str(out)]
    assert run.main(argv) == 0
    with (out / "results.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["solver"] for r in rows] == [p.name for p in run.PEERS]
    assert all(r["status"] == "optimal" for r in rows), [(r["solver"], r["note"]) for r in rows]
    reference = float(rows[0]["objective"])
    assert all(_close(float(r["objective"]), reference) for r in rows)
    assert all(r["agrees"] == "yes" for r in rows[1:])
    text = (out / "summary.md").read_text()
    assert "WARNING" not in text and "flowshop-6x3" in text
    with (out / "formulations.csv").open(newline="") as f:
        (formulation,) = list(csv.DictReader(f))
    assert int(formulation["hand_integers"]) == int(formulation["export_integers"]) > 0
    # branchwise reports its trajectory: its run's plot is saved and linked
    plot = out / "plots" / "flowshop-6x3.branchwise.png"
    assert plot.read_bytes()[:4] == b"\x89PNG" and "(plots/flowshop-6x3.branchwise.png)" in text


def test_the_seeds_tool_times_hand_and_export_per_seed(tmp_path: Path) -> None:
    from benchmarks.logic_scale import seeds

    seeds.main(["--families", "flowshop", "--sizes", "small", "--seeds", "2",
                "--out", str(tmp_path)])
    with (tmp_path / "seeds.csv").open() as f:
        (row,) = list(csv.DictReader(f))
    assert row["case"] == "flowshop-6x3" and row["hand_solved"] == row["export_solved"] == "2"
    for kind in ("hand", "export"):
        times = [float(t) for t in row[f"{kind}_times"].split()]
        assert len(times) == 2  # written with 3 decimals: the mean of the exact times
        assert float(row[kind]) == pytest.approx(seeds.shifted_mean(times), abs=1e-3)
    assert float(row["ratio"]) == pytest.approx((float(row["export"]) + 1) /
                                                (float(row["hand"]) + 1))
    assert "flowshop-6x3" in (tmp_path / "summary.md").read_text()
