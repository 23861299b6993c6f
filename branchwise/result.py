"""What ``Model.solve`` returns: the search's numbers and the values of the user's expressions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from branchwise.branches import mismatch
from branchwise.core.tolerances import FEASIBILITY
from branchwise.expr import Constraint, as_expression
from branchwise.logic import Condition, ConditionArray, elementwise, truth
from branchwise.nonlinear.expr import NlExpr
from branchwise.nonlinear.rows import columns_of
from branchwise.solver.result import SolveReport, relative_gap

if TYPE_CHECKING:
    from branchwise.model import Model
    from branchwise.relaxations import Reformulation


class Result:
    """Status, objective, bound and counters of a solve, plus ``res[x]`` and ``res.value(e)``.

    ``verified`` is True only when the solution, with every derived value (abs, max,
    if_then_else, ...) recomputed on plain floats, satisfies every bound, row and condition
    of the model within tolerance, its objective is no worse than the search reported, and
    every condition the solver branched on evaluates in Python, exactly, to the branch taken.
    """

    def __init__(self, model: Model, report: SolveReport, x: np.ndarray | None = None,
                 witness: dict | None = None) -> None:
        """``x`` holds the model's variable values (by default the report's column vector);
        ``witness`` the branch the solver took for each reified condition and step."""
        self.model = model
        self.report = report
        self.witness = witness or {}
        values = report.x if x is None else x
        self._values = None if values is None else np.asarray(values, dtype=float)[
            :model.n_vars]
        self.x = None if self._values is None else model.complete(self._values, self.witness)
        self.status = report.status
        self.objective = None if self.x is None else self._objective_value()
        self.bound = report.bound
        self.nodes = report.nodes
        self.time = report.time
        self.violation = (model.violation(self.x, self.witness) if self.x is not None
                          else (np.inf, ""))
        #: The first reified condition or step on which Python, comparing exactly on the
        #: returned values, takes another branch than the solver did (None when none does).
        self.branch_mismatch = None if self.x is None else mismatch(self.x, self.witness)
        self.verified = (bool(report.verified) and self.violation[0] <= FEASIBILITY
                         and self._objective_agrees() and self.branch_mismatch is None)
        #: The solutions kept, best first, as ``(objective, {variable: value})``: this
        #: one, and with ``pool=k`` up to k distinct in the integer variables.
        self.solutions: list[tuple[float, dict]] = []

    @property
    def trajectory(self) -> list[tuple[float, float | None, float]]:
        """(seconds into the search, incumbent or None, bound) as the gap closed."""
        return self.report.trajectory

    def plot(self, path: str | Path | None = None) -> Any:
        """Incumbent and bound over the search's time (:func:`plot_trajectory`)."""
        return plot_trajectory(self.trajectory, f"{self.model.name or 'model'}: "
                               f"{self.status}, gap {self.gap:.3g}", path)

    @property
    def gap(self) -> float:
        """Relative gap between objective and bound (inf without a solution)."""
        return relative_gap(self.objective, self.bound)

    def __repr__(self) -> str:
        return (f"Result(status={self.status!r}, objective={self.objective}, "
                f"bound={self.bound}, gap={self.gap:.3g}, nodes={self.nodes}, "
                f"verified={self.verified})")

    def __getitem__(self, expr: Any) -> Any:
        """Value of a Var (float), a VarArray (ndarray), any expression or condition."""
        return self.value(expr)

    def value(self, expr: Any) -> Any:
        """Value at the solution of an expression (float or ndarray), a number, or a
        condition (bool or bool ndarray), logic included."""
        if self.x is None:
            raise RuntimeError(f"no solution available: the solve ended as {self.status!r}")
        if len(self.x) < self.model.n_vars:  # derived columns made after the solve
            self.x = self.model.complete(self._values, self.witness)
        if isinstance(expr, (Condition, Constraint, ConditionArray)):
            self._check_model(expr)
            return elementwise(lambda c: truth(c, self.x, self.witness), expr)
        expr = expr if isinstance(expr, NlExpr) else as_expression(expr)
        self._check_model(expr)
        if self._uses_later_variables(expr):
            raise ValueError("the expression uses variables that the solution does not cover")
        value = expr.evaluate(self.x)
        return float(value) if value.shape == () else value

    def _uses_later_variables(self, expr: Any) -> bool:
        """True when ``expr`` reads a variable made after the solve (derived columns aside)."""
        return any(j >= len(self._values) and not self.model.is_derived(int(j))
                   for j in columns_of(expr))

    def _check_model(self, expr: Any) -> None:
        if expr.model not in (None, self.model):
            raise ValueError("the expression belongs to a different model")

    def _objective_value(self) -> float:
        value = self.model.objective.evaluate(self.x)
        return float(value)

    def _objective_agrees(self) -> bool:
        """True when the recomputed objective is no worse than the search's (within tolerance)."""
        if self.report.objective is None or self.objective is None:
            return self.objective is None
        worse = self.objective - self.report.objective
        if self.model.maximize_objective:
            worse = -worse
        return worse <= FEASIBILITY * max(1.0, abs(self.report.objective))


def point_result(model: Model, ref: Reformulation, x: np.ndarray, bound: float,
                 nodes: int = 0, time: float = 0.0) -> Result:
    """A point of ``ref.problem`` met during a search (an incumbent, a candidate, a kept
    solution) as a Result in the model's variables, status "feasible", checked there."""
    problem = ref.problem
    report = SolveReport("feasible", x, problem.objective_value(x), bound, nodes, time,
                         verified=bool(problem.violation(x)[0] <= FEASIBILITY))
    values, witness = ref.invert(np.array(x, dtype=float))  # invert writes into its copy
    return Result(model, report, values, witness)


def plot_trajectory(trajectory: list[tuple[float, float | None, float]], title: str,
                    path: str | Path | None = None) -> Any:
    """Incumbent and bound over a search's time (``SolveReport.trajectory``), as a
    matplotlib ``Figure`` (matplotlib is imported here, not with branchwise); saved to
    ``path`` when given."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plotting needs matplotlib (pip install matplotlib)") from None
    times = [t for t, _, _ in trajectory]
    figure = Figure(figsize=(6.4, 3.6), layout="constrained")
    axes = figure.subplots()
    for values, label in (([o for _, o, _ in trajectory], "incumbent"),
                          ([b for _, _, b in trajectory], "bound")):
        shown = [np.nan if v is None or not np.isfinite(v) else v for v in values]
        axes.step(times, shown, where="post", label=label)
    axes.set_xlabel("search time (s)")
    axes.set_ylabel("objective")
    axes.set_title(title)
    axes.legend()
    if path is not None:
        figure.savefig(path)
    return figure
