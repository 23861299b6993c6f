"""``y = steps(x, cuts, values)`` as rows: a disjunction of intervals of one expression.

One binary per step that ``x``'s bounds allow, ``Σ z = 1``, ``y = Σ values_i z_i``, and

    Σ lo_i z_i <= x <= Σ hi_i z_i

with ``lo_i = cuts[i-1]`` and ``hi_i`` the largest value below ``cuts[i]`` (one less for an
integer ``x``, ``strict_gap`` less for a continuous one): the convex hull of the steps, no
M. The outer steps use ``x``'s proven bounds; where one is infinite those rows become
per-step implications instead (native, or an error naming the variable).
"""

from __future__ import annotations

import math

import numpy as np

from branchwise.expr import LinExpr, quicksum
from branchwise.functions import Steps
from branchwise.relaxations.analysis.bounds import Described
from branchwise.relaxations.lowering import Lowering, Solution
from branchwise.relaxations.passes.atoms import largest_below
from branchwise.relaxations.passes.bigm import imply_le
from branchwise.relaxations.target import Target, column


class StepsPass(Lowering):
    """The rows of one derived ``steps`` column."""

    def apply(self, node: Steps, target: Target) -> tuple[Steps, list[int], list[LinExpr]]:
        x, y = node.operands[0], column(node.column)
        spans = _spans(node, x, target)
        steps = [i for i, (lo, hi) in enumerate(spans) if lo <= hi]
        if not steps:  # x's bounds leave no step: the model is infeasible
            target.add_row(LinExpr.constant(1.0), upper=0.0, hint="_steps")
            return node, [], []
        z = [target.binary("_step") for _ in steps]
        target.add_row(quicksum(z), 1.0, 1.0, hint="_steps")
        target.add_row(y - quicksum(float(node.values[i]) * zi for i, zi in zip(steps, z,
                                                                                strict=True)),
                       0.0, 0.0, hint="_steps")
        lows = [spans[i][0] for i in steps]
        highs = [spans[i][1] for i in steps]
        what = Described(node, target.names[node.column])
        if all(map(math.isfinite, lows)):
            target.add_row(x - quicksum(lo * zi for lo, zi in zip(lows, z, strict=True)),
                           lower=0.0, hint="_steps")
        else:
            for lo, zi in zip(lows, z, strict=True):
                if math.isfinite(lo):
                    imply_le(target, lo - x, zi, what)
        if all(map(math.isfinite, highs)):
            target.add_row(x - quicksum(hi * zi for hi, zi in zip(highs, z, strict=True)),
                           upper=0.0, hint="_steps")
        else:
            for hi, zi in zip(highs, z, strict=True):
                if math.isfinite(hi):
                    imply_le(target, x - hi, zi, what)
        return node, steps, z

    def invert(self, data: tuple[Steps, list[int], list[LinExpr]],
               solution: Solution) -> Solution:
        """Record the step the solver took."""
        node, steps, z = data
        if steps:
            values = [float(zi.evaluate(solution.x)) for zi in z]
            solution.witness[node] = steps[int(np.argmax(values))]
        return solution


def _spans(node: Steps, x: LinExpr, target: Target) -> list[tuple[float, float]]:
    """The interval of ``x`` in each step, clipped to its proven bounds."""
    lower, upper = target.bounds.lower_of(x), target.bounds.upper_of(x)
    gap = target.options.strict_gap
    cuts = [float(c) for c in node.cuts]
    spans = []
    for i in range(len(cuts) + 1):
        lo = cuts[i - 1] if i > 0 else -math.inf
        hi = largest_below(x, cuts[i], target.integral, gap) if i < len(cuts) else math.inf
        spans.append((max(lo, lower), min(hi, upper)))
    return spans
