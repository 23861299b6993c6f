"""``y = if_then_else(cond, a, b)`` as rows.

An indicator δ is tied to ``cond`` both ways (:func:`.indicator.literal`), and

    δ = 1 ⇒ y = a,   δ = 0 ⇒ y = b,

each side two implications whose Ms are the bounds of ``a - b`` (the exact linearisation of
``y = b + δ (a - b)``). When ``a - b`` is a constant ``d`` that is the single row
``y = b + d δ``. The branch taken is the witness the model uses to evaluate ``y`` on a
boundary, where Python's comparison and the solver's may differ by round-off.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from branchwise.expr import LinExpr
from branchwise.functions import IfThenElse
from branchwise.relaxations.analysis.bounds import Described
from branchwise.relaxations.lowering import Lowering, Solution
from branchwise.relaxations.passes.bigm import imply_le
from branchwise.relaxations.passes.indicator import literal
from branchwise.relaxations.target import Target, column


class IfThenElsePass(Lowering):
    """The rows of one derived ``if_then_else`` column."""

    def apply(self, node: IfThenElse, target: Target) -> tuple[Any, LinExpr]:
        what = Described(node, target.names[node.column])
        delta = literal(target, node.cond, "+-", what)
        y, (a, b) = column(node.column), node.operands
        difference = a - b
        if difference.coef.nnz == 0 or not np.any(difference.coef.data):
            target.add_row(y - b - float(difference.const[0]) * delta, 0.0, 0.0, hint="_if")
            return node.cond, delta
        above, below = target.bounds.upper_of(a - b), target.bounds.upper_of(b - a)
        imply_le(target, y - a, delta, what, when_off=below)
        imply_le(target, a - y, delta, what, when_off=above)
        imply_le(target, y - b, 1 - delta, what, when_off=above)
        imply_le(target, b - y, 1 - delta, what, when_off=below)
        return node.cond, delta

    def invert(self, data: tuple[Any, LinExpr], solution: Solution) -> Solution:
        """Record the branch the solver took for the condition."""
        cond, delta = data
        solution.witness[cond] = bool(float(delta.evaluate(solution.x)) > 0.5)
        return solution
