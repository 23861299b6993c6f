"""Branch-and-bound over continuous relaxations of a :class:`~branchwise.problem.Problem`."""

from branchwise.solver.driver import solve
from branchwise.solver.options import SolveOptions
from branchwise.solver.result import STATUSES, SolveReport

__all__ = ["STATUSES", "SolveOptions", "SolveReport", "solve"]
