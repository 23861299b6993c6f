"""The differential sweep: branchwise against HiGHS on :func:`random_shaped_milp` instances.

Each instance ends in one of :data:`OUTCOMES`: ``agree`` (same status as HiGHS and, when
optimal, the same objective to :data:`RELATIVE`, a bound that does not cut the optimum off
and a point that passes verification), ``wrong`` (anything else HiGHS contradicts),
``timeout`` (the search hit its time limit) or ``numerical_error``; ``oracle_unverified``
counts instances whose HiGHS answer itself fails verification once its integers are
rounded (then nothing is judged).

HiGHS runs at its own integrality tolerance first; when the point it calls optimal breaks
a row once its integers are rounded (with big-M rows, a binary at 1e-7 can open 0.1 units
of a 1e6 capacity), again at each of :data:`ORACLE_INTEGRALITY` in turn until its rounded
point verifies. Starting tight is no remedy: at 1e-9 HiGHS misses optima it finds at 1e-6.

``python -m tests.sweep 0 3000`` runs seeds 0-2999 and prints the counts and every seed
that did not agree; ``pytest -m slow tests/end_to_end/test_sweep.py`` runs the sweep as a test.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from typing import NamedTuple

import numpy as np

from branchwise.core.problem import Problem
from branchwise.core.tolerances import FEASIBILITY
from branchwise.solver import SolveOptions, solve
from tests.oracle import OracleResult, oracle_solve
from tests.random_milp import random_shaped_milp

OUTCOMES = ("agree", "wrong", "timeout", "numerical_error", "oracle_unverified")
#: HiGHS's ``mip_feasibility_tolerance`` for the reference solves after its default one.
ORACLE_INTEGRALITY = (1e-7, 1e-8, 1e-9)
#: Objectives agree when ``|a - b| <= RELATIVE * max(1, |b|)``.
RELATIVE = 1e-6
#: Per-instance options: a hang becomes a timeout instead of a stuck sweep.
OPTIONS = SolveOptions(time_limit=20.0, gap=1e-9)


class Outcome(NamedTuple):
    """One instance's outcome and, unless it agreed, what differed."""

    seed: int
    name: str
    outcome: str
    detail: str = ""


def compare(seed: int, options: SolveOptions = OPTIONS) -> Outcome:
    """Solve the instance of ``seed`` with branchwise and HiGHS and classify the result."""
    problem = random_shaped_milp(seed)
    name = problem.name
    reference, broken = verified_reference(problem)
    if broken:
        return Outcome(seed, name, "oracle_unverified", broken)
    report = solve(problem, options)
    if report.status == "time_limit":
        return Outcome(seed, name, "timeout", f"objective {report.objective}")
    if report.status == "numerical_error":
        return Outcome(seed, name, "numerical_error", report.reason)
    if report.status != reference.status:
        return Outcome(seed, name, "wrong", f"{report.status}, HiGHS {reference.status}")
    if reference.status != "optimal":
        return Outcome(seed, name, "agree")
    best, slack = reference.objective, RELATIVE * max(1.0, abs(reference.objective))
    sign = -1.0 if problem.maximize else 1.0
    worst, where = problem.violation(report.x)
    if abs(report.objective - best) > slack:
        return Outcome(seed, name, "wrong", f"objective {report.objective}, HiGHS {best}")
    if sign * (report.bound - best) > slack:
        return Outcome(seed, name, "wrong", f"bound {report.bound} cuts off HiGHS's {best}")
    if worst > FEASIBILITY or not report.verified:
        return Outcome(seed, name, "wrong", f"point violates {where} by {worst:.3g}")
    return Outcome(seed, name, "agree")


def verified_reference(problem: Problem) -> tuple[OracleResult, str]:
    """HiGHS's verdict on ``problem`` whose optimal point, integers rounded, verifies
    (tolerances tightened in turn until it does), and what the last point broke if none."""
    broken = ""
    for tolerance in (None, *ORACLE_INTEGRALITY):
        reference = oracle_solve(problem, integrality_tolerance=tolerance)
        if reference.x is None:
            return reference, ""
        rounded = reference.x.copy()
        rounded[problem.integrality] = np.round(rounded[problem.integrality])
        worst, where = problem.violation(rounded)
        if worst <= FEASIBILITY:
            return reference, ""
        broken = f"HiGHS's point, rounded, breaks {where} by {worst:.3g}"
    return reference, broken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=int, help="first seed")
    parser.add_argument("stop", type=int, help="seed to stop before")
    args = parser.parse_args()
    counts: Counter[str] = Counter()
    started = time.perf_counter()
    for seed in range(args.first, args.stop):
        outcome = compare(seed)
        counts[outcome.outcome] += 1
        if outcome.outcome != "agree":
            print(f"{outcome.outcome}: seed {seed} ({outcome.name}) {outcome.detail}", flush=True)
        if (seed - args.first + 1) % 100 == 0:
            print(f"{seed - args.first + 1} instances, {time.perf_counter() - started:.0f}s: "
                  + ", ".join(f"{key} {counts[key]}" for key in OUTCOMES), flush=True)
    print("final: " + ", ".join(f"{key} {counts[key]}" for key in OUTCOMES), flush=True)


if __name__ == "__main__":
    main()
