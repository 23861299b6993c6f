"""Measuring columns from their bounds, as mixed-integer rounding needs: every column from its
nearest simple bound, and continuous ones also from variable bounds ``x_j >= / <= d x_k + e``
that two-column rows put on them through an integer column ``x_k``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from branchwise.core.tolerances import FEASIBILITY
from branchwise.solver.sepa.cut_rows import LessEqualRows

#: LP values this close to a bound count as at the bound (rows are relaxed by FEASIBILITY).
AT_BOUND = 1e-5


@dataclass
class Bounds:
    """One way to measure each column: ``x_j = d_j x_(y_j) + offset_j + sign_j v_j`` with
    ``v_j >= 0``; ``d_j = 0`` and ``y_j = row_j = -1`` for a simple bound, else ``row_j`` is
    the row the variable bound comes from. ``value`` is v at the LP point."""

    sign: np.ndarray
    offset: np.ndarray
    d: np.ndarray
    y: np.ndarray
    row: np.ndarray
    value: np.ndarray
    usable: np.ndarray


@dataclass
class Substitution:
    """Both ways for every column, the width ``upper - lower`` of its simple bounds, and
    where the variable bound is as tight as the simple one at the LP point (preferred)."""

    simple: Bounds
    variable: Bounds
    width: np.ndarray
    prefer_variable: np.ndarray

    @property
    def distance(self) -> np.ndarray:
        """How far each column is from the bound it is measured from (0 when it has none)."""
        simple = np.where(self.simple.usable, self.simple.value, 0.0)
        return np.where(self.prefer_variable, self.variable.value, simple)


def substitution(rows: LessEqualRows, x: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                 integer: np.ndarray) -> Substitution:
    """The nearest simple bound and the tightest variable bound of every column at ``x``."""
    simple = _simple_bounds(x, lower, upper)
    variable = _variable_bounds(rows, x, lower, upper, integer)
    prefer = variable.usable & (variable.value <= np.where(simple.usable, simple.value, np.inf)
                                + AT_BOUND)
    return Substitution(simple, variable, upper - lower, prefer)


def _simple_bounds(x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> Bounds:
    """Each column from its nearer finite bound (unusable when both are infinite)."""
    n = x.size
    to_lower, to_upper = x - lower, upper - x
    at_upper = to_upper < to_lower
    offset = np.where(at_upper, upper, lower)
    return Bounds(sign=np.where(at_upper, -1.0, 1.0), offset=offset, d=np.zeros(n),
                  y=np.full(n, -1), row=np.full(n, -1),
                  value=np.maximum(np.where(at_upper, to_upper, to_lower), 0.0),
                  usable=np.isfinite(offset))


def _variable_bounds(rows: LessEqualRows, x: np.ndarray, lower: np.ndarray,
                     upper: np.ndarray, integer: np.ndarray) -> Bounds:
    """Each continuous column from the variable bound tightest at ``x``, out of the rows
    ``a x_j + c x_k <= b`` with x_j continuous and x_k integer with a finite bound."""
    M = rows.matrix
    n = x.size
    found = Bounds(sign=np.ones(n), offset=np.zeros(n), d=np.zeros(n), y=np.full(n, -1),
                   row=np.full(n, -1), value=np.full(n, np.inf), usable=np.zeros(n, bool))
    pairs = np.flatnonzero(np.diff(M.indptr) == 2)
    start = M.indptr[pairs]
    keep = integer[M.indices[start]] != integer[M.indices[start + 1]]
    pairs, start = pairs[keep], start[keep]
    swap = integer[M.indices[start]]  # the integer column comes first
    j_at, k_at = start + swap, start + 1 - swap
    j, k, a, c = M.indices[j_at], M.indices[k_at], M.data[j_at], M.data[k_at]
    keep = np.isfinite(lower[k]) | np.isfinite(upper[k])
    if not keep.any():
        return found
    pairs, j, k, a, c = pairs[keep], j[keep], k[keep], a[keep], c[keep]
    b = rows.rhs[pairs] + FEASIBILITY * np.maximum(1.0, np.abs(rows.rhs[pairs]))
    d, offset = -c / a, b / a  # a > 0: x_j <= d x_k + offset; a < 0: x_j >= d x_k + offset
    sign = np.where(a > 0, -1.0, 1.0)
    gap = sign * (x[j] - d * x[k] - offset)
    order = np.lexsort((gap, j))  # by column, tightest first
    _, first = np.unique(j[order], return_index=True)
    best = order[first]
    cols = j[best]
    found.sign[cols], found.offset[cols], found.d[cols] = sign[best], offset[best], d[best]
    found.y[cols], found.row[cols] = k[best], rows.origin[pairs[best]]
    found.value[cols] = np.maximum(gap[best], 0.0)
    found.usable[cols] = True
    return found
