"""branchwise: make ordinary program logic optimizable."""

from branchwise.problem import Problem

__all__ = ["Problem"]
