"""HiGHS's MIP presolve in front of the search, and postsolve of its answers."""

from __future__ import annotations

import highspy
import numpy as np

from branchwise.problem import Problem
from branchwise.solver.highs_model import from_highs_model, to_highs_model
from branchwise.solver.highs_session import new_highs

_OUTCOME = {
    highspy.HighsPresolveStatus.kNotReduced: "not_reduced",
    highspy.HighsPresolveStatus.kReduced: "reduced",
    highspy.HighsPresolveStatus.kReducedToEmpty: "empty",
    highspy.HighsPresolveStatus.kInfeasible: "infeasible",
    highspy.HighsPresolveStatus.kUnboundedOrInfeasible: "unbounded_or_infeasible",
    highspy.HighsPresolveStatus.kTimeout: "timeout",
}


class Presolve:
    """Runs HiGHS's presolve (MIP reductions included) on a problem once.

    ``outcome`` is one of reduced, empty, not_reduced, infeasible,
    unbounded_or_infeasible, timeout or error; ``reduced`` is the smaller problem when
    there is one, and ``restore`` maps its points back to the original columns.
    """

    def __init__(self, problem: Problem, time_limit: float) -> None:
        self.original = problem
        self.highs = new_highs()
        if np.isfinite(time_limit):
            self.highs.setOptionValue("time_limit", float(max(time_limit, 1e-3)))
        self.highs.passModel(to_highs_model(problem))
        status = self.highs.presolve()
        self.outcome = "error" if status == highspy.HighsStatus.kError else _OUTCOME.get(
            self.highs.getModelPresolveStatus(), "error")
        self.reduced: Problem | None = None
        if self.outcome == "reduced":
            self.reduced = from_highs_model(self.highs.getPresolvedLp(), name=problem.name)
            self.reduced.logic_columns = _surviving_logic_columns(problem, self.reduced)

    def restore(self, x_reduced: np.ndarray) -> np.ndarray | None:
        """The original-space point of a reduced-space point (None if postsolve fails)."""
        solution = highspy.HighsSolution()
        solution.col_value = np.asarray(x_reduced, dtype=float)
        reduced = self.reduced
        activity = reduced.A @ x_reduced if reduced is not None else np.zeros(0)
        solution.row_value = activity
        solution.value_valid = True
        solution.dual_valid = False
        if self.highs.postsolve(solution) == highspy.HighsStatus.kError:
            return None
        x = np.array(self.highs.getSolution().col_value, dtype=float)
        return x if x.shape == (self.original.n_cols,) else None


def _surviving_logic_columns(original: Problem, reduced: Problem) -> np.ndarray:
    """The reduced problem's columns that were logic columns of the original, found by
    name (HiGHS keeps the names of the columns it keeps); none when names repeat."""
    names = original.col_names
    if not original.logic_columns.size or len(set(names)) != len(names):
        return np.zeros(0, dtype=np.int64)
    logic = {names[j] for j in original.logic_columns}
    return np.array([j for j, name in enumerate(reduced.col_names)
                     if name in logic and reduced.integrality[j]], dtype=np.int64)
