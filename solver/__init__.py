"""Branch-and-bound over continuous relaxations of a :class:`~branchwise.problem.Problem`."""

from branchwise.solver.options import SolveOptions
from branchwise.solver.result import STATUSES, SolveReport
from branchwise.solver.search import solve

__all__ = ["STATUSES", "SolveOptions", "SolveReport", "solve"]
