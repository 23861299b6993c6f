"""``y = piecewise(x, xs, ys)`` as rows.

Convex weights ``λ`` over the breakpoints: ``Σ λ = 1``, ``x = Σ λ_i xs_i``,
``y = Σ λ_i ys_i``, with at most two neighbouring weights nonzero. That last rule is an SOS2
set branched on natively, or (without native SOS) one binary per segment with
``λ_i <= z_{i-1} + z_i`` and no M. A convex function whose value only needs to be large
enough (:mod:`.convexity`) is its epigraph, ``y >= each segment``, with no weights at all;
a concave one symmetrically; one segment is a single row.
"""

from __future__ import annotations

from typing import Any

from branchwise.expr import quicksum
from branchwise.functions import Piecewise
from branchwise.relaxations import choice
from branchwise.relaxations.lowering import Lowering
from branchwise.relaxations.target import Target, column


class PiecewisePass(Lowering):
    """The rows of one derived ``piecewise`` column."""

    def apply(self, node: Piecewise, target: Target) -> None:
        x, y = node.operands[0], column(node.column)
        target.add_row(x, float(node.xs[0]), float(node.xs[-1]), hint="_pw")
        lines = node.lines()
        if len(lines) == 1:
            slope, intercept = lines[0]
            target.add_row(y - slope * x, intercept, intercept, hint="_pw")
        elif node in target.relaxed:
            sense = 1.0 if target.relaxed[node] == "up" else -1.0
            for slope, intercept in lines:
                target.add_row(sense * (y - slope * x - intercept), lower=0.0, hint="_pw")
        else:
            _weights(target, node, x, y)


def _weights(target: Target, node: Piecewise, x: Any, y: Any) -> None:
    """The λ formulation, with SOS2 or with segment binaries."""
    n = len(node.xs)
    weights = target.new_columns(n, 0.0, 1.0, False, "_lam")
    target.add_row(quicksum(weights), 1.0, 1.0, hint="_pw")
    target.add_row(x - quicksum(float(v) * w for v, w in zip(node.xs, weights, strict=True)),
                   0.0, 0.0, hint="_pw")
    target.add_row(y - quicksum(float(v) * w for v, w in zip(node.ys, weights, strict=True)),
                   0.0, 0.0, hint="_pw")
    if choice.sos_is_native(target.options):
        target.add_sos("sos2", [int(w.rows.indices[0]) for w in weights])
        return
    segments = [target.binary("_seg") for _ in range(n - 1)]
    target.add_row(quicksum(segments), 1.0, 1.0, hint="_seg")
    for i, w in enumerate(weights):
        near = segments[max(i - 1, 0):i + 1]
        target.add_row(w - quicksum(near), upper=0.0, hint="_seg")
