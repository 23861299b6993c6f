"""The branch the solver took for each reified condition and step (the witness), checked
against the branch Python takes on the returned values, and the rows that make a polished
solution land strictly on the witnessed side (API.md: the branch taken in the model is the
branch that Python takes on the solution)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from branchwise.core.tolerances import BRANCH_MARGIN
from branchwise.expr import Constraint, LinExpr, integral_terms
from branchwise.functions import Steps
from branchwise.logic import And, Not, Or, holds, negate, truth

if TYPE_CHECKING:
    from branchwise.model import Model


def mismatch(x: np.ndarray, witness: dict) -> Any:
    """The first witnessed node (condition or step) on which Python, evaluating exactly on
    the completed column values ``x``, takes another branch than the solver; else None."""
    for node, taken in witness.items():
        if isinstance(node, Steps):
            if node.segment(float(node.operands[0].evaluate(x))) != taken:
                return node
        elif truth(node, x) != bool(taken):
            return node
    return None


def margin_rows(model: Model, x: np.ndarray, witness: dict) -> list[LinExpr]:
    """Expressions ``e`` over the model's columns: ``e <= 0`` for all of them keeps every
    non-strict comparison behind a witnessed branch ``BRANCH_MARGIN`` inside its side
    (strict ones already keep ``strict_gap``; integer expressions are exact)."""
    integral = model.integral_columns()
    rows = []
    for node, taken in witness.items():
        if isinstance(node, Steps):
            if taken > 0:
                rows += _margins(float(node.cuts[taken - 1]) - node.operands[0], integral)
        else:
            for leaf in _taken_leaves(node if taken else negate(node), x):
                rows += _margins(leaf.body if leaf.sense == "<=" else -leaf.body, integral)
    return rows


def _taken_leaves(cond: Any, x: np.ndarray) -> Iterator[Constraint]:
    """The non-strict inequalities that hold because ``cond`` holds at ``x`` (one child of
    an ``Or``: the first that holds within tolerance)."""
    if isinstance(cond, Constraint):
        if cond.sense in ("<=", ">="):
            yield cond
    elif isinstance(cond, Not):
        yield from _taken_leaves(negate(cond.child), x)
    elif isinstance(cond, And):
        for child in cond.children:
            yield from _taken_leaves(child, x)
    elif isinstance(cond, Or):
        chosen = next((c for c in cond.children if holds(c, x)), None)
        if chosen is not None:
            yield from _taken_leaves(chosen, x)
    # literals are fixed with the choices; "==", counts and complementarities get no margin


def _margins(e: LinExpr, integral: np.ndarray) -> list[LinExpr]:
    """``e <= 0`` tightened by the margin, or nothing for an integer expression."""
    if integral_terms(e, integral):
        return []
    return [e + BRANCH_MARGIN * max(1.0, BRANCH_MARGIN * abs(float(e.const[0])))]
