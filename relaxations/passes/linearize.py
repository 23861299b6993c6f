"""abs, max and min as rows.

``y = max(a_1, ..., a_k)`` always gets ``y >= a_i``. Where only that side matters (see
:mod:`.convexity`) that is all. Otherwise one selection binary per operand (one in all
for two operands) says which operand ``y`` equals: ``z_i = 1 ⇒ y <= a_i``, with the
tightest M, ``max_j ub(a_j - a_i)``, or natively (see :mod:`.bigm`). Operands that can
never be the largest are dropped first. ``min`` is ``-max(-a)``, ``abs(e)`` is
``max(e, -e)``.
"""

from __future__ import annotations

from branchwise.expr import LinExpr, quicksum
from branchwise.functions import Abs, Definition, Min
from branchwise.relaxations.analysis.bounds import What
from branchwise.relaxations.lowering import Lowering
from branchwise.relaxations.passes.bigm import imply_le
from branchwise.relaxations.target import Target, column


class LinearizePass(Lowering):
    """The rows of one derived ``abs``, ``max`` or ``min`` column."""

    def apply(self, node: Definition, target: Target) -> None:
        sign = -1.0 if isinstance(node, Min) else 1.0
        operands = ([node.operands[0], -node.operands[0]] if isinstance(node, Abs)
                    else list(node.operands))
        y = sign * column(node.column)
        candidates = [sign * a for a in operands]
        for a in candidates:
            target.add_row(y - a, lower=0.0, hint=f"_{node.kind}")
        if node not in target.relaxed:
            exact_max(target, y, candidates, f"{node} (column {target.names[node.column]})")


def exact_max(target: Target, y: LinExpr, candidates: list[LinExpr], what: What) -> None:
    """Rows that, with ``y >= each candidate``, make ``y`` equal the largest candidate."""
    bounds = target.bounds
    keep = [i for i, a in enumerate(candidates) if not any(
        j != i and bounds.upper_of(a - b) <= 0 and (j < i or bounds.upper_of(b - a) > 0)
        for j, b in enumerate(candidates))]
    if len(keep) == 1:
        target.add_row(y - candidates[keep[0]], upper=0.0, hint="_max")
        return
    chosen = [candidates[i] for i in keep]
    if len(chosen) == 2:
        z = target.binary("_sel")
        selectors = [z, 1 - z]
    else:
        selectors = [target.binary("_sel") for _ in chosen]
        target.add_row(quicksum(selectors), 1.0, 1.0, hint="_sel")
    for i, (a, z) in enumerate(zip(chosen, selectors, strict=True)):
        gap = max(bounds.upper_of(b - a) for j, b in enumerate(chosen) if j != i)
        imply_le(target, y - a, z, what, when_off=max(gap, 0.0))
