"""Domain propagation: tighten column bounds from row activities, and from reduced costs."""

from __future__ import annotations

import numpy as np

from branchwise.problem import Problem
from branchwise.tolerances import FEASIBILITY, INTEGRALITY

#: A continuous bound must move by this share of its column's width to be worth applying.
_MIN_CONTINUOUS_GAIN = 1e-3
#: Past this share of the rows, an incremental pass sweeps all rows instead.
_INCREMENTAL_ROW_SHARE = 0.3
#: Propagation passes per node: each pass is a few vectorised operations over the nonzeros.
_MAX_PASSES = 5


class ActivityPropagator:
    """Bound tightening over the rows: for ``L <= a·x <= U`` each column's bound follows
    from the other columns' extreme contributions (FBBT, as every MIP solver does)."""

    name = "propagation"

    def __init__(self, problem: Problem) -> None:
        A = problem.A.tocsr(copy=True)
        A.eliminate_zeros()
        self.row_starts = A.indptr
        self.rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
        self.cols = A.indices.astype(np.int64)
        self.vals = A.data
        columns = A.tocsc()
        self.col_starts, self.col_rows = columns.indptr, columns.indices
        self.n_rows = A.shape[0]
        self.row_lower = problem.row_lower
        self.row_upper = problem.row_upper
        self.integer = problem.integrality
        self.tightenings = 0

    def propagate(self, lower: np.ndarray, upper: np.ndarray,
                  changed: np.ndarray | None = None) -> bool:
        """Tighten ``lower``/``upper`` in place; False when the domain is proven empty.

        With ``changed`` (columns whose bounds moved since the domain was last
        propagated) only the rows those columns touch are looked at, then the rows of
        whatever they tighten, and so on.
        """
        if self.vals.size == 0:
            return True
        entries = None if changed is None else self._entries_of_columns(changed)
        for _ in range(_MAX_PASSES):
            if entries is not None and entries.size == 0:
                break
            tightened = self._pass(lower, upper, entries)
            if np.any(lower > upper + FEASIBILITY * np.maximum(1.0, np.abs(lower))):
                return False
            if tightened.size == 0:
                break
            entries = self._entries_of_columns(tightened)
        return True

    def _entries_of_columns(self, columns: np.ndarray) -> np.ndarray | None:
        """Indices of the nonzeros in every row that touches one of ``columns`` (None,
        meaning all, when that is most of them: a full sweep is then cheaper)."""
        rows = np.unique(_gather(self.col_starts, self.col_rows, columns))
        if rows.size > _INCREMENTAL_ROW_SHARE * self.n_rows:
            return None
        return _gather(self.row_starts, np.arange(self.vals.size), rows)

    def _pass(self, lower: np.ndarray, upper: np.ndarray,
              entries: np.ndarray | None) -> np.ndarray:
        """One sweep over the given nonzeros' rows (all rows when None); returns the
        columns whose bounds moved."""
        rows, cols, vals = (self.rows, self.cols, self.vals) if entries is None else (
            self.rows[entries], self.cols[entries], self.vals[entries])
        positive = vals > 0
        low_end = np.where(positive, lower[cols], upper[cols]) * vals
        high_end = np.where(positive, upper[cols], lower[cols]) * vals
        min_finite, min_inf = _row_sums(low_end, rows, self.n_rows)
        max_finite, max_inf = _row_sums(high_end, rows, self.n_rows)
        # Residual activity of row i without entry (i, j): finite only if no other infinity.
        own_low_inf = ~np.isfinite(low_end)
        own_high_inf = ~np.isfinite(high_end)
        res_min = min_finite[rows] - np.where(own_low_inf, 0.0, low_end)
        res_max = max_finite[rows] - np.where(own_high_inf, 0.0, high_end)
        res_min[(min_inf[rows] - own_low_inf) > 0] = -np.inf
        res_max[(max_inf[rows] - own_high_inf) > 0] = np.inf
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            from_upper = (self.row_upper[rows] - res_min) / vals  # a x_j <= U - res_min
            from_lower = (self.row_lower[rows] - res_max) / vals  # a x_j >= L - res_max
        new_upper = np.where(positive, from_upper, from_lower)
        new_lower = np.where(positive, from_lower, from_upper)
        return self._apply(lower, upper, cols, new_lower, new_upper)

    def _apply(self, lower, upper, cols, new_lower, new_upper) -> np.ndarray:
        """Keep the tightest implied bound per column, rounded for integers, if it helps;
        returns the columns that moved."""
        cand_upper = np.full(lower.size, np.inf)
        cand_lower = np.full(lower.size, -np.inf)
        np.minimum.at(cand_upper, cols, np.where(np.isnan(new_upper), np.inf, new_upper))
        np.maximum.at(cand_lower, cols, np.where(np.isnan(new_lower), -np.inf, new_lower))
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
        upper[tighter_upper] = cand_upper[tighter_upper]
        lower[tighter_lower] = cand_lower[tighter_lower]
        moved = np.flatnonzero(tighter_upper | tighter_lower)
        self.tightenings += moved.size
        return moved


def _gather(starts: np.ndarray, values: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``values[starts[i]:starts[i+1]]`` for every i in ``ids``, concatenated."""
    ids = np.asarray(ids, dtype=np.int64)
    lengths = starts[ids + 1] - starts[ids]
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=values.dtype)
    shift = np.repeat(starts[ids] - np.cumsum(lengths) + lengths, lengths)
    return values[shift + np.arange(total)]


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
