"""Quadratic and nonlinear constraints as the rows of a Problem: ``lower <= f(x) <= upper``
with the body's constant moved into the bounds (so they scale as linear rows do), and
``f`` compiled into a :class:`~branchwise.core.smooth.SmoothFunction` over the problem's
columns."""

from __future__ import annotations

from typing import Any

import numpy as np

from branchwise.core.smooth import SmoothFunction
from branchwise.expr import Constraint, LinExpr, QuadExpr
from branchwise.nonlinear.expr import NlExpr, as_nlexpr
from branchwise.nonlinear.graph import ExpressionFunction, leaf_columns, postorder
from branchwise.nonlinear.nodes import Affine, Linear


def split_constant(expr: QuadExpr | NlExpr) -> tuple[QuadExpr | NlExpr, np.ndarray]:
    """``expr`` without the constant it adds at its top, and that constant (flat)."""
    if isinstance(expr, QuadExpr):
        lin = expr.lin
        bare = LinExpr(lin.model, lin.rows, np.zeros_like(lin.const), lin.shape)
        return QuadExpr(expr.model, expr.qi, expr.qj, expr.qv, bare), lin.const.copy()
    root = expr.node
    if not isinstance(root, Linear):
        return expr, np.zeros(expr.size)
    offset = np.zeros(root.size)
    children, maps = [], []
    for child, m in zip(root.children, root.maps, strict=True):
        if isinstance(child, Affine):
            offset += m @ child.const
            if child.is_constant:
                continue
            data, indices, indptr = child.arrays
            child = Affine(indptr, indices, data, np.zeros(child.size), child.shape)
        children.append(child)
        maps.append(m)
    return NlExpr(expr.model, Linear(children, maps, root.shape)), offset


def nonlinear_rows(constraint: Constraint, strict_gap: float
                   ) -> tuple[QuadExpr | NlExpr, np.ndarray, np.ndarray]:
    """A quadratic or nonlinear constraint as ``lower <= f <= upper`` (flat bounds), its
    body's constant moved into the bounds so rows scale as linear rows do; a strict
    comparison keeps ``strict_gap``."""
    f, offset = split_constant(constraint.body)
    gap = strict_gap if constraint.is_strict else 0.0
    sense = constraint.sense
    lower = -offset + gap if sense in (">=", ">", "==") else np.full(offset.size, -np.inf)
    upper = -offset - gap if sense in ("<=", "<", "==") else np.full(offset.size, np.inf)
    return f, lower, upper


def smooth_function(expr: QuadExpr | NlExpr, n: int, lower: np.ndarray,
                    upper: np.ndarray) -> SmoothFunction:
    """``expr`` over ``n`` columns as a :class:`QuadraticFunction` (a quadratic expression)
    or an :class:`ExpressionFunction` whose curvature holds over ``[lower, upper]``."""
    if isinstance(expr, QuadExpr):
        return as_nlexpr(expr).node.function(n)  # a Quadratic leaf
    return ExpressionFunction(expr, n, lower, upper)


def columns_of(expr: Any) -> np.ndarray:
    """The columns any expression reads (sorted, unique)."""
    return leaf_columns(postorder(as_nlexpr(expr).node))
