"""A comparison as rows ``e <= 0``: where strict comparisons and integer expressions get
their meaning (API.md: the branch the model takes is the branch Python takes).

A strict ``e < 0`` on an integer expression (integer coefficients on integer columns) is
``e <= -1`` after rounding its constant; on a continuous one it keeps the model's gap,
``e <= -strict_gap``. Non-strict comparisons on integer expressions round their constant
inwards, which tightens big-M rows without changing the integer points.
"""

from __future__ import annotations

import math

import numpy as np

from branchwise.core.tolerances import INTEGRALITY
from branchwise.expr import Constraint, LinExpr, integral_terms


def le_rows(cond: Constraint, integral: np.ndarray, gap: float) -> list[LinExpr]:
    """Expressions ``e`` such that ``cond`` holds exactly when every ``e <= 0``."""
    body = cond.body
    if cond.sense == "==":
        return [body, -body]
    e = body if cond.sense in ("<=", "<") else -body
    return [_shifted(e, integral, gap, strict=cond.is_strict)]


def largest_below(x: LinExpr, c: float, integral: np.ndarray, gap: float) -> float:
    """The largest value ``x`` may take while ``x < c`` holds."""
    row = _shifted(x - c, integral, gap, strict=True)  # x - c < 0 as  t + k <= 0
    return float(x.const[0]) - float(row.const[0])


def _shifted(e: LinExpr, integral: np.ndarray, gap: float, strict: bool) -> LinExpr:
    """``e <= 0`` (or ``e < 0`` when ``strict``) as one non-strict row ``e' <= 0``."""
    const = float(e.const[0])
    if integral_terms(e, integral):
        # terms t integral: t + c <= 0 ⇔ t <= floor(-c);  t + c < 0 ⇔ t <= ceil(-c) - 1
        limit = math.ceil(-const - INTEGRALITY) - 1 if strict else math.floor(
            -const + INTEGRALITY)
        return LinExpr(e.model, e.rows, np.array([-float(limit)]), ())
    return e + gap if strict else e
