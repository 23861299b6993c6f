"""The small models of problems/logic against independent oracles: enumeration of the
plain-Python objective over the discrete choices, or one HiGHS LP (scipy) per choice."""

from __future__ import annotations

import csv
import importlib.util
import json
from bisect import bisect_right
from collections.abc import Callable
from itertools import permutations, product
from pathlib import Path
from types import ModuleType

import highspy
import numpy as np
import pytest
from scipy.optimize import linprog

from branchwise.cli import main
from tests.paths import LOGIC


def load(name: str) -> ModuleType:
    """Import problems/logic/NAME.py under a private module name."""
    spec = importlib.util.spec_from_file_location(f"logic_{name}", LOGIC / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def known_optimum(name: str) -> float:
    """The optimum recorded in problems/logic/optimal.csv."""
    with open(LOGIC / "optimal.csv", newline="") as f:
        return next(float(r["optimal_objective"]) for r in csv.DictReader(f) if r["name"] == name)


def lp(c: np.ndarray, bounds: list, a_ub: list, b_ub: list, a_eq: list, b_eq: list
       ) -> float | None:
    """Minimum of ``c @ x`` by HiGHS through scipy, None when infeasible."""
    res = linprog(c, A_ub=np.array(a_ub) if a_ub else None, b_ub=b_ub or None,
                  A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None,
                  bounds=bounds, method="highs")
    return res.fun if res.status == 0 else None


def oracle_scheduling(m: ModuleType) -> float:
    """Every job order, each job started as early as possible."""
    best = np.inf
    for order in permutations(range(len(m.P))):
        clock, total = 0.0, 0.0
        for j in order:
            clock = max(clock, m.R[j]) + m.P[j]
            total += m.W[j] * clock
        best = min(best, total)
    return best


def oracle_tariff(m: ModuleType) -> float:
    """Every pair of integer quantities; prices from the @bw.program rules on floats."""
    def fee(q: int) -> float:
        return [0, 60, 110, 160][bisect_right([1, 120, 240], q)]
    q = range(401)
    a = np.array([m.supplier_a(float(k)) + fee(k) for k in q])
    b = np.array([m.supplier_b(float(k)) + fee(k) for k in q])
    total = a[:, None] + b[None, :]
    covered = np.add.outer(np.arange(401), np.arange(401)) >= m.DEMAND
    return float(total[covered].min())


def oracle_network(m: ModuleType) -> float:
    """One transport LP per set of built links."""
    best = np.inf
    supply = [k for k, n in enumerate(m.NET) if n > 0]
    other = [k for k, n in enumerate(m.NET) if n <= 0]
    for built in product([0, 1], repeat=len(m.ARCS)):
        cost = lp(m.UNIT, [(0, c * o) for c, o in zip(m.CAP, built, strict=True)],
                  [m.INCIDENCE[k] for k in supply], [m.NET[k] for k in supply],
                  [m.INCIDENCE[k] for k in other], [m.NET[k] for k in other])
        if cost is not None:
            best = min(best, cost + m.FIXED @ np.array(built))
    return best


def oracle_piecewise_costs(m: ModuleType) -> float:
    """Every integer split of the demand (all breakpoints are integers)."""
    (xa, ya), (xb, yb), (xc, yc) = m.CURVES.values()
    best = np.inf
    for a, b in product(range(41), repeat=2):
        c = m.DEMAND - a - b
        if 0 <= c <= 40:
            best = min(best, np.interp(a, xa, ya) + np.interp(b, xb, yb) + np.interp(c, xc, yc))
    return float(best)


def oracle_relu(m: ModuleType) -> float:
    """One LP over the input box per on/off pattern of the eight hidden units."""
    best = -np.inf
    for pattern in product([0.0, 1.0], repeat=8):
        on1, on2 = np.array(pattern[:4]), np.array(pattern[4:])
        a1, c1 = on1[:, None] * m.W1, on1 * m.B1          # h1 = a1 x + c1
        a2, c2 = m.W2 @ a1, m.W2 @ c1 + m.B2              # pre-activation of layer 2
        sign = np.concatenate([1 - 2 * on1, 1 - 2 * on2])  # on: -z <= 0, off: z <= 0
        rows = np.vstack([m.W1, a2]) * sign[:, None]
        rhs = -np.concatenate([m.B1, c2]) * sign
        value = lp(-(m.W3 * on2) @ a2, [(-1, 1)] * 2, list(rows), list(rhs), [], [])
        if value is not None:
            best = max(best, -value + m.W3 @ (on2 * c2) + m.B3)
    return best


def oracle_carbon_tax(m: ModuleType) -> float:
    """One LP in (tax, q) per set of producing firms (the others make nothing)."""
    best = np.inf
    for active in product([True, False], repeat=3):
        rows, rhs, eq, eq_rhs = [[0.0, *m.EMIT]], [m.CAP], [], []
        for i in range(3):
            foc = [m.EMIT[i], 1.0, 1.0, 1.0]                 # c_i + e_i t - 100 + Q + q_i
            foc[1 + i] += 1.0
            if active[i]:
                eq.append(foc)
                eq_rhs.append(100 - m.COST[i])
            else:
                eq.append([0.0] + [float(j == i) for j in range(3)])
                eq_rhs.append(0.0)
                rows.append([-v for v in foc])
                rhs.append(m.COST[i] - 100)
        value = lp(np.array([1.0, 0, 0, 0]), [(0, 100)] * 4, rows, rhs, eq, eq_rhs)
        if value is not None:
            best = min(best, value)
    return best


def oracle_depots(m: ModuleType) -> float:
    """Every integer position of both depots (depot 0 west of depot 1)."""
    sites, weight = np.array(m.SITES), np.array(m.WEIGHT)
    grid = range(7)
    best = np.inf
    for x0, y0, x1, y1 in product(grid, repeat=4):
        if x0 <= x1:
            d0 = np.abs(sites[:, 0] - x0) + np.abs(sites[:, 1] - y0)
            d1 = np.abs(sites[:, 0] - x1) + np.abs(sites[:, 1] - y1)
            best = min(best, float(weight @ np.minimum(d0, d1)))
    return best


def oracle_overtime(m: ModuleType) -> float:
    """Every integer choice of the three weeks' hours; pay from ``pay`` on floats."""
    pay = np.array([m.pay(float(h)) for h in range(61)])
    h = np.arange(61)
    s1 = m.RATE * h[:, None, None] - m.DEMAND[0]
    s2 = s1 + m.RATE * h[None, :, None] - m.DEMAND[1]
    s3 = s2 + m.RATE * h[None, None, :] - m.DEMAND[2]
    cost = (pay[:, None, None] + pay[None, :, None] + pay[None, None, :]
            + m.HOLD * (s1 + s2 + s3))
    return float(cost[(s1 >= 0) & (s2 >= 0) & (s3 >= 0)].min())


ORACLES: dict[str, Callable[[ModuleType], float]] = {
    name.removeprefix("oracle_"): f for name, f in globals().items() if name.startswith("oracle_")}


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_model_matches_its_oracle(name: str) -> None:
    module = load(name)
    res = module.model.solve()
    assert res.status == "optimal" and res.verified
    oracle = ORACLES[name](module)
    assert res.objective == pytest.approx(oracle, abs=1e-6)
    assert known_optimum(name) == pytest.approx(oracle, abs=1e-6)


def test_every_logic_model_has_an_oracle_and_an_optimum() -> None:
    files = {p.stem for p in LOGIC.glob("*.py")} - {"shipping", "shipping_program"}
    assert files == set(ORACLES)
    for name in files:
        known_optimum(name)


def test_programs_are_plain_python_on_floats() -> None:
    assert load("overtime").pay(45.0) == 1187.5 and load("overtime").pay(55.0) == 1775.0
    tariff = load("tariff")
    assert tariff.supplier_a(99.0) == 495.0 and tariff.supplier_a(100.0) == pytest.approx(460.0)
    assert tariff.supplier_b(150.0) == 660.0


def test_command_line_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(LOGIC / "tariff.py"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "optimal" and out["verified"]
    assert out["objective"] == pytest.approx(known_optimum("tariff"), abs=1e-6)
    assert out["solution"]["qa"] + out["solution"]["qb"] >= 280 - 1e-9


@pytest.mark.parametrize("name", ["network", "piecewise_costs", "carbon_tax"])
def test_highs_on_the_converted_mps(name: str, tmp_path: Path) -> None:
    mps = tmp_path / f"{name}.mps"
    assert main(["convert", str(LOGIC / f"{name}.py"), str(mps)]) == 0
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.readModel(str(mps))
    h.run()
    assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
    assert h.getInfo().objective_function_value == pytest.approx(
        known_optimum(name), abs=1e-6)


