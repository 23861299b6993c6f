"""Bounds over one side of a disjunction: the proven box, tightened by that side's rows.

A big-M row for side ``i`` only has to hold while some other side ``j`` is chosen, so its
M is the largest value of the row over side ``j``'s own domain, not over the whole box.
:class:`Domain` is that domain, approximated from outside: the columns' proven bounds,
tightened by one round of interval propagation through side ``j``'s rows ``e <= 0``
(comparisons and binary literals), and every ``M`` read from it by interval arithmetic.
An M from here is never below the true maximum (each step only drops points that violate
a row), and never above the M from the proven bounds alone.
"""

from __future__ import annotations

import math

from branchwise.core.tolerances import round_off_slack
from branchwise.expr import LinExpr, scalar_terms
from branchwise.relaxations.analysis.bounds import Bounds
from branchwise.relaxations.target import Terms
from branchwise.relaxations.target import column as column_of


def terms(e: LinExpr) -> Terms:
    """Columns, coefficients (duplicates summed, zeros dropped) and constant of ``e``, as
    plain Python numbers for the scalar loops below."""
    cols, coefs = scalar_terms(e)
    return cols.tolist(), coefs.tolist(), float(e.const[0])


class Domain:
    """The proven box restricted by rows ``e <= 0`` (see the module docstring)."""

    def __init__(self, bounds: Bounds, rows: list[LinExpr]) -> None:
        self.bounds = bounds
        self.box: dict[int, tuple[float, float]] = {}
        self.empty = False
        for e in rows:
            self.tighten(terms(e))

    def range(self, j: int) -> tuple[float, float]:
        """The bounds of column ``j`` in this domain."""
        found = self.box.get(j)
        return found if found is not None else (float(self.bounds.lower[j]),
                                                float(self.bounds.upper[j]))

    def upper(self, e: LinExpr) -> float:
        """An upper bound on ``e`` over the domain, with a hair of slack against round-off."""
        cols, coefs, const = terms(e)
        value = const + sum(a * self.range(j)[1 if a > 0 else 0]
                            for j, a in zip(cols, coefs, strict=True))
        value = value + round_off_slack(value)
        return min(value, self.bounds.upper_of(e))

    def tighten(self, row: Terms) -> None:
        """One pass of propagation through ``Σ a_k x_k + c <= 0``."""
        cols, coefs, const = row
        least = [a * self.range(j)[0 if a > 0 else 1] for j, a in zip(cols, coefs, strict=True)]
        finite = [v for v in least if math.isfinite(v)]
        infinite = len(least) - len(finite)
        total = const + sum(finite)
        for j, a, own in zip(cols, coefs, least, strict=True):
            if infinite > 1 or (infinite == 1 and math.isfinite(own)):
                continue
            rest = total - own if math.isfinite(own) else total
            limit = -rest / a
            lo, hi = self.range(j)
            if a > 0:
                hi = min(hi, limit + round_off_slack(limit))
            else:
                lo = max(lo, limit - round_off_slack(limit))
            self.box[j] = (lo, hi)
            if lo > hi:
                self.empty = True


def literal_row(column: int, positive: bool) -> LinExpr:
    """The row ``e <= 0`` that holds exactly when a binary literal does."""
    x = column_of(column)
    return 1 - x if positive else x
