"""Binaries that already decide where a column lies, read from its variable-bound rows.

A unit commitment model says ``u -> p >= pmin`` and ``not u -> p <= 0``; a hand model
says ``pmin * u <= p <= pmax * u``. Either way the model's two-column rows between ``p``
and the binary ``u`` put ``p`` at 0 when ``u = 0`` and at ``pmin`` or more when ``u = 1``.
A tree on ``p`` whose leaf ``p <= 0`` is then chosen exactly when ``u = 0``: that leaf's
indicator can be ``1 - u`` instead of a binary of its own, so the tree and the model's
switch are one decision and the LP cannot open one and not the other.

:func:`deciding_literal` proves it from the rows alone: with the binary at one value every
row confines the column inside the leaf's interval and outside every other leaf's, and
at the other value outside the leaf's interval. Only rows with exactly the two columns
count (variable bounds ``l <= a x + b z <= u``), so each bound is read exactly, with no
propagation slack.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from branchwise.expr import LinExpr
from branchwise.relaxations.target import Target, column

Interval = tuple[float, float]


@dataclass(frozen=True)
class Decider:
    """A binary column and the value at which the leaf holds."""

    column: int
    value: int

    @property
    def indicator(self) -> LinExpr:
        """The expression that is 1 exactly when the leaf holds."""
        z = column(self.column)
        return z if self.value == 1 else 1 - z


def variable_bound_rows(target: Target, j: int) -> dict[int, list[tuple[float, float, float]]]:
    """Per binary column ``z``: the rows ``lower <= x_j + a z <= upper`` (scaled to a unit
    coefficient on ``x_j``) that read only ``x_j`` and ``z``."""
    found: dict[int, list[tuple[float, float, float]]] = defaultdict(list)
    for (cols, coefs, _), lower, upper in target.rows_with([j]):
        if len(cols) != 2:
            continue
        k = 1 - cols.index(j)
        z, a, own = cols[k], coefs[k], coefs[1 - k]
        if not (target.integral[z] and target.bounds.lower[z] >= 0.0
                and target.bounds.upper[z] <= 1.0):  # a binary, perhaps proven fixed
            continue
        lo, hi = (lower / own, upper / own) if own > 0 else (upper / own, lower / own)
        found[z].append((a / own, lo, hi))
    return found


def deciding_literal(target: Target, j: int, leaf: Interval, others: list[Interval]
                     ) -> Decider | None:
    """A binary whose one value puts column ``j`` inside ``leaf`` and outside every
    interval of ``others``, and whose other value puts it outside ``leaf`` (module
    docstring); None when the variable-bound rows prove no such binary."""
    box = (float(target.bounds.lower[j]), float(target.bounds.upper[j]))
    for z, rows in variable_bound_rows(target, j).items():
        at = [_range(box, rows, value) for value in (0, 1)]
        if any(lo > hi for lo, hi in at):  # a value the rows exclude: z is fixed
            continue
        for value in (0, 1):
            inside, outside = at[value], at[1 - value]
            if (_within(inside, leaf) and not any(_meets(inside, o) for o in others)
                    and not _meets(outside, leaf)):
                return Decider(z, value)
    return None


def _range(box: Interval, rows: list[tuple[float, float, float]], value: int) -> Interval:
    """The column's interval when the binary is at ``value``: ``x = row - a * value``."""
    lo, hi = box
    for a, lower, upper in rows:
        lo, hi = max(lo, lower - a * value), min(hi, upper - a * value)
    return lo, hi


def _within(inner: Interval, outer: Interval) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _meets(a: Interval, b: Interval) -> bool:
    """True when the intervals (neither empty) share a point."""
    return max(a[0], b[0]) <= min(a[1], b[1])
