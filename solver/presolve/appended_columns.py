"""Rewrites that append columns after the problem's own: the way back drops them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from branchwise.core.passes import Pass
from branchwise.core.problem import Problem
from branchwise.solver.result import SolveReport


class AppendsColumns(Pass):
    """A pass whose problem is the original with more columns after its own (``extend``).

    The inverse is the original problem: a point keeps its first columns and its objective
    is recomputed there (the driver verifies it on the problem it was given)."""

    def extend(self, problem: Problem) -> Problem:
        """``problem`` with the new columns appended."""
        raise NotImplementedError

    def apply(self, problem: Problem) -> tuple[Problem, Problem]:
        return self.extend(problem), problem

    def restore_point(self, original: Problem, x: np.ndarray) -> np.ndarray:
        return x[: original.n_cols]

    def invert(self, original: Problem, report: SolveReport) -> SolveReport:
        if report.x is None:
            return report
        x = report.x[: original.n_cols]
        return replace(report, x=x, objective=original.objective_value(x))
