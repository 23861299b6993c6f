"""Job shop, minimum makespan: every job visits the machines in its own order, a machine
does one operation at a time.

The user writes one ``bw.either(a ends before b starts, b ends before a starts)`` per
pair of operations on a machine. By hand: one binary per pair and two rows with the
horizon (the sum of all processing times) as M. The Pyomo GDP user writes one
Disjunction of two Disjuncts per pair. Data: ``problems/logic_scale/jobshop/*.txt``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import branchwise as bw
from benchmarks.logic_scale.data import DATA

if TYPE_CHECKING:
    from pyomo.environ import ConcreteModel

FOLDER = DATA / "jobshop"
#: Instances of each size: Fisher-Thompson 6x6; Lawrence 10x5; ft10 and la24 (10x10, 15x10).
SIZES = {"small": ("ft06",), "medium": ("la02", "la03", "la04", "la05"),
         "large": ("ft10", "la24")}
#: Integer data: the hand model with integer start times is the same problem (CP-SAT's).
INTEGRAL = True

Operation = tuple[int, int]


def read(key: str) -> tuple[list[list[int]], list[list[int]]]:
    """Machine order and processing times per job of instance ``key``."""
    return parse(FOLDER / f"{key}.txt")


def parse(path: Path) -> tuple[list[list[int]], list[list[int]]]:
    """A ``jobs machines`` line, then per job (machine, time) pairs in visiting order."""
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    jobs, machines = int(lines[0][0]), int(lines[0][1])
    routes = [[int(v) for v in row[0::2]] for row in lines[1:1 + jobs]]
    times = [[int(v) for v in row[1::2]] for row in lines[1:1 + jobs]]
    if any(len(r) != machines for r in routes):
        raise ValueError(f"{path}: a job does not visit {machines} machines")
    return routes, times


def machine_pairs(routes: list[list[int]]) -> list[tuple[Operation, Operation]]:
    """Every pair of operations (job, step) that use the same machine."""
    on: dict[int, list[Operation]] = {}
    for j, route in enumerate(routes):
        for s, k in enumerate(route):
            on.setdefault(k, []).append((j, s))
    return [(a, b) for ops in on.values() for i, a in enumerate(ops) for b in ops[i + 1:]]


def _skeleton(name: str, key: str, integral: bool) -> tuple:
    """Model, start times, makespan and data with the job-order rows every variant shares."""
    routes, times = read(key)
    horizon = float(sum(map(sum, times)))
    m = bw.Model(name)
    shape = (len(routes), len(routes[0]))
    column = m.integer if integral else m.continuous
    start = column("start", 0, horizon, shape=shape)
    makespan = column("makespan", 0, horizon)
    for j, p in enumerate(times):
        for s in range(len(p) - 1):
            m.add(start[j, s] + p[s] <= start[j, s + 1])
        m.add(start[j, len(p) - 1] + p[-1] <= makespan)
    m.minimize(makespan)
    return m, start, routes, times, horizon


def user(key: str) -> bw.Model:
    """The model as a branchwise user writes it: one ``bw.either`` per machine pair."""
    m, start, routes, times, _ = _skeleton(f"jobshop-{key}", key, integral=False)
    for (j1, s1), (j2, s2) in machine_pairs(routes):
        a, b = start[j1, s1], start[j2, s2]
        m.add(bw.either(a + times[j1][s1] <= b, b + times[j2][s2] <= a))
    return m


def hand(key: str, integral: bool = False) -> bw.Model:
    """The classic disjunctive MILP: ``order = 1`` puts the first operation first.

    ``integral`` makes the start times integer (for CP-SAT, which needs integer columns)."""
    m, start, routes, times, horizon = _skeleton(f"jobshop-{key}-hand", key, integral)
    pairs = machine_pairs(routes)
    order = m.binary("order", shape=len(pairs))
    for i, ((j1, s1), (j2, s2)) in enumerate(pairs):
        a, b = start[j1, s1], start[j2, s2]
        m.add(a + times[j1][s1] <= b + horizon * (1 - order[i]))
        m.add(b + times[j2][s2] <= a + horizon * order[i])
    return m


def gdp(key: str) -> ConcreteModel:
    """The model as a Pyomo GDP user writes it: a Disjunction of two Disjuncts per pair."""
    import pyomo.environ as pyo
    from pyomo.gdp import Disjunct, Disjunction

    routes, times = read(key)
    horizon = sum(map(sum, times))
    pairs = machine_pairs(routes)
    ops = [(j, s) for j in range(len(routes)) for s in range(len(routes[j]))]
    m = pyo.ConcreteModel(f"jobshop-{key}")
    m.start = pyo.Var(ops, bounds=(0, horizon))
    m.makespan = pyo.Var(bounds=(0, horizon))
    m.follows = pyo.Constraint(
        [(j, s) for j, s in ops if s + 1 < len(routes[j])],
        rule=lambda m, j, s: m.start[j, s] + times[j][s] <= m.start[j, s + 1])
    m.last = pyo.Constraint(range(len(routes)), rule=lambda m, j: (
        m.start[j, len(times[j]) - 1] + times[j][-1] <= m.makespan))
    index = range(len(pairs))

    def first_before(d: Disjunct, i: int) -> None:
        (j1, s1), (j2, s2) = pairs[i]
        d.c = pyo.Constraint(expr=d.model().start[j1, s1] + times[j1][s1]
                             <= d.model().start[j2, s2])

    def second_before(d: Disjunct, i: int) -> None:
        (j1, s1), (j2, s2) = pairs[i]
        d.c = pyo.Constraint(expr=d.model().start[j2, s2] + times[j2][s2]
                             <= d.model().start[j1, s1])

    m.first = Disjunct(index, rule=first_before)
    m.second = Disjunct(index, rule=second_before)
    m.order = Disjunction(index, rule=lambda m, i: [m.first[i], m.second[i]])
    m.objective = pyo.Objective(expr=m.makespan)
    return m


def describe(key: str) -> str:
    """The instance's dimensions: ``jobs x machines``."""
    routes, _ = read(key)
    return f"{len(routes)}x{len(routes[0])}"


def check_schedule(key: str, start: np.ndarray) -> float:
    """The makespan of the schedule ``start`` (jobs x steps), after checking it is one."""
    routes, times = read(key)
    for j, p in enumerate(times):
        for s in range(len(p) - 1):
            if start[j, s] + p[s] > start[j, s + 1] + 1e-6:
                raise AssertionError(f"job {j} step {s + 1} starts before step {s} ends")
    for (j1, s1), (j2, s2) in machine_pairs(routes):
        a, b = start[j1, s1], start[j2, s2]
        if a + times[j1][s1] > b + 1e-6 and b + times[j2][s2] > a + 1e-6:
            raise AssertionError(f"operations {(j1, s1)} and {(j2, s2)} overlap")
    return float(max(start[j, -1] + p[-1] for j, p in enumerate(times)))
