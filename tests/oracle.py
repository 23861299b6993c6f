"""Reference answers from HiGHS's own MIP solver, for differential tests against branchwise."""

from __future__ import annotations

from typing import NamedTuple

import highspy
import numpy as np

from branchwise.problem import Problem
from branchwise.solver.highs_model import to_highs_model
from branchwise.solver.highs_session import new_highs

_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "unbounded_or_infeasible",
}


class OracleResult(NamedTuple):
    """HiGHS's verdict: a status named as branchwise names it, and the objective if optimal."""

    status: str
    objective: float | None


def oracle_solve(problem: Problem, time_limit: float = 60.0) -> OracleResult:
    """Solve ``problem`` with HiGHS MIP at near-zero gap; resolve 'unbounded or infeasible'."""
    if problem.Q is not None:
        raise ValueError("the HiGHS oracle handles linear objectives only")
    status, objective = _run(problem, problem.c, time_limit)
    if status in ("unbounded", "unbounded_or_infeasible"):
        # A feasible MIP (rational data) whose relaxation is unbounded is itself unbounded.
        feasible, _ = _run(problem, np.zeros_like(problem.c), time_limit)
        return OracleResult("unbounded" if feasible == "optimal" else "infeasible", None)
    return OracleResult(status, objective if status == "optimal" else None)


def _run(problem: Problem, cost: np.ndarray, time_limit: float) -> tuple[str, float]:
    """One HiGHS solve of ``problem`` with objective vector ``cost``; status and objective."""
    highs = new_highs()
    for option, value in (
        ("output_flag", False), ("mip_rel_gap", 1e-9),
        ("mip_abs_gap", 1e-12), ("time_limit", time_limit), ("random_seed", 0),
    ):
        highs.setOptionValue(option, value)
    model = to_highs_model(problem)
    model.lp_.col_cost_ = np.asarray(cost, dtype=float)
    highs.passModel(model)
    highs.run()
    model_status = highs.getModelStatus()
    if model_status not in _STATUS:
        raise RuntimeError(f"HiGHS oracle ended with {highs.modelStatusToString(model_status)}")
    return _STATUS[model_status], highs.getInfo().objective_function_value
