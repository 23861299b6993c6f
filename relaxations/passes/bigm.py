"""One implication ``δ = 1 ⇒ e <= 0`` as rows: a big-M row with the tightest proven M, or
native branching (``e <= s``, SOS1{δ, s}) where M is large or cannot be proven.

Every reduction that switches a row on and off goes through :func:`imply_le`, so the
choice between the two (see :mod:`.choice`) and the error for an unprovable M live here.
"""

from __future__ import annotations

import math

from branchwise.expr import LinExpr, scalar_terms
from branchwise.relaxations import choice
from branchwise.relaxations.analysis.bounds import What
from branchwise.relaxations.target import Target


def imply_le(target: Target, e: LinExpr, delta: LinExpr, what: What,
             when_off: float | None = None) -> None:
    """Rows making ``delta = 1`` force ``e <= 0``; ``delta`` is a 0/1 expression.

    ``when_off`` is a proven upper bound on ``e`` wherever ``delta = 0`` (callers that know
    a tighter one than ``e``'s interval pass it); without it the bound is ``e``'s own.
    """
    if delta.is_constant:
        if delta.const[0] > 0.5:
            target.add_row(e, upper=0.0, hint="_on")
        return
    m = target.bounds.upper_of(e) if when_off is None else when_off
    if when_off is None and m <= 0:
        return  # e <= 0 everywhere
    coefficients = scalar_terms(e)[1].tolist()
    if choice.implication_is_native(target.options, m,
                                    choice.scale(coefficients, float(e.const[0]))):
        _native(target, e, delta, m)
    elif math.isinf(m):
        raise target.bounds.unbounded(e, what)
    else:
        target.add_row(e + m * delta, upper=m, hint="_bigm")


def _native(target: Target, e: LinExpr, delta: LinExpr, m: float) -> None:
    """``e <= s``, ``s >= 0`` and SOS1{δ, s}: δ = 1 forces s = 0, with no M in any row."""
    s = target.continuous("_slack", 0.0, max(m, 0.0))
    target.add_row(e - s, upper=0.0, hint="_ind")
    target.add_sos("sos1", [target.column_of(delta, "_on"), _index(s)])


def _index(expr: LinExpr) -> int:
    return int(expr.rows.indices[0])
