"""Permutation flow shop with sequence-dependent set-ups, minimum makespan: every job
visits machines 0..m-1 in order, all machines take the jobs in one order, and a machine
switching from job i to job j first spends a set-up ``setup[k][i][j]``.

The set-ups are distances between job attributes, so they obey the triangle inequality
and a set-up between two jobs that are not neighbours is covered by the ones between. The
user writes one ``bw.either`` per pair of jobs between "i before j on every machine" and
"j before i on every machine" (conjunctions). By hand: one binary per pair, two big-M rows
per machine. The Pyomo GDP user writes a Disjunction of two Disjuncts per pair.
Data: ``problems/logic_scale/flowshop/*.json`` (seeded, see :func:`generate`).
"""

from __future__ import annotations

import json
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np

import branchwise as bw
from benchmarks.logic_scale.data import DATA

if TYPE_CHECKING:
    from pyomo.environ import ConcreteModel

FOLDER = DATA / "flowshop"
#: Jobs x machines of each size.
SIZES = {"small": ("6x3",), "medium": ("10x4",), "large": ("15x5",)}
INTEGRAL = True


def generate(rng: np.random.Generator) -> None:
    """Per size: processing times whole numbers 1..20; per machine, each job a whole-number
    attribute 0..12 and the set-up from i to j the distance of their attributes."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    for keys in SIZES.values():
        for key in keys:
            jobs, machines = (int(v) for v in key.split("x"))
            times = rng.integers(1, 21, (jobs, machines))
            attribute = rng.integers(0, 13, (machines, jobs))
            setups = np.abs(attribute[:, :, None] - attribute[:, None, :])
            (FOLDER / f"{key}.json").write_text(json.dumps(
                {"times": times.tolist(), "setups": setups.tolist()}) + "\n")


def data(key: str) -> tuple[np.ndarray, np.ndarray]:
    """Processing times (jobs x machines) and set-ups (machine, from job, to job)."""
    raw = json.loads((FOLDER / f"{key}.json").read_text())
    return np.array(raw["times"]), np.array(raw["setups"])


def horizon(key: str) -> float:
    """A makespan no schedule without idle choices exceeds: all work plus the largest set-up
    before every job on every machine."""
    times, setups = data(key)
    return float(times.sum() + setups.max(axis=1).sum())


def makespan(key: str, order: list[int]) -> float:
    """The makespan of the job order ``order``, every operation as early as possible."""
    times, setups = data(key)
    ready = np.zeros(times.shape[1])
    previous = None
    for j in order:
        free = ready if previous is None else ready + setups[:, previous, j]
        done = 0.0
        for k in range(times.shape[1]):
            done = max(done, free[k]) + times[j, k]
            ready[k] = done
        previous = j
    return float(ready[-1])


def _skeleton(name: str, key: str, integral: bool) -> tuple:
    """Model, start times, makespan and data with the machine-order rows every variant shares."""
    times, setups = data(key)
    top = horizon(key)
    m = bw.Model(name)
    column = m.integer if integral else m.continuous
    start = column("start", 0, top, shape=times.shape)
    span = column("makespan", 0, top)
    for j, p in enumerate(times):
        for k in range(len(p) - 1):
            m.add(start[j, k] + p[k] <= start[j, k + 1])
        m.add(start[j, -1] + p[-1] <= span)
    m.minimize(span)
    return m, start, times, setups, top


def _before(start, times, setups, i: int, j: int, k: int):
    """``i`` done and machine ``k`` set up for ``j`` before ``j`` starts on it."""
    return start[i, k] + times[i, k] + setups[k, i, j] <= start[j, k]


def user(key: str) -> bw.Model:
    """The model as a branchwise user writes it: per pair, one order on all machines."""
    m, start, times, setups, _ = _skeleton(f"flowshop-{key}", key, integral=False)
    machines = range(times.shape[1])
    for i, j in combinations(range(len(times)), 2):
        first = [_before(start, times, setups, i, j, k) for k in machines]
        second = [_before(start, times, setups, j, i, k) for k in machines]
        m.add(bw.either(_all(first), _all(second)))
    return m


def _all(conditions: list):
    """The conjunction of ``conditions``."""
    both = conditions[0]
    for c in conditions[1:]:
        both = both & c
    return both


def hand(key: str, integral: bool = False) -> bw.Model:
    """One binary per pair (``1``: the lower job first), big-M rows: ``M`` is the horizon
    plus the largest set-up, what ``a + p + s - b`` can reach."""
    m, start, times, setups, top = _skeleton(f"flowshop-{key}-hand", key, integral)
    big = top + float(setups.max())
    pairs = list(combinations(range(len(times)), 2))
    first = m.binary("first", shape=len(pairs))
    for n, (i, j) in enumerate(pairs):
        for k in range(times.shape[1]):
            m.add(start[i, k] + times[i, k] + setups[k, i, j] <= start[j, k]
                  + big * (1 - first[n]))
            m.add(start[j, k] + times[j, k] + setups[k, j, i] <= start[i, k] + big * first[n])
    return m


def gdp(key: str) -> ConcreteModel:
    """The model as a Pyomo GDP user writes it: a Disjunction of two Disjuncts per pair."""
    import pyomo.environ as pyo
    from pyomo.gdp import Disjunct, Disjunction

    times, setups = data(key)
    top = horizon(key)
    jobs, machines = range(times.shape[0]), range(times.shape[1])
    pairs = list(combinations(jobs, 2))
    m = pyo.ConcreteModel(f"flowshop-{key}")
    m.start = pyo.Var(jobs, machines, bounds=(0, top))
    m.makespan = pyo.Var(bounds=(0, top))
    m.route = pyo.Constraint(jobs, machines[:-1], rule=lambda m, j, k: (
        m.start[j, k] + int(times[j, k]) <= m.start[j, k + 1]))
    m.last = pyo.Constraint(jobs, rule=lambda m, j: (
        m.start[j, machines[-1]] + int(times[j, -1]) <= m.makespan))

    def ahead(b: Disjunct, n: int, lead: int) -> None:
        i, j = pairs[n] if lead == 0 else pairs[n][::-1]
        b.order = pyo.Constraint(machines, rule=lambda b, k: _before(
            b.model().start, times, setups, i, j, k))

    m.ahead = Disjunct(range(len(pairs)), [0, 1], rule=ahead)
    m.order = Disjunction(range(len(pairs)), rule=lambda m, n: [m.ahead[n, 0], m.ahead[n, 1]])
    m.objective = pyo.Objective(expr=m.makespan)
    return m


def describe(key: str) -> str:
    """The instance's dimensions."""
    jobs, machines = key.split("x")
    return f"{jobs} jobs x {machines} machines"
