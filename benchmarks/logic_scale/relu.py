"""The largest output of a ReLU network over the input box [-1, 1]^n, the basic query of
neural-network verification.

The user writes each hidden unit as ``bw.max(0, w . h + b)``. By hand, the standard big-M
formulation with bounds from interval arithmetic: a unit that is always off is 0, one that
is always on is its input, any other gets a binary and four rows. The Pyomo GDP user writes
one Disjunction per unit (off: output 0 and input <= 0; on: output = input >= 0), the
outputs bounded by the same interval arithmetic (Pyomo's big-M needs bounded variables).
Data: ``problems/logic_scale/relu/*.json`` (seeded, see :func:`generate`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np

import branchwise as bw
from benchmarks.logic_scale.data import DATA

if TYPE_CHECKING:
    from pyomo.environ import ConcreteModel

FOLDER = DATA / "relu"
#: Networks of each size: inputs x hidden units per layer (two hidden layers, one output).
SIZES = {"small": ("2x8x8",), "medium": ("5x20x20",), "large": ("8x32x32",)}
INTEGRAL = False

Layer = tuple[np.ndarray, np.ndarray]


def generate(rng: np.random.Generator) -> None:
    """One network per size: weights normal with sd ``1/sqrt(fan-in)``, biases normal with
    sd 0.5, each rounded to 3 decimals (so the file holds the network exactly)."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    for keys in SIZES.values():
        for key in keys:
            widths = [int(v) for v in key.split("x")] + [1]
            layers = [{"weights": np.round(rng.normal(0, 1 / np.sqrt(a), (b, a)), 3).tolist(),
                       "biases": np.round(rng.normal(0, 0.5, b), 3).tolist()}
                      for a, b in zip(widths, widths[1:], strict=False)]
            (FOLDER / f"{key}.json").write_text(json.dumps({"layers": layers}) + "\n")


def network(key: str) -> list[Layer]:
    """(weights, biases) per layer, the last one the output."""
    layers = json.loads((FOLDER / f"{key}.json").read_text())["layers"]
    return [(np.array(layer["weights"]), np.array(layer["biases"])) for layer in layers]


def interval_bounds(key: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """Bounds on each hidden layer's pre-activations, by interval arithmetic from the box."""
    layers = network(key)
    lo, hi = -np.ones(layers[0][0].shape[1]), np.ones(layers[0][0].shape[1])
    bounds = []
    for weights, biases in layers[:-1]:
        pos, neg = np.maximum(weights, 0), np.minimum(weights, 0)
        pre_lo, pre_hi = pos @ lo + neg @ hi + biases, pos @ hi + neg @ lo + biases
        bounds.append((pre_lo, pre_hi))
        lo, hi = np.maximum(pre_lo, 0), np.maximum(pre_hi, 0)
    return bounds


def evaluate(key: str, x: np.ndarray) -> float:
    """The network's output at input ``x`` (plain numpy)."""
    layers = network(key)
    h = np.asarray(x, dtype=float)
    for weights, biases in layers[:-1]:
        h = np.maximum(weights @ h + biases, 0)
    weights, biases = layers[-1]
    return float(weights[0] @ h + biases[0])


def user(key: str) -> bw.Model:
    """The model as a branchwise user writes it: ``bw.max(0, .)`` for every unit."""
    layers = network(key)
    m = bw.Model(f"relu-{key}")
    h = list(m.continuous("x", -1, 1, shape=layers[0][0].shape[1]))
    for weights, biases in layers[:-1]:
        h = [bw.max(0, sum(w * v for w, v in zip(row, h, strict=True)) + b)
             for row, b in zip(weights, biases, strict=True)]
    weights, biases = layers[-1]
    m.maximize(sum(w * v for w, v in zip(weights[0], h, strict=True)) + biases[0])
    return m


def hand(key: str) -> bw.Model:
    """Big-M ReLUs with interval bounds; stable units need no binary."""
    layers = network(key)
    m = bw.Model(f"relu-{key}-hand")
    h = list(m.continuous("x", -1, 1, shape=layers[0][0].shape[1]))
    for depth, ((weights, biases), (lo, hi)) in enumerate(
            zip(layers[:-1], interval_bounds(key), strict=False)):
        out = []
        for i, (row, b) in enumerate(zip(weights, biases, strict=True)):
            pre = sum(w * v for w, v in zip(row, h, strict=True)) + b
            if hi[i] <= 0:
                out.append(0.0)
            elif lo[i] >= 0:
                out.append(pre)
            else:
                y = m.continuous(f"h{depth}_{i}", 0, hi[i])
                on = m.binary(f"on{depth}_{i}")
                m.add(y >= pre)
                m.add(y <= pre - lo[i] * (1 - on))
                m.add(y <= hi[i] * on)
                out.append(y)
        h = out
    weights, biases = layers[-1]
    m.maximize(sum(w * v for w, v in zip(weights[0], h, strict=True)) + biases[0])
    return m


def gdp(key: str) -> ConcreteModel:
    """The model as a Pyomo GDP user writes it: an on/off Disjunction per unit."""
    import pyomo.environ as pyo
    from pyomo.gdp import Disjunct, Disjunction

    layers = network(key)
    bounds = interval_bounds(key)
    m = pyo.ConcreteModel(f"relu-{key}")
    m.x = pyo.Var(range(layers[0][0].shape[1]), bounds=(-1, 1))
    units = [(d, i) for d in range(len(bounds)) for i in range(bounds[d][0].size)]
    m.h = pyo.Var(units, bounds=lambda m, d, i: (0, max(bounds[d][1][i], 0.0)))

    def pre(m: pyo.ConcreteModel, d: int, i: int):
        weights, biases = layers[d]
        inputs = [m.x[k] for k in m.x] if d == 0 else [m.h[d - 1, k] for k in
                                                       range(weights.shape[1])]
        return sum(float(w) * v for w, v in zip(weights[i], inputs, strict=True)) + float(
            biases[i])

    def off(b: Disjunct, d: int, i: int) -> None:
        b.zero = pyo.Constraint(expr=b.model().h[d, i] == 0)
        b.negative = pyo.Constraint(expr=pre(b.model(), d, i) <= 0)

    def on(b: Disjunct, d: int, i: int) -> None:
        b.same = pyo.Constraint(expr=b.model().h[d, i] == pre(b.model(), d, i))
        b.positive = pyo.Constraint(expr=pre(b.model(), d, i) >= 0)

    m.off = Disjunct(units, rule=off)
    m.on = Disjunct(units, rule=on)
    m.relu = Disjunction(units, rule=lambda m, d, i: [m.off[d, i], m.on[d, i]])
    weights, biases = layers[-1]
    last = len(bounds) - 1
    m.objective = pyo.Objective(sense=pyo.maximize, expr=sum(
        float(w) * m.h[last, k] for k, w in enumerate(weights[0])) + float(biases[0]))
    return m


def describe(key: str) -> str:
    """The instance's dimensions and how many units interval arithmetic leaves unstable."""
    unstable = sum(int(np.sum((lo < 0) & (hi > 0))) for lo, hi in interval_bounds(key))
    return f"{key}x1 net, {unstable} unstable units"
