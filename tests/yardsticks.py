"""Two small models written twice, as a user writes them with branchwise logic and as an
expert writes them by hand as a MILP: the yardsticks of the logic compiler's size and
root bound (tests/relaxations/test_logic_formulations.py).

* Purchasing: 10 weeks, order ``q_t`` with inventory balance and holding cost; the order
  cost is a ``@bw.program`` rule (nothing when ``q <= 0``, else a set-up of 50 plus an
  all-units discount by tier). By hand: one binary per week and tier, the tier's quantity
  in its range.
* Job shop: 6 jobs on 6 machines, one ``bw.either(a + p <= b, b + q <= a)`` per pair of
  operations on a machine. By hand: one binary per pair, two big-M rows.
"""

from __future__ import annotations

import numpy as np

import branchwise as bw

# The purchasing models are the logic benchmark's lot-sizing family's, over these 10 weeks.
from benchmarks.logic_scale import lotsizing

DEMAND = [60, 120, 0, 310, 80, 40, 200, 90, 0, 150]


def purchasing_program() -> bw.Model:
    return lotsizing.user_model("purchasing", DEMAND)


def purchasing_hand() -> bw.Model:
    return lotsizing.hand_model("purchasing_hand", DEMAND)


def _ft06() -> tuple[list[list[int]], list[list[int]]]:
    """Fisher and Thompson's 6x6 instance: machine order and durations per job."""
    rows = ["2 1 0 3 1 6 3 7 5 3 4 6", "1 8 2 5 4 10 5 10 0 10 3 4",
            "2 5 3 4 5 8 0 9 1 1 4 7", "1 5 0 5 2 5 3 3 4 8 5 9",
            "2 9 1 3 4 5 5 4 0 3 3 1", "1 3 3 3 5 9 0 10 4 4 2 1"]
    machines = [[int(v) for v in r.split()[0::2]] for r in rows]
    durations = [[int(v) for v in r.split()[1::2]] for r in rows]
    return machines, durations


def _operation_pairs(machines):
    """Pairs of operations (job, step) that share a machine."""
    on = {}
    for j, route in enumerate(machines):
        for s, k in enumerate(route):
            on.setdefault(k, []).append((j, s))
    return [(a, b) for ops in on.values() for i, a in enumerate(ops) for b in ops[i + 1:]]


def job_shop(hand: bool) -> bw.Model:
    return job_shop_variables(hand)[0]


def job_shop_variables(hand: bool) -> tuple[bw.Model, bw.VarArray, bw.Var]:
    """ft06 with one ``either`` per machine pair (or the hand big-M model), its start
    times and its makespan."""
    machines, durations = _ft06()
    horizon = float(sum(map(sum, durations)))
    m = bw.Model("ft06_hand" if hand else "ft06")
    n, k = len(machines), len(machines[0])
    start = m.continuous("start", 0, horizon, shape=(n, k))
    makespan = m.continuous("makespan", 0, horizon)
    for j in range(n):
        for s in range(k - 1):
            m.add(start[j, s] + durations[j][s] <= start[j, s + 1])
        m.add(start[j, k - 1] + durations[j][k - 1] <= makespan)
    pairs = _operation_pairs(machines)
    order = m.binary("order", shape=len(pairs)) if hand else None
    for i, ((j1, s1), (j2, s2)) in enumerate(pairs):
        a, b = start[j1, s1], start[j2, s2]
        p, q = durations[j1][s1], durations[j2][s2]
        if hand:
            m.add(a + p <= b + horizon * (1 - order[i]))
            m.add(b + q <= a + horizon * order[i])
        else:
            m.add(bw.either(a + p <= b, b + q <= a))
    m.minimize(makespan)
    return m, start, makespan


def sizes(problem) -> tuple[int, int, int]:
    """Rows, columns and integer columns of a problem."""
    return problem.n_rows, problem.n_cols, int(np.count_nonzero(problem.integrality))
