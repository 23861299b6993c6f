"""Rows tying a decision tree's leaves to the model columns a leaf switches off.

A leaf's conditions bound the tree's forms, and the model's own rows carry those bounds
onto other columns: in a facility model, the closed leaf's ``load <= 0`` with the row
``load = Σ_c flow[c]`` and ``flow >= 0`` leaves every flow at 0. The tree's rows bound
only ``load``, so the LP may open a site by a fraction and still send whole demands
through it. For a column that some leaf fixes to a point, the rows

    ``Σ_i lo_i λ_i <= x <= Σ_i hi_i λ_i``

(``[lo_i, hi_i]`` the column's range on leaf ``i``, ``λ_i`` the leaves' indicators, exactly
one of them 1) hold on every leaf and cut off those fractions: they are the strong links
``flow[f, c] <= demand[c] * open[f]`` a modeler writes by hand, derived instead of written.

Each leaf's range comes from its domain (:mod:`..analysis.domain`) tightened by one round
of propagation through the rows that read the tree's columns (:meth:`.Target.rows_with`).
Only columns switched off on some leaf get links: a column whose ranges merely shrink (an
inventory after a week without an order) would add a row per column the LP barely feels,
and a column that is a form by itself already has the tree's aggregated rows.
"""

from __future__ import annotations

import math

from branchwise.core.tolerances import round_off_slack
from branchwise.expr import LinExpr, quicksum, scalar_terms
from branchwise.relaxations.analysis.domain import Domain
from branchwise.relaxations.target import Target, column

#: A side of a column gets its link only where some leaf moves that bound by more than this
#: share of the column's proven range (infinite for an unbounded column: no link). Less is
#: what a strict comparison's gap leaves (``load > 5`` making a flow at least 1e-5): a row
#: the LP does not feel, with a coefficient the size of the gap.
MIN_GAIN = 1e-3


def add_leaf_links(target: Target, domains: list[Domain], indicators: list[LinExpr],
                   forms: list[LinExpr]) -> None:
    """The link rows of one tree whose leaf ``i`` has domain ``domains[i]`` and indicator
    ``indicators[i]`` (see the module docstring). The domains are tightened in place."""
    if len(domains) < 2:
        return
    read = [scalar_terms(f)[0].tolist() for f in forms]
    own = {cols[0] for cols in read if len(cols) == 1}
    for (cols, coefs, _), lower, upper in target.rows_with({j for c in read for j in c}):
        for d in domains:
            if math.isfinite(upper):
                d.tighten((cols, coefs, -upper))
            if math.isfinite(lower):
                d.tighten((cols, [-a for a in coefs], lower))
    if any(d.empty for d in domains):  # a leaf the model's rows exclude: leave it to the LP
        return
    for j in sorted(set().union(*(d.box for d in domains)) - own):
        ranges = [d.range(j) for d in domains]
        if not any(hi - lo <= round_off_slack(hi) for lo, hi in ranges):
            continue
        lows, highs = zip(*ranges, strict=True)
        lower, upper = float(target.bounds.lower[j]), float(target.bounds.upper[j])
        least = MIN_GAIN * (upper - lower)
        x = column(j)
        if all(map(math.isfinite, highs)) and upper - min(highs) > least:
            target.add_row(x - _weighted(highs, indicators), upper=0.0, hint="_link")
        if all(map(math.isfinite, lows)) and max(lows) - lower > least:
            target.add_row(x - _weighted(lows, indicators), lower=0.0, hint="_link")


def _weighted(values: tuple[float, ...], indicators: list[LinExpr]) -> LinExpr:
    return quicksum(v * d for v, d in zip(values, indicators, strict=True) if v != 0.0)
