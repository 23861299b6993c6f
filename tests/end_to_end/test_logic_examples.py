"""Logic models end to end: the shipping example against brute force and through the CLI,
and native SOS branching against big-M and against HiGHS on the exported MPS."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import highspy
import numpy as np
import pytest

import branchwise as bw
from branchwise.cli import main
from tests.paths import LOGIC


@pytest.fixture(scope="module")
def shipping():
    sys.path.insert(0, str(LOGIC))
    try:
        import shipping as module
    finally:
        sys.path.remove(str(LOGIC))
    return module


def known_optimum(name: str) -> float:
    with open(LOGIC / "optimal.csv", newline="") as f:
        return next(float(r["optimal_objective"]) for r in csv.DictReader(f) if r["name"] == name)


def highs_on(path: Path) -> tuple[str, float]:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.readModel(str(path))
    h.run()
    status = h.getModelStatus()
    return h.modelStatusToString(status), h.getInfo().objective_function_value


def test_shipping_is_the_same_function_on_floats(shipping):
    assert shipping.shipping(3.0) == 9.0 and shipping.shipping(0.5) == 5.0
    assert shipping.shipping(50.0) == 80.5 and shipping.shipping(60.0) == 135.5


def test_shipping_optimum_is_the_brute_force_one(shipping):
    gap = shipping.model.strict_gap
    cuts = np.array([1.0, 5.0, 50.0])
    ws = np.unique(np.concatenate([np.linspace(0, 100, 10001), cuts - gap, cuts + gap]))
    brute = min(shipping.shipping(float(w)) - 0.4 * w for w in ws)
    res = shipping.model.solve()
    assert res.status == "optimal" and res.verified
    assert res.objective == pytest.approx(brute, abs=1e-5)
    assert brute == pytest.approx(known_optimum("shipping"), abs=1e-9)


def test_shipping_through_the_command_line(shipping, capsys, tmp_path):
    assert main(["solve", str(LOGIC / "shipping.py"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "optimal" and out["verified"]
    assert out["objective"] == pytest.approx(known_optimum("shipping"), abs=1e-5)
    mps = tmp_path / "shipping.mps"
    assert main(["convert", str(LOGIC / "shipping.py"), str(mps)]) == 0
    status, objective = highs_on(mps)
    assert status == "Optimal" and objective == pytest.approx(known_optimum("shipping"),
                                                              abs=1e-5)


def lcp_model(seed: int) -> bw.Model:
    """A linear complementarity problem with a cost: z ⟂ M z + q, z in [0, 10]^4."""
    rng = np.random.default_rng(seed)
    m = bw.Model(f"lcp{seed}")
    z = m.continuous("z", 0, 10, shape=4)
    w = rng.integers(-2, 4, (4, 4)) @ z + rng.integers(-6, 3, 4)
    for i in range(4):
        m.add(bw.complements(z[i], w[i]))
    m.minimize(rng.integers(-3, 4, 4) @ z)
    return m


def facility_model(seed: int) -> bw.Model:
    """Serve demand from at most one of five sites (SOS1), plus a complementarity pair."""
    rng = np.random.default_rng(seed)
    m = bw.Model(f"facility{seed}")
    x = m.continuous("x", 0, rng.integers(3, 8, 5).astype(float), shape=5)
    m.sos1(x)
    slack = m.continuous("slack", 0, 10)
    m.add(x.sum() + slack >= 5)
    m.add(bw.complements(slack, x[0] + x[1]))
    m.minimize(rng.integers(1, 6, 5) @ x + 4 * slack)
    return m


@pytest.mark.parametrize("build, seed", [(lcp_model, s) for s in range(6)]
                         + [(facility_model, s) for s in range(3)])
def test_native_sos_agrees_with_big_m_and_highs(build, seed, tmp_path):
    m = build(seed)
    native = m.to_problem("sos")
    assert native.sos1 and not native.integrality.any()  # no binary, no M
    exported = m.to_problem(native_sos=False)
    assert not exported.has_sos and exported.integrality.any()
    by_sos, by_bigm = m.solve(reformulation="sos"), m.solve(reformulation="bigm")
    assert by_sos.status == by_bigm.status
    path = tmp_path / f"{m.name}.py"
    path.write_text(f"from tests.end_to_end.test_logic_examples import {build.__name__}\n"
                    f"model = {build.__name__}({seed})\n")
    mps = tmp_path / f"{m.name}.mps"
    assert main(["convert", str(path), str(mps)]) == 0
    status, objective = highs_on(mps)
    if by_sos.status == "infeasible":
        assert status == "Infeasible"
        return
    assert by_sos.status == "optimal" and by_sos.verified and by_bigm.verified
    assert by_sos.objective == pytest.approx(by_bigm.objective, abs=1e-6)
    assert status == "Optimal" and by_sos.objective == pytest.approx(objective, abs=1e-6)
