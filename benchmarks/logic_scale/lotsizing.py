"""Lot sizing with set-ups and all-units quantity discounts: order ``q_t`` each week, keep
stock, meet the week's demand; minimise order cost plus holding cost.

The order cost is a rule the user writes as code (:func:`order_cost`): nothing for no
order, else a set-up plus a unit price that drops for the whole order at 100 and 250
units. By hand: one binary per week and tier, that tier's quantity in its range. The Pyomo
GDP user writes one Disjunction per week over "no order" and the three tiers.
Data: ``problems/logic_scale/lotsizing/demand.csv`` (seeded, see :func:`generate`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import branchwise as bw
from benchmarks.logic_scale.data import DATA, read_table, write_table

if TYPE_CHECKING:
    from pyomo.environ import ConcreteModel

PATH = DATA / "lotsizing" / "demand.csv"
#: Weeks of each size: one year, two, five.
SIZES = {"small": ("52",), "medium": ("104",), "large": ("260",)}
INTEGRAL = False
SETUP = 50.0
HOLDING = 0.4
MAX_ORDER = 600.0
#: All-units tiers: (lowest quantity, highest quantity, unit price).
TIERS = ((0.0, 100.0, 4.0), (100.0, 250.0, 3.5), (250.0, MAX_ORDER, 3.0))


@bw.program
def order_cost(q):
    if q <= 0:
        return 0.0
    if q < 100:
        return SETUP + 4.0 * q
    elif q < 250:
        return SETUP + 3.5 * q
    else:
        return SETUP + 3.0 * q


def generate(rng: np.random.Generator) -> None:
    """260 weekly demands: a yearly wave around 130 units, normal noise (sd 45), one week
    in eight without demand, rounded to whole units and clipped at 0 and 450."""
    weeks = np.arange(260)
    wave = 130 + 60 * np.sin(2 * np.pi * weeks / 52)
    demand = np.clip(np.round(wave + rng.normal(0, 45, weeks.size)), 0, 450)
    demand[rng.random(weeks.size) < 0.125] = 0
    write_table(PATH, "week,demand", np.column_stack([weeks + 1, demand]))


def demand(key: str) -> np.ndarray:
    """The first ``key`` weeks of demand."""
    return read_table(PATH)[: int(key), 1]


def _skeleton(name: str, d: np.ndarray) -> tuple:
    """Model, orders, stock and demand with the inventory balance every variant shares."""
    m = bw.Model(name)
    q = m.continuous("q", 0, MAX_ORDER, shape=d.size)
    stock = m.continuous("stock", 0, float(d.sum()), shape=d.size)
    for t in range(d.size):
        before = stock[t - 1] if t else 0.0
        m.add(before + q[t] - d[t] == stock[t])
    return m, q, stock, d


def user(key: str) -> bw.Model:
    """The model as a branchwise user writes it: :func:`order_cost` of every week's order."""
    return user_model(f"lotsizing-{key}", demand(key))


def user_model(name: str, weekly_demand: np.ndarray) -> bw.Model:
    """:func:`user` over any weekly demand (tests/yardsticks.py uses the issue's 10 weeks)."""
    m, q, stock, d = _skeleton(name, np.asarray(weekly_demand, dtype=float))
    m.minimize(sum(order_cost(q[t]) for t in range(d.size)) + HOLDING * stock.sum())
    return m


def hand(key: str) -> bw.Model:
    """One binary per week and tier; the week's order is the sum of its tier parts.

    A tier's range is closed here ([100, 250] for the second): where two tiers meet, the
    cheaper price wins, which is the price the rule charges there."""
    return hand_model(f"lotsizing-{key}-hand", demand(key))


def hand_model(name: str, weekly_demand: np.ndarray) -> bw.Model:
    """:func:`hand` over any weekly demand."""
    m, q, stock, d = _skeleton(name, np.asarray(weekly_demand, dtype=float))
    z = m.binary("z", shape=(d.size, len(TIERS)))
    part = m.continuous("part", 0, MAX_ORDER, shape=(d.size, len(TIERS)))
    cost = 0.0
    for t in range(d.size):
        m.add(q[t] == part[t].sum())
        m.add(z[t].sum() <= 1)
        for k, (lo, hi, price) in enumerate(TIERS):
            if lo > 0:
                m.add(part[t, k] >= lo * z[t, k])
            m.add(part[t, k] <= hi * z[t, k])
            cost = cost + SETUP * z[t, k] + price * part[t, k]
    m.minimize(cost + HOLDING * stock.sum())
    return m


def gdp(key: str) -> ConcreteModel:
    """The model as a Pyomo GDP user writes it: per week, no order or one of the tiers."""
    import pyomo.environ as pyo
    from pyomo.gdp import Disjunct, Disjunction

    d = demand(key)
    weeks = range(d.size)
    m = pyo.ConcreteModel(f"lotsizing-{key}")
    m.q = pyo.Var(weeks, bounds=(0, MAX_ORDER))
    m.stock = pyo.Var(weeks, bounds=(0, float(d.sum())))
    m.cost = pyo.Var(weeks, bounds=(0, SETUP + TIERS[0][2] * MAX_ORDER))
    m.balance = pyo.Constraint(weeks, rule=lambda m, t: (
        (m.stock[t - 1] if t else 0.0) + m.q[t] - float(d[t]) == m.stock[t]))

    def none(b: Disjunct, t: int) -> None:
        b.nothing = pyo.Constraint(expr=b.model().q[t] == 0)
        b.free = pyo.Constraint(expr=b.model().cost[t] == 0)

    def tier(b: Disjunct, t: int, k: int) -> None:
        lo, hi, price = TIERS[k]
        b.range = pyo.Constraint(expr=pyo.inequality(lo, b.model().q[t], hi))
        b.price = pyo.Constraint(expr=b.model().cost[t] == SETUP + price * b.model().q[t])

    m.no_order = Disjunct(weeks, rule=none)
    m.tier = Disjunct(weeks, range(len(TIERS)), rule=tier)
    m.choice = Disjunction(weeks, rule=lambda m, t: [
        m.no_order[t], *(m.tier[t, k] for k in range(len(TIERS)))])
    m.objective = pyo.Objective(expr=sum(m.cost[t] for t in weeks)
                                + HOLDING * sum(m.stock[t] for t in weeks))
    return m


def describe(key: str) -> str:
    """The instance's dimensions."""
    return f"{key} weeks"
