"""Pyomo GDP: a ``.py`` file defining ``model``, a Pyomo model with Disjuncts and
Disjunctions, transformed to a MILP by one of Pyomo's GDP transformations and solved by
HiGHS (``appsi_highs``, one thread). The time counts the transformation and Pyomo's
hand-over to HiGHS, as a Pyomo user waits for both.

The two peers are :mod:`benchmarks.adapters.gdp_bigm` and :mod:`benchmarks.adapters.gdp_hull`.
"""

from __future__ import annotations

import runpy
import time
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.adapters.base import Limits, Outcome, finite_or_none

if TYPE_CHECKING:
    from pyomo.environ import ConcreteModel

SUFFIXES = (".py",)


def version() -> str:
    """The Pyomo version and whether its HiGHS interface is there."""
    import pyomo
    from pyomo.contrib.appsi.solvers import Highs

    if not Highs().available():
        raise ImportError("Pyomo's appsi HiGHS interface (highspy) is not available")
    return f"Pyomo {pyomo.__version__} GDP + HiGHS (appsi)"


def solve_with(transformation: str, path: Path, limits: Limits) -> Outcome:
    """Solve ``model`` of the file at ``path`` by :func:`solve_model`."""
    return solve_model(transformation, runpy.run_path(str(path))["model"], limits)


def solve_model(transformation: str, model: ConcreteModel, limits: Limits) -> Outcome:
    """Transform a Pyomo GDP ``model`` with ``transformation`` (``gdp.bigm``, ``gdp.hull``)
    and solve it with HiGHS.

    The appsi interface is used directly: through ``SolverFactory("appsi_highs")`` the
    time limit set on its config did not reach HiGHS (a 10 s limit ran for minutes)."""
    import pyomo.environ as pyo
    from pyomo.contrib.appsi.base import TerminationCondition as Tc
    from pyomo.contrib.appsi.solvers import Highs

    start = time.perf_counter()
    pyo.TransformationFactory(transformation).apply_to(model)
    highs = Highs()
    highs.config.time_limit = float(limits.time_limit)
    highs.config.mip_gap = float(limits.gap)
    highs.config.load_solution = False
    highs.highs_options["threads"] = 1
    answer = highs.solve(model)
    elapsed = time.perf_counter() - start
    words = {Tc.optimal: "optimal", Tc.infeasible: "infeasible", Tc.unbounded: "unbounded",
             Tc.infeasibleOrUnbounded: "infeasible_or_unbounded", Tc.maxTimeLimit: "time_limit"}
    condition = answer.termination_condition
    maximize = next(model.component_data_objects(pyo.Objective, active=True)).sense == pyo.maximize
    return Outcome(
        words.get(condition, condition.name),
        objective=finite_or_none(answer.best_feasible_objective),
        bound=finite_or_none(answer.best_objective_bound),
        time=elapsed,
        sense="max" if maximize else "min",
    )
