"""Unit commitment with minimum up and down times: switch thermal units on and off hour by
hour, meet demand and a spinning reserve; minimise no-load, marginal and start-up cost.

A unit's hourly cost is a rule of its output the user writes as code (:func:`unit_cost`):
nothing when it produces nothing, else its no-load cost plus a marginal price that rises
above a breakpoint. Minimum output and minimum up/down times are implications on the
on/off binaries: a start (on now, off the hour before) keeps the unit on for its up time,
a shut-down keeps it off for its down time. By hand: the textbook tight formulation, on
``u``, start ``v`` and stop ``w`` with ``u[t] - u[t-1] = v - w`` and the turn-on/off
inequalities ``sum(v over the last UT hours) <= u`` and ``sum(w over DT) <= 1 - u``.
The Pyomo GDP user writes one Disjunction per unit and hour over off and on, and the
minimum up/down rows on the disjuncts' indicator binaries. Every unit is off before hour 0.
Data: ``problems/logic_scale/unitcommit/*.csv`` (seeded, see :func:`generate`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import branchwise as bw
from benchmarks.logic_scale.data import DATA, read_table, write_table

if TYPE_CHECKING:
    from pyomo.environ import ConcreteModel

FOLDER = DATA / "unitcommit"
#: Units x hours of each size: a day, two days, a week.
SIZES = {"small": ("5x24",), "medium": ("10x48",), "large": ("20x168",)}
INTEGRAL = False
#: Spinning reserve: committed capacity at least this share above the hour's demand.
RESERVE = 0.1
#: Columns of a unit's row in ``{key}-units.csv``.
PMIN, PMAX, BREAK, NOLOAD, LOW, HIGH, STARTUP, UP, DOWN = range(9)


@bw.program
def unit_cost(p, breakpoint, noload, low, high):
    if p <= 0:
        return 0.0
    elif p <= breakpoint:
        return noload + low * p
    else:
        return noload + low * breakpoint + high * (p - breakpoint)


def generate(rng: np.random.Generator) -> None:
    """Per size: units with capacity 50..200 MW (whole), minimum output 20-50 % of it, the
    price breakpoint halfway; marginal price 10..40 below the breakpoint and 1.3 times it
    above, no-load 50..300, start-up 100..800, up and down times 1..6 hours. Demand: a
    daily wave between 35 % and 75 % of the fleet's capacity with 3 % noise, whole MW."""
    for keys in SIZES.values():
        for key in keys:
            units, hours = (int(v) for v in key.split("x"))
            pmax = rng.integers(50, 201, units).astype(float)
            pmin = np.round(pmax * rng.uniform(0.2, 0.5, units))
            low = np.round(rng.uniform(10, 40, units), 2)
            noload = np.round(rng.uniform(50, 300, units))
            startup = np.round(rng.uniform(100, 800, units))
            write_table(FOLDER / f"{key}-units.csv",
                        "pmin,pmax,breakpoint,noload,low,high,startup,up,down",
                        np.column_stack([pmin, pmax, np.round((pmin + pmax) / 2), noload, low,
                                         np.round(1.3 * low, 2), startup,
                                         rng.integers(1, 7, units), rng.integers(1, 7, units)]))
            hour = np.arange(hours)
            share = 0.55 - 0.2 * np.cos(2 * np.pi * hour / 24)
            load = np.round(pmax.sum() * share * (1 + rng.normal(0, 0.03, hours)))
            write_table(FOLDER / f"{key}-demand.csv", "hour,demand",
                        np.column_stack([hour + 1, load]))


def data(key: str) -> tuple[np.ndarray, np.ndarray]:
    """Units (columns :data:`PMIN` .. :data:`DOWN`) and hourly demand."""
    return read_table(FOLDER / f"{key}-units.csv"), read_table(FOLDER / f"{key}-demand.csv")[:, 1]


def _skeleton(name: str, key: str) -> tuple:
    """Model, outputs, on/off binaries and data with the demand and reserve rows."""
    units, load = data(key)
    shape = (len(units), load.size)
    m = bw.Model(name)
    p = m.continuous("p", 0, np.repeat(units[:, PMAX, None], load.size, axis=1), shape=shape)
    u = m.binary("u", shape=shape)
    m.add(p.sum(axis=0) == load)
    m.add(units[:, PMAX] @ u >= (1 + RESERVE) * load)
    return m, p, u, units, load


def user(key: str) -> bw.Model:
    """The model as a branchwise user writes it: :func:`unit_cost` of every output, the
    output's range and the start/stop rules as implications on ``u``."""
    m, p, u, units, load = _skeleton(f"unitcommit-{key}", key)
    hours = load.size
    starts = m.binary("start", shape=u.shape)
    cost = 0.0
    for g, unit in enumerate(units):
        for t in range(hours):
            m.add(bw.implies(u[g, t], p[g, t] >= unit[PMIN]))
            m.add(bw.implies(~u[g, t], p[g, t] <= 0))
            cost = cost + unit_cost(p[g, t], unit[BREAK], unit[NOLOAD], unit[LOW], unit[HIGH])
            started = u[g, t] if t == 0 else u[g, t] & ~u[g, t - 1]
            m.add(bw.implies(started, starts[g, t]))
            for s in range(t + 1, min(hours, t + int(unit[UP]))):
                m.add(bw.implies(started, u[g, s]))
            if t:
                for s in range(t, min(hours, t + int(unit[DOWN]))):
                    m.add(bw.implies(u[g, t - 1] & ~u[g, t], ~u[g, s]))
        cost = cost + unit[STARTUP] * starts[g].sum()
    m.minimize(cost)
    return m


