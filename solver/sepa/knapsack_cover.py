"""Lifted knapsack cover cuts from rows relaxed to knapsacks over binary literals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from branchwise.core.tolerances import FEASIBILITY
from branchwise.solver.plugins import Separator
from branchwise.solver.relax.lp import NodeLP
from branchwise.solver.sepa.cut_rows import (
    MIN_EFFICACY,
    BinaryKnapsacks,
    binary_knapsacks,
    binary_mask,
    integer_rounded,
    original_rows,
)
from branchwise.solver.sepa.cuts import Cut, _clean


@dataclass(frozen=True)
class KnapsackCoverParameters:
    #: Knapsack rows tried per round, most promising first.
    max_rows: int = 1000


class KnapsackCoverSeparator(Separator):
    """Minimal covers found greedily on (1 - y*)/w, then lifted exactly and sequentially.

    Uses the LP's column bounds as global bounds (call it at the root)."""

    name = "knapsack_cover"
    priority = 200
    Parameters = KnapsackCoverParameters

    def separate(self, lp: NodeLP, x: np.ndarray) -> list[Cut]:
        """Lifted cover cuts violated by ``x``, at most one per row."""
        lower, upper = integer_rounded(lp.lower, lp.upper, lp.integer_mask)
        knap = binary_knapsacks(original_rows(lp), lower, upper,
                                binary_mask(lower, upper, lp.integer_mask))
        values = np.clip(knap.literal_values(x), 0.0, 1.0)
        cuts = []
        for i in _candidate_rows(knap, values)[: self.parameters.max_rows]:
            part = knap.row(i)
            capacity = knap.capacity[i] + FEASIBILITY * knap.row_scale[i]
            lifted = lifted_cover(knap.weights[part], values[part], capacity)
            if lifted is None:
                continue
            coefficients, rhs = lifted
            cut = _literal_cut(coefficients, rhs, knap, part, lower, upper)
            if cut is not None and cut.violation(x) > MIN_EFFICACY:
                cuts.append(cut)
        return cuts


def _candidate_rows(knap: BinaryKnapsacks, values: np.ndarray) -> np.ndarray:
    """Rows with a fractional literal whose literals cannot all be 1, fullest first; rows
    whose lightest literal fills the capacity already imply their clique and are left out."""
    n_rows = knap.capacity.size
    row_of = np.repeat(np.arange(n_rows), np.diff(knap.indptr))
    fractional = np.bincount(row_of, (values > 1e-6) & (values < 1 - 1e-6), minlength=n_rows)
    total = np.bincount(row_of, knap.weights, minlength=n_rows)
    load = np.bincount(row_of, knap.weights * values, minlength=n_rows)
    lightest = np.full(n_rows, np.inf)
    np.minimum.at(lightest, row_of, knap.weights)
    usable = (fractional > 0) & np.isfinite(knap.capacity) & (knap.capacity >= 0) & (
        total > knap.capacity) & (lightest < knap.capacity)
    rows = np.flatnonzero(usable)
    fullness = load[rows] / np.maximum(knap.capacity[rows], 1e-9)
    return rows[np.argsort(-fullness, kind="stable")]


def lifted_cover(weights: np.ndarray, values: np.ndarray,
                 capacity: float) -> tuple[np.ndarray, float] | None:
    """``(alpha, r - 1)`` with ``alpha · y <= r - 1`` valid for ``{y binary: w·y <= capacity}``.

    The cover C (``r`` literals) is chosen greedily by (1 - y*)/w and made minimal; the
    other literals are lifted up in turn, each coefficient exact by a dynamic programme
    over cut values: ``least[v]`` is the least weight of a set whose cut value is >= v.
    None when there is no cover, or when no lifting could make it violated by ``values``."""
    order = np.lexsort((-weights, (1.0 - values) / weights))
    reached = np.cumsum(weights[order])
    size = int(np.searchsorted(reached, capacity, side="right"))
    if size == order.size:
        return None
    cover = list(order[: size + 1])
    total = reached[size]
    for j in sorted(cover, key=lambda k: (values[k], -weights[k])):
        if total - weights[j] > capacity:
            cover.remove(j)
            total -= weights[j]
    r = len(cover)
    outside = np.ones(weights.size, dtype=bool)
    outside[cover] = False
    if values[cover].sum() + (r - 1) * values[outside].sum() <= r - 1 + MIN_EFFICACY:
        return None  # no lifting can make this cover violated
    alpha = np.zeros(weights.size)
    alpha[cover] = 1.0
    least = np.concatenate(([0.0], np.cumsum(np.sort(weights[cover]))[:-1]))
    rest = np.flatnonzero(outside & (weights > capacity - least[-1]))  # lighter ones lift to zero
    for j in rest[np.lexsort((-weights[rest], -values[rest]))]:
        fits = int(np.searchsorted(least, capacity - weights[j], side="right"))
        alpha[j] = r - max(fits, 1)
        if alpha[j] > 0:
            step = int(alpha[j])
            shifted = np.concatenate((np.zeros(step), least[: r - step])) + weights[j]
            least = np.minimum(least, shifted)
    return alpha, float(r - 1)


def _literal_cut(alpha: np.ndarray, rhs: float, knap: BinaryKnapsacks, part: slice,
                 lower: np.ndarray, upper: np.ndarray) -> Cut | None:
    """``alpha · y <= rhs`` over a row's literals as a cut ``coefficients · x >= rhs``."""
    complemented = knap.complemented[part]
    coefficients = np.zeros(lower.size)
    np.add.at(coefficients, knap.cols[part], np.where(complemented, alpha, -alpha))
    return _clean(coefficients, alpha[complemented].sum() - rhs, lower, upper)
