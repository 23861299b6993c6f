"""Which derived columns are used, and which may be relaxed to one side of their graph.

``y = max(a, b)`` needs binaries only when something could profit from ``y`` exceeding
the max. Where every use of ``y`` prefers it small (a minimised objective term with a
positive coefficient, the small side of a ``<=`` row, an operand of another relaxed max)
``y >= a, y >= b`` is exact: an optimum never leaves ``y`` above the max it pays for. That
is the epigraph ("up") of a convex function; concave ones (min) relax "down". Anything
else (an equality, a condition, an if_then_else, a quadratic objective term) needs the
exact rows. A derived column used nowhere is not lowered at all.

An ``if_then_else`` has no convexity of its own, but where only one side of its value
matters it is recorded with that side too: its decision tree (:mod:`.tree_formulation`)
is relaxed when its leaves turn out to form a convex (concave) function of one form.
Its operands stay exact either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from branchwise.expr import Constraint, QuadExpr, Rows
from branchwise.functions import Definition, IfThenElse
from branchwise.logic import And, Literal, leaves, required_comparisons
from branchwise.nonlinear.expr import NlExpr
from branchwise.nonlinear.rows import columns_of

if TYPE_CHECKING:
    from branchwise.model import Model


def analyse(model: Model) -> tuple[list[Definition], dict[Definition, str]]:
    """The used definitions (in creation order) and the relaxed ones with their side."""
    n = model.n_vars
    used = np.zeros(n, dtype=bool)
    up, down = np.ones(n, dtype=bool), np.ones(n, dtype=bool)  # may relax up / down
    _objective(model, used, up, down)
    for cond in required_comparisons(model.conditions):
        lower, upper = cond.row_bounds()
        _row(cond.body.rows, float(lower[0]), float(upper[0]), used, up, down)
    for c in model.constraints:
        lower, upper = c.row_bounds()
        coef = c.body.coef.tocoo()
        _rows(coef.row, coef.col, coef.data, lower, upper, used, up, down)
    for cols in _fixed_columns(model):
        used[cols] = True
        up[cols] = down[cols] = False
    relaxed: dict[Definition, str] = {}
    for d in reversed(model.definitions):
        if not used[d.column]:
            continue
        side = ("up" if d.convexity == "convex" and up[d.column] else
                "down" if d.convexity == "concave" and down[d.column] else None)
        if isinstance(d, IfThenElse):  # its tree decides whether its shape allows it
            side = "up" if up[d.column] else "down" if down[d.column] else None
        if side is not None:
            relaxed[d] = side
        for k, operand in enumerate(d.operands):
            coef = operand.coef.tocoo()
            used[coef.col] = True
            if side is None or d.monotone(k) <= 0:
                up[coef.col] = down[coef.col] = False
            else:  # the operand may move only the way that never helps
                grows = (coef.data > 0) == (side == "up")
                down[coef.col[grows]] = False
                up[coef.col[~grows]] = False
        if isinstance(d, IfThenElse):
            cols = condition_columns(d.cond)
            used[cols] = True
            up[cols] = down[cols] = False
    return [d for d in model.definitions if used[d.column]], relaxed


def _objective(model: Model, used: np.ndarray, up: np.ndarray, down: np.ndarray) -> None:
    """A minimised positive term may relax up, a negative one down (flipped to maximise).
    Columns in a nonlinear objective or in quadratic and nonlinear constraints keep their
    exact value."""
    objective = model.objective
    smooth = [c.body for c in model.nonlinear_constraints]
    if isinstance(objective, NlExpr):
        smooth.append(objective)
    for expr in smooth:
        cols = columns_of(expr)
        used[cols] = True
        up[cols] = down[cols] = False
    if isinstance(objective, NlExpr):
        return
    lin = objective.lin if isinstance(objective, QuadExpr) else objective
    coef = lin.coef.tocoo()
    sign = -1.0 if model.maximize_objective else 1.0
    used[coef.col] = True
    down[coef.col[sign * coef.data > 0]] = False
    up[coef.col[sign * coef.data < 0]] = False
    if isinstance(objective, QuadExpr):
        cols = np.concatenate([objective.qi, objective.qj])
        used[cols] = True
        up[cols] = down[cols] = False


def _rows(rows: np.ndarray, cols: np.ndarray, data: np.ndarray, lower: np.ndarray,
          upper: np.ndarray, used: np.ndarray, up: np.ndarray, down: np.ndarray) -> None:
    """Row ``lower <= a x <= upper``: growing ``x_j`` helps only towards a finite lower side
    when ``a_j > 0`` (a finite upper side when ``a_j < 0``), and vice versa."""
    used[cols] = True
    has_lower, has_upper = np.isfinite(lower[rows]), np.isfinite(upper[rows])
    positive = data > 0
    up[cols[np.where(positive, has_lower, has_upper)]] = False
    down[cols[np.where(positive, has_upper, has_lower)]] = False


def _row(row: Rows, lower: float, upper: float, used: np.ndarray, up: np.ndarray,
         down: np.ndarray) -> None:
    """:func:`_rows` for one row (its repeated columns summed, in numpy: once per
    required comparison, where a scipy matrix would cost tens of microseconds each)."""
    cols, where = np.unique(row.indices, return_inverse=True)
    data = np.bincount(where, weights=row.data, minlength=cols.size)
    _rows(np.zeros(cols.size, dtype=np.int64), cols, data, np.array([lower]),
          np.array([upper]), used, up, down)


def _fixed_columns(model: Model) -> list[np.ndarray]:
    """Columns that must keep their exact value: in conditions, SOS sets, semicontinuous."""
    found = [condition_columns(c) for c in model.conditions
             if not isinstance(c, (Constraint, And))]
    stack = [c for c in model.conditions if isinstance(c, And)]
    while stack:
        for child in stack.pop().children:
            if isinstance(child, And):
                stack.append(child)
            elif not isinstance(child, Constraint):
                found.append(condition_columns(child))
    found += [s.columns for s in model.sos_sets]
    found += [np.array([s.column]) for s in model.semicontinuous_columns()]
    return found


def condition_columns(cond) -> np.ndarray:
    """Every column a condition reads (repeats possible)."""
    cols: list[int] = []
    for leaf in leaves(cond):
        if isinstance(leaf, Constraint):
            cols += leaf.body.rows.indices.tolist()
        elif isinstance(leaf, Literal):
            cols.append(leaf.column)
        else:
            cols += leaf.y.rows.indices.tolist() + leaf.z.rows.indices.tolist()
    return np.array(cols, dtype=np.int64)