def hand(key: str) -> bw.Model:
    """The tight three-binary formulation; the marginal cost as two output segments (the
    dearer segment fills last, so no binary orders them)."""
    m, p, u, units, load = _skeleton(f"unitcommit-{key}-hand", key)
    hours = load.size
    v = m.binary("v", shape=u.shape)
    w = m.binary("w", shape=u.shape)
    first = m.continuous("first", 0, np.repeat(units[:, BREAK, None], hours, axis=1),
                         shape=u.shape)
    second = m.continuous("second", 0, np.repeat((units[:, PMAX] - units[:, BREAK])[:, None],
                                                 hours, axis=1), shape=u.shape)
    cost = 0.0
    for g, unit in enumerate(units):
        for t in range(hours):
            m.add(u[g, t] - (u[g, t - 1] if t else 0.0) == v[g, t] - w[g, t])
            m.add(v[g, max(0, t - int(unit[UP]) + 1): t + 1].sum() <= u[g, t])
            m.add(w[g, max(0, t - int(unit[DOWN]) + 1): t + 1].sum() <= 1 - u[g, t])
            m.add(p[g, t] == first[g, t] + second[g, t])
            m.add(p[g, t] >= unit[PMIN] * u[g, t])
            m.add(first[g, t] <= unit[BREAK] * u[g, t])
            m.add(second[g, t] <= (unit[PMAX] - unit[BREAK]) * u[g, t])
            cost = (cost + unit[NOLOAD] * u[g, t] + unit[LOW] * first[g, t]
                    + unit[HIGH] * second[g, t] + unit[STARTUP] * v[g, t])
    m.minimize(cost)
    return m


def gdp(key: str) -> ConcreteModel:
    """The model as a Pyomo GDP user writes it: per unit and hour, off or on (the on
    disjunct holds the output range and the cost's two pieces); starts, stops and the
    minimum up/down rows on the on disjuncts' indicator binaries."""
    import pyomo.environ as pyo
    from pyomo.gdp import Disjunct, Disjunction

    units, load = data(key)
    fleet, hours = range(len(units)), range(load.size)
    m = pyo.ConcreteModel(f"unitcommit-{key}")
    m.p = pyo.Var(fleet, hours, bounds=lambda m, g, t: (0, units[g, PMAX]))
    m.cost = pyo.Var(fleet, hours, bounds=lambda m, g, t: (
        0, units[g, NOLOAD] + units[g, HIGH] * units[g, PMAX]))
    m.start = pyo.Var(fleet, hours, within=pyo.Binary)
    m.stop = pyo.Var(fleet, hours, within=pyo.Binary)

    def off(b: Disjunct, g: int, t: int) -> None:
        b.idle = pyo.Constraint(expr=b.model().p[g, t] == 0)
        b.free = pyo.Constraint(expr=b.model().cost[g, t] == 0)

    def on(b: Disjunct, g: int, t: int) -> None:
        unit, p, cost = units[g], b.model().p[g, t], b.model().cost[g, t]
        b.range = pyo.Constraint(expr=p >= unit[PMIN])
        b.low = pyo.Constraint(expr=cost >= unit[NOLOAD] + unit[LOW] * p)
        b.high = pyo.Constraint(expr=cost >= unit[NOLOAD] + unit[LOW] * unit[BREAK]
                                + unit[HIGH] * (p - unit[BREAK]))

    m.off = Disjunct(fleet, hours, rule=off)
    m.on = Disjunct(fleet, hours, rule=on)
    m.state = Disjunction(fleet, hours, rule=lambda m, g, t: [m.off[g, t], m.on[g, t]])

    def status(g: int, t: int):  # noqa: ANN202 - a Pyomo expression
        return m.on[g, t].binary_indicator_var if t >= 0 else 0

    m.switch = pyo.Constraint(fleet, hours, rule=lambda m, g, t: (
        status(g, t) - status(g, t - 1) == m.start[g, t] - m.stop[g, t]))
    m.up = pyo.Constraint(fleet, hours, rule=lambda m, g, t: sum(
        m.start[g, s] for s in range(max(0, t - int(units[g, UP]) + 1), t + 1))
        <= status(g, t))
    m.down = pyo.Constraint(fleet, hours, rule=lambda m, g, t: sum(
        m.stop[g, s] for s in range(max(0, t - int(units[g, DOWN]) + 1), t + 1))
        <= 1 - status(g, t))
    m.demand = pyo.Constraint(hours, rule=lambda m, t: sum(m.p[g, t] for g in fleet)
                              == float(load[t]))
    m.reserve = pyo.Constraint(hours, rule=lambda m, t: sum(
        units[g, PMAX] * status(g, t) for g in fleet) >= (1 + RESERVE) * float(load[t]))
    m.objective = pyo.Objective(expr=sum(m.cost[g, t] + units[g, STARTUP] * m.start[g, t]
                                         for g in fleet for t in hours))
    return m


def describe(key: str) -> str:
    """The instance's dimensions."""
    units, hours = key.split("x")
    return f"{units} units x {hours} hours"
