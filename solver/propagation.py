"""Domain propagation: tighten column bounds from row activities, and from reduced costs."""

from __future__ import annotations

import numpy as np

from branchwise.problem import Problem
from branchwise.tolerances import FEASIBILITY, INTEGRALITY

#: A continuous bound must move by this share of its column's width to be worth applying.
_MIN_CONTINUOUS_GAIN = 1e-3
#: Propagation passes per node: each pass is a few vectorised operations over the nonzeros.
_MAX_PASSES = 5


class ActivityPropagator:
    """Bound tightening over the rows: for ``L <= a·x <= U`` each column's bound follows
    from the other columns' extreme contributions (FBBT, as every MIP solver does)."""

    name = "propagation"

    def __init__(self, problem: Problem) -> None:
        A = problem.A.tocsr(copy=True)
        A.eliminate_zeros()
        self.rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
        self.cols = A.indices.astype(np.int64)
        self.vals = A.data
        self.n_rows = A.shape[0]
        self.row_lower = problem.row_lower
        self.row_upper = problem.row_upper
        self.integer = problem.integrality
        self.tightenings = 0

    def propagate(self, lower: np.ndarray, upper: np.ndarray) -> bool:
        """Tighten ``lower``/``upper`` in place; False when the domain is proven empty."""
        if self.vals.size == 0:
            return True
        for _ in range(_MAX_PASSES):
            changed = self._pass(lower, upper)
            if np.any(lower > upper + FEASIBILITY * np.maximum(1.0, np.abs(lower))):
                return False
            if not changed:
                break
        return True

    def _pass(self, lower: np.ndarray, upper: np.ndarray) -> bool:
        """One sweep over every row; True when some bound moved."""
        positive = self.vals > 0
        low_end = np.where(positive, lower[self.cols], upper[self.cols]) * self.vals
        high_end = np.where(positive, upper[self.cols], lower[self.cols]) * self.vals
        min_finite, min_inf = _row_sums(low_end, self.rows, self.n_rows)
        max_finite, max_inf = _row_sums(high_end, self.rows, self.n_rows)
        # Residual activity of row i without entry (i, j): finite only if no other infinity.
        own_low_inf = ~np.isfinite(low_end)
        own_high_inf = ~np.isfinite(high_end)
        res_min = min_finite[self.rows] - np.where(own_low_inf, 0.0, low_end)
        res_max = max_finite[self.rows] - np.where(own_high_inf, 0.0, high_end)
        res_min[(min_inf[self.rows] - own_low_inf) > 0] = -np.inf
        res_max[(max_inf[self.rows] - own_high_inf) > 0] = np.inf
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            from_upper = (self.row_upper[self.rows] - res_min) / self.vals  # a x_j <= U - res_min
            from_lower = (self.row_lower[self.rows] - res_max) / self.vals  # a x_j >= L - res_max
        new_upper = np.where(positive, from_upper, from_lower)
        new_lower = np.where(positive, from_lower, from_upper)
        return self._apply(lower, upper, new_lower, new_upper)

    def _apply(self, lower, upper, new_lower, new_upper) -> bool:
        """Keep the tightest implied bound per column, rounded for integers, if it helps."""
        cand_upper = np.full(lower.size, np.inf)
        cand_lower = np.full(lower.size, -np.inf)
        np.minimum.at(cand_upper, self.cols, np.where(np.isnan(new_upper), np.inf, new_upper))
        np.maximum.at(cand_lower, self.cols, np.where(np.isnan(new_lower), -np.inf, new_lower))
        ints = self.integer
        cand_upper[ints] = np.floor(cand_upper[ints] + INTEGRALITY)
        cand_lower[ints] = np.ceil(cand_lower[ints] - INTEGRALITY)
        # Continuous bounds: a little slack against round-off, and only real progress.
        width = np.where(np.isfinite(upper - lower), upper - lower, 1.0)
        margin = FEASIBILITY * np.maximum(1.0, np.abs(cand_upper))
        cand_upper[~ints] += np.where(np.isfinite(cand_upper[~ints]), margin[~ints], 0.0)
        margin = FEASIBILITY * np.maximum(1.0, np.abs(cand_lower))
        cand_lower[~ints] -= np.where(np.isfinite(cand_lower[~ints]), margin[~ints], 0.0)
        need = np.where(ints, 0.5, _MIN_CONTINUOUS_GAIN * np.maximum(width, 1e-9))
        tighter_upper = cand_upper < upper - need
        tighter_lower = cand_lower > lower + need
        if not (tighter_upper.any() or tighter_lower.any()):
            return False
        upper[tighter_upper] = cand_upper[tighter_upper]
        lower[tighter_lower] = cand_lower[tighter_lower]
        self.tightenings += int(tighter_upper.sum() + tighter_lower.sum())
        return True


def _row_sums(values: np.ndarray, rows: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the sum of the finite values, and how many values are infinite."""
    finite = np.isfinite(values)
    sums = np.bincount(rows, weights=np.where(finite, values, 0.0), minlength=n_rows)
    infinite = np.bincount(rows, weights=~finite, minlength=n_rows).astype(np.int64)
    return sums, infinite


def reduced_cost_bounds(lower: np.ndarray, upper: np.ndarray, reduced_costs: np.ndarray,
                        lp_objective: float, cutoff: float, integer: np.ndarray) -> int:
    """Tighten integer columns that cannot move off their bound without the LP objective
    passing ``cutoff`` (the incumbent): d_j > 0 at lower gives x_j <= l_j + gap/d_j."""
    gap = cutoff - lp_objective
    if not np.isfinite(gap) or gap < 0:
        return 0
    tightened = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = gap / np.abs(reduced_costs)
        new_upper = np.floor(lower + reach + INTEGRALITY)
        new_lower = np.ceil(upper - reach - INTEGRALITY)
    at_lower = integer & (reduced_costs > 1e-7) & np.isfinite(lower)
    move = at_lower & (new_upper < upper)
    upper[move] = new_upper[move]
    tightened += int(move.sum())
    at_upper = integer & (reduced_costs < -1e-7) & np.isfinite(upper)
    move = at_upper & (new_lower > lower)
    lower[move] = new_lower[move]
    return tightened + int(move.sum())
