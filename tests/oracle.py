"""Reference answers from HiGHS's own MIP solver, for differential tests against branchwise."""

from __future__ import annotations

from typing import NamedTuple

import highspy
import numpy as np

from branchwise.core.highs_session import new_highs
from branchwise.core.problem import Problem

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
    #: HiGHS's optimal point (None unless optimal).
    x: np.ndarray | None = None


def oracle_solve(problem: Problem, time_limit: float = 60.0,
                 integrality_tolerance: float | None = None) -> OracleResult:
    """Solve ``problem`` with HiGHS MIP at near-zero gap; resolve 'unbounded or infeasible'.

    ``integrality_tolerance`` sets HiGHS's ``mip_feasibility_tolerance`` (1e-6 by default):
    with big-M rows, a binary HiGHS accepts at 1e-7 can open 0.1 units of a 1e6 capacity,
    and its "optimum" is then below every truly integral point's objective."""
    if problem.Q is not None:
        raise ValueError("the HiGHS oracle handles linear objectives only")
    options = {} if integrality_tolerance is None else {
        "mip_feasibility_tolerance": integrality_tolerance}
    status, objective, x = _run(problem, problem.c, time_limit, options)
    if status in ("unbounded", "unbounded_or_infeasible"):
        # A feasible MIP (rational data) whose relaxation is unbounded is itself unbounded.
        feasible, _, _ = _run(problem, np.zeros_like(problem.c), time_limit, options)
        return OracleResult("unbounded" if feasible == "optimal" else "infeasible", None)
    if status != "optimal":
        return OracleResult(status, None)
    return OracleResult(status, objective, x)


def _run(problem: Problem, cost: np.ndarray, time_limit: float,
         options: dict) -> tuple[str, float, np.ndarray]:
    """One HiGHS solve of ``problem`` with objective vector ``cost`` and extra ``options``;
    status, objective and point."""
    highs = new_highs()
    for option, value in (
        ("output_flag", False), ("mip_rel_gap", 1e-9),
        ("mip_abs_gap", 1e-12), ("time_limit", time_limit), ("random_seed", 0),
        *options.items(),
    ):
        highs.setOptionValue(option, value)
    highs.passModel(_highs_lp(problem, cost))
    highs.run()
    model_status = highs.getModelStatus()
    if model_status not in _STATUS:
        raise RuntimeError(f"HiGHS oracle ended with {highs.modelStatusToString(model_status)}")
    point = np.array(highs.getSolution().col_value)
    return _STATUS[model_status], highs.getInfo().objective_function_value, point


def _highs_lp(problem: Problem, cost: np.ndarray) -> highspy.HighsLp:
    """The HighsLp of ``problem`` built here from its arrays, independently of the engine's
    own conversion, so a bug there cannot hide in both the answer and its reference."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = problem.n_cols, problem.n_rows
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_, lp.col_upper_ = problem.col_lower, problem.col_upper
    lp.row_lower_, lp.row_upper_ = problem.row_lower, problem.row_upper
    lp.offset_ = problem.objective_offset
    lp.sense_ = highspy.ObjSense.kMaximize if problem.maximize else highspy.ObjSense.kMinimize
    csc = problem.A.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = problem.n_cols, problem.n_rows
    lp.a_matrix_.start_, lp.a_matrix_.index_ = csc.indptr, csc.indices
    lp.a_matrix_.value_ = csc.data
    kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
    lp.integrality_ = [kinds[int(flag)] for flag in problem.integrality]
    return lp
