"""A tiered electricity tariff with a battery: each hour the site draws its load plus what
the battery charges less what it discharges; minimise the bill.

The hour's price is its time-of-use price times a factor set by the hour's draw, for the
whole draw (all units): 1.0 below 40 kW, 1.4 below 70 kW, 2.0 above. The user writes the
bill of an hour as code (:func:`hour_cost`) and "charge or discharge, not both" as
``bw.either``. By hand: one binary per hour and tier, one per hour for the battery's
direction. The Pyomo GDP user writes both as Disjunctions.
Data: ``problems/logic_scale/tariff/hours.csv`` (seeded, see :func:`generate`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import branchwise as bw
from benchmarks.logic_scale.data import DATA, read_table, write_table

if TYPE_CHECKING:
    from pyomo.environ import ConcreteModel

PATH = DATA / "tariff" / "hours.csv"
#: Hours of each size: a day, three days, a week.
SIZES = {"small": ("24",), "medium": ("72",), "large": ("168",)}
INTEGRAL = False
MAX_DRAW = 120.0
#: Tiers by the hour's draw: (lowest draw, highest draw, price factor).
TIERS = ((0.0, 40.0, 1.0), (40.0, 70.0, 1.4), (70.0, MAX_DRAW, 2.0))
CAPACITY = 150.0      # kWh
POWER = 40.0          # kW, charging or discharging
EFFICIENCY = 0.95     # each way
INITIAL = CAPACITY / 2


@bw.program
def hour_cost(draw, price):
    if draw < 40:
        return price * draw
    elif draw < 70:
        return 1.4 * price * draw
    else:
        return 2.0 * price * draw


def generate(rng: np.random.Generator) -> None:
    """A week of hourly loads (kW, whole numbers from 10 to 95: a daily wave with an
    evening peak plus normal noise, sd 8) and time-of-use prices (per kWh: 0.10 at night,
    0.16 by day, 0.28 from 17:00 to 21:00)."""
    hours = np.arange(168)
    clock = hours % 24
    wave = 42 + 18 * np.sin(2 * np.pi * (clock - 9) / 24) + 20 * ((clock >= 17) & (clock < 21))
    load = np.clip(np.round(wave + rng.normal(0, 8, hours.size)), 10, 95)
    price = np.where((clock >= 17) & (clock < 21), 0.28, np.where(
        (clock >= 7) & (clock < 23), 0.16, 0.10))
    write_table(PATH, "hour,load_kw,price_per_kwh", np.column_stack([hours, load, price]))


def data(key: str) -> tuple[np.ndarray, np.ndarray]:
    """Loads and prices of the first ``key`` hours."""
    table = read_table(PATH)[: int(key)]
    return table[:, 1], table[:, 2]


def _skeleton(name: str, key: str) -> tuple:
    """Model, draw, charge, discharge and data with the battery rows every variant shares."""
    load, price = data(key)
    n = load.size
    m = bw.Model(name)
    draw = m.continuous("draw", 0, MAX_DRAW, shape=n)
    charge = m.continuous("charge", 0, POWER, shape=n)
    discharge = m.continuous("discharge", 0, POWER, shape=n)
    soc = m.continuous("soc", 0, CAPACITY, shape=n)
    for h in range(n):
        before = soc[h - 1] if h else INITIAL
        m.add(soc[h] == before + EFFICIENCY * charge[h] - discharge[h] / EFFICIENCY)
        m.add(draw[h] == load[h] + charge[h] - discharge[h])
    m.add(soc[n - 1] >= INITIAL)
    return m, draw, charge, discharge, price


def user(key: str) -> bw.Model:
    """The model as a branchwise user writes it: the bill by :func:`hour_cost`."""
    m, draw, charge, discharge, price = _skeleton(f"tariff-{key}", key)
    for h in range(price.size):
        m.add(bw.either(charge[h] <= 0, discharge[h] <= 0))
    m.minimize(sum(hour_cost(draw[h], float(price[h])) for h in range(price.size)))
    return m


def hand(key: str) -> bw.Model:
    """One binary per hour and tier (exactly one holds), the draw split into tier parts,
    and a direction binary per hour (``up = 1``: may charge, not discharge).

    A tier's range is closed: where two meet, the cheaper factor is taken, the infimum of
    the rule's bill there (the rule charges the dearer one from the threshold on, so its
    optimum can lie above this one by the strict-inequality gap only)."""
    m, draw, charge, discharge, price = _skeleton(f"tariff-{key}-hand", key)
    n = price.size
    z = m.binary("z", shape=(n, len(TIERS)))
    part = m.continuous("part", 0, MAX_DRAW, shape=(n, len(TIERS)))
    up = m.binary("up", shape=n)
    bill = 0.0
    for h in range(n):
        m.add(z[h].sum() == 1)
        m.add(draw[h] == part[h].sum())
        m.add(charge[h] <= POWER * up[h])
        m.add(discharge[h] <= POWER * (1 - up[h]))
        for k, (lo, hi, factor) in enumerate(TIERS):
            if lo > 0:
                m.add(part[h, k] >= lo * z[h, k])
            m.add(part[h, k] <= hi * z[h, k])
            bill = bill + factor * float(price[h]) * part[h, k]
    m.minimize(bill)
    return m


def gdp(key: str) -> ConcreteModel:
    """The model as a Pyomo GDP user writes it: per hour a Disjunction over the tiers and
    one over the battery's direction."""
    import pyomo.environ as pyo
    from pyomo.gdp import Disjunct, Disjunction

    load, price = data(key)
    hours = range(load.size)
    m = pyo.ConcreteModel(f"tariff-{key}")
    m.draw = pyo.Var(hours, bounds=(0, MAX_DRAW))
    m.charge = pyo.Var(hours, bounds=(0, POWER))
    m.discharge = pyo.Var(hours, bounds=(0, POWER))
    m.soc = pyo.Var(hours, bounds=(0, CAPACITY))
    m.bill = pyo.Var(hours, bounds=(0, TIERS[-1][2] * float(price.max()) * MAX_DRAW))
    m.battery = pyo.Constraint(hours, rule=lambda m, h: m.soc[h] == (
        m.soc[h - 1] if h else INITIAL) + EFFICIENCY * m.charge[h] - m.discharge[h] / EFFICIENCY)
    m.grid = pyo.Constraint(hours, rule=lambda m, h: (
        m.draw[h] == float(load[h]) + m.charge[h] - m.discharge[h]))
    m.end = pyo.Constraint(expr=m.soc[len(hours) - 1] >= INITIAL)

    def tier(b: Disjunct, h: int, k: int) -> None:
        lo, hi, factor = TIERS[k]
        b.range = pyo.Constraint(expr=pyo.inequality(lo, b.model().draw[h], hi))
        b.price = pyo.Constraint(expr=b.model().bill[h] == factor * float(price[h])
                                 * b.model().draw[h])

    def charging(b: Disjunct, h: int) -> None:
        b.idle = pyo.Constraint(expr=b.model().discharge[h] == 0)

    def discharging(b: Disjunct, h: int) -> None:
        b.idle = pyo.Constraint(expr=b.model().charge[h] == 0)

    m.tier = Disjunct(hours, range(len(TIERS)), rule=tier)
    m.tariff = Disjunction(hours, rule=lambda m, h: [m.tier[h, k] for k in range(len(TIERS))])
    m.charging = Disjunct(hours, rule=charging)
    m.discharging = Disjunct(hours, rule=discharging)
    m.direction = Disjunction(hours, rule=lambda m, h: [m.charging[h], m.discharging[h]])
    m.objective = pyo.Objective(expr=sum(m.bill[h] for h in hours))
    return m


def describe(key: str) -> str:
    """The instance's dimensions."""
    return f"{key} hours"
