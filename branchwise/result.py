"""What ``Model.solve`` returns: the search's numbers and the values of the user's expressions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from branchwise.expr import as_expression
from branchwise.solver.result import SolveReport, relative_gap
from branchwise.tolerances import FEASIBILITY

if TYPE_CHECKING:
    from branchwise.model import Model


class Result:
    """Status, objective, bound and counters of a solve, plus ``res[x]`` and ``res.value(e)``."""

    def __init__(self, model: Model, report: SolveReport, x: np.ndarray | None = None) -> None:
        """``x`` holds the model's variable values; by default the report's column vector."""
        self.model = model
        self.report = report
        values = report.x if x is None else x
        self.x = None if values is None else np.asarray(values, dtype=float)
        self.status = report.status
        self.objective = report.objective if self.x is not None else None
        self.bound = report.bound
        self.nodes = report.nodes
        self.time = report.time
        self.violation = model.violation(self.x) if self.x is not None else (np.inf, "")
        self.verified = bool(report.verified) and self.violation[0] <= FEASIBILITY

    @property
    def gap(self) -> float:
        """Relative gap between objective and bound (inf without a solution)."""
        return relative_gap(self.objective, self.bound)

    def __repr__(self) -> str:
        return (f"Result(status={self.status!r}, objective={self.objective}, "
                f"bound={self.bound}, gap={self.gap:.3g}, nodes={self.nodes}, "
                f"verified={self.verified})")

    def __getitem__(self, expr: Any) -> float | np.ndarray:
        """Value of a Var (float), a VarArray (ndarray) or any expression."""
        return self.value(expr)

    def value(self, expr: Any) -> float | np.ndarray:
        """Value of a linear or quadratic expression (or a number) at the solution."""
        if self.x is None:
            raise RuntimeError(f"no solution available: the solve ended as {self.status!r}")
        expr = as_expression(expr)
        if expr.model not in (None, self.model):
            raise ValueError("the expression belongs to a different model")
        value = expr.evaluate(self.x)
        return float(value) if value.shape == () else value
