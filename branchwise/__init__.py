"""branchwise: make ordinary program logic optimizable."""

from typing import Any

from branchwise.core.problem import Problem
from branchwise.core.smooth import NonconvexError
from branchwise.expr import Constraint, LinExpr, QuadExpr, Var, VarArray, quicksum
from branchwise.functions import if_then_else, piecewise, steps
from branchwise.functions import max_ as max  # noqa: A004 (bw.max, as API.md names it)
from branchwise.functions import min_ as min  # noqa: A004
from branchwise.logic import (
    Condition,
    ConditionArray,
    at_least,
    at_most,
    complements,
    either,
    exactly,
    iff,
    implies,
    xor,
)
from branchwise.model import Model
from branchwise.nonlinear.expr import NlExpr, exp, log, norm2, sqrt
from branchwise.program.decorator import ProgramError, program
from branchwise.relaxations import UnboundedExpressionError
from branchwise.result import Result
from branchwise.solver import SolveOptions

__all__ = [
    "Condition",
    "ConditionArray",
    "Constraint",
    "CvxpySolver",
    "LinExpr",
    "Model",
    "NlExpr",
    "NonconvexError",
    "Problem",
    "ProgramError",
    "QuadExpr",
    "Result",
    "SolveOptions",
    "UnboundedExpressionError",
    "Var",
    "VarArray",
    "at_least",
    "at_most",
    "complements",
    "either",
    "exactly",
    "exp",
    "if_then_else",
    "iff",
    "implies",
    "log",
    "max",
    "min",
    "norm2",
    "piecewise",
    "program",
    "quicksum",
    "sqrt",
    "steps",
    "xor",
]


def __getattr__(name: str) -> Any:
    """``bw.CvxpySolver`` imports cvxpy (about 2 s) only when first asked for."""
    if name == "CvxpySolver":
        from branchwise.io.adapters.cvxpy_solver import CvxpySolver

        return CvxpySolver
    raise AttributeError(f"module 'branchwise' has no attribute {name!r}")
