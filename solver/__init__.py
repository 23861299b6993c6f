"""Branch-and-bound over continuous relaxations of a :class:`~branchwise.core.problem.Problem`."""

from branchwise.solver.driver import solve
from branchwise.solver.options import SolveOptions, option_names, options_from, parse_setting
from branchwise.solver.result import STATUSES, SolveReport

__all__ = ["STATUSES", "SolveOptions", "SolveReport", "option_names", "options_from",
           "parse_setting", "solve"]
