"""branchwise: make ordinary program logic optimizable."""

from branchwise.expr import Constraint, LinExpr, QuadExpr, Var, VarArray, quicksum
from branchwise.model import Model
from branchwise.problem import Problem
from branchwise.result import Result
from branchwise.solver import SolveOptions

__all__ = [
    "Constraint",
    "LinExpr",
    "Model",
    "Problem",
    "QuadExpr",
    "Result",
    "SolveOptions",
    "Var",
    "VarArray",
    "quicksum",
]
