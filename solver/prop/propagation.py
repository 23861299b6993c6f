"""Domain propagation: tighten column bounds from row activities, and from reduced costs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from branchwise.core.problem import Problem
from branchwise.core.tolerances import FEASIBILITY, INTEGRALITY
from branchwise.solver.plugins import (
    PropagationContext,
    Propagator,
    Result,
    SearchSetup,
    Timing,
)

#: A continuous bound must move by this share of its column's width to be worth applying.
_MIN_CONTINUOUS_GAIN = 1e-3
#: Past this share of the rows, an incremental pass sweeps all rows instead.
_INCREMENTAL_ROW_SHARE = 0.3


@dataclass(frozen=True)
class ActivityParameters:
    #: Propagation passes per node: each pass is a few vectorised operations over the
    #: nonzeros.
    max_passes: int = 5


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
        self.positive = self.vals > 0
        self.entry_integer = problem.integrality[self.cols]
        columns = A.tocsc()
        self.col_starts, self.col_rows = columns.indptr, columns.indices
        self.n_rows = A.shape[0]
        self.row_lower = problem.row_lower
        self.row_upper = problem.row_upper
        self.tightenings = 0

    def propagate(self, lower: np.ndarray, upper: np.ndarray,
                  changed: np.ndarray | None = None,
                  max_passes: int = ActivityParameters.max_passes) -> bool:
        """Tighten ``lower``/``upper`` in place; False when the domain is proven empty.

        With ``changed`` (columns whose bounds moved since the domain was last
        propagated) only the rows those columns touch are looked at, then the rows of
        whatever they tighten, and so on. Only moved columns can cross, so only they are
        checked (the caller hands in a domain with ``lower <= upper``). ``max_passes``
        caps the sweeps (a heuristic that must detect chains of implications asks for more).
        """
        if self.vals.size == 0:
            return True
        entries = None if changed is None else self._entries_of_columns(changed)
        for _ in range(max_passes):
            if entries is not None and entries.size == 0:
                break
            tightened = self._pass(lower, upper, entries)
            if tightened.size == 0:
                break
            low, up = lower[tightened], upper[tightened]
            if np.any(low > up + FEASIBILITY * np.maximum(1.0, np.abs(low))):
                return False
            entries = self._entries_of_columns(tightened)
        return True

    def _entries_of_columns(self, columns: np.ndarray) -> np.ndarray | None:
        """Indices of the nonzeros in every row that touches one of ``columns`` (None,
        meaning all, when that is most of them: a full sweep is then cheaper)."""
        touched = np.zeros(self.n_rows, dtype=bool)
        touched[_gather(self.col_starts, self.col_rows, columns)] = True
        rows = np.flatnonzero(touched)
        if rows.size > _INCREMENTAL_ROW_SHARE * self.n_rows:
            return None
        return _gather(self.row_starts, np.arange(self.vals.size), rows)

    def _pass(self, lower: np.ndarray, upper: np.ndarray,
              entries: np.ndarray | None) -> np.ndarray:
        """One sweep over the given nonzeros' rows (all rows when None); returns the
        columns whose bounds moved."""
        rows, cols, vals, positive = (self.rows, self.cols, self.vals, self.positive) \
            if entries is None else (self.rows[entries], self.cols[entries],
                                     self.vals[entries], self.positive[entries])
        col_lower, col_upper = lower[cols], upper[cols]
        low_end = np.where(positive, col_lower, col_upper) * vals
        high_end = np.where(positive, col_upper, col_lower) * vals
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
        integer = self.entry_integer if entries is None else self.entry_integer[entries]
        implied = _Implied(cols, integer, col_lower, col_upper)
        moved_up = implied.tighten(upper, np.where(positive, from_upper, from_lower), 1.0)
        moved_down = implied.tighten(lower, np.where(positive, from_lower, from_upper), -1.0)
        moved = np.union1d(moved_up, moved_down)
        self.tightenings += moved.size
        return moved


class _Implied:
    """The nonzeros of one pass with their columns' bounds as the pass found them: applies
    implied bounds that are real progress (rounded for integers, padded against round-off
    for continuous columns) and keeps the tightest per column."""

    def __init__(self, cols: np.ndarray, integer: np.ndarray, col_lower: np.ndarray,
                 col_upper: np.ndarray) -> None:
        width = col_upper - col_lower
        width = np.where(np.isfinite(width), width, 1.0)
        self.cols, self.integer = cols, integer
        self.current = {1.0: col_upper, -1.0: col_lower}
        self.need = np.where(integer, 0.5, _MIN_CONTINUOUS_GAIN * np.maximum(width, 1e-9))

    def tighten(self, bounds: np.ndarray, implied: np.ndarray, side: float) -> np.ndarray:
        """Write into ``bounds`` (upper for ``side`` 1, lower for -1) each implied bound
        that beats the column's by its need; returns the columns that moved."""
        with np.errstate(invalid="ignore"):
            margin = np.where(np.isfinite(implied),
                              FEASIBILITY * np.maximum(1.0, np.abs(implied)), 0.0)
            padded = implied + side * margin
            rounded = np.where(self.integer,
                               np.floor(side * implied + INTEGRALITY) * side, padded)
            hit = np.flatnonzero(side * rounded < side * self.current[side] - self.need)
        if hit.size == 0:
            return hit
        cols = self.cols[hit]
        (np.minimum if side > 0 else np.maximum).at(bounds, cols, rounded[hit])
        return cols


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


class ActivityPropagation(Propagator):
    """Row propagation (:class:`ActivityPropagator`) on every node's domain before its LP,
    when the options ask for propagation."""

    name = "activity"
    priority = 100
    timings = frozenset({Timing.DOMAIN})
    Parameters = ActivityParameters

    def setup(self, search: SearchSetup) -> None:
        self.propagator = ActivityPropagator(search.problem)
        self.enabled = search.options.propagation

    def propagate(self, context: PropagationContext) -> Result:
        """CUTOFF on an empty domain, else REDUCED_DOMAIN or NOTHING."""
        if not self.enabled:
            return Result.DIDNOTRUN
        before = self.propagator.tightenings
        if not self.propagator.propagate(context.lower, context.upper, context.changed,
                                         self.parameters.max_passes):
            return Result.CUTOFF
        return Result.NOTHING if self.propagator.tightenings == before else \
            Result.REDUCED_DOMAIN

    def stats(self) -> dict:
        return {"propagation_tightenings": self.propagator.tightenings}


class ReducedCostFixing(Propagator):
    """Reduced-cost fixing against the incumbent (SCIP's reduced-cost propagator): on the
    root domain with the root LP's reduced costs, at the root and again whenever the
    incumbent improves; and on each node's domain with its own LP's, after it is solved
    (its children inherit the fixings through the node's trail)."""

    name = "reduced_cost"
    priority = 50
    timings = frozenset({Timing.NODE_LP, Timing.GLOBAL})

    def setup(self, search: SearchSetup) -> None:
        self.lp, self.incumbent = search.lp, search.incumbent
        self.integrality = search.problem.integrality
        self.root_reduced_costs: np.ndarray | None = None
        self.root_bound = -math.inf
        #: The incumbent value the root domain was last fixed against.
        self.fixed_for_value = math.inf
        self.fixings = 0  # columns tightened on the root domain
        self.node_fixings = 0  # nodes whose domain it tightened

    def propagate(self, context: PropagationContext) -> Result:
        if context.timing is Timing.NODE_LP:
            return self._fix_node(context)
        if context.reduced_costs is not None:  # the root LP was just solved
            self.root_reduced_costs = context.reduced_costs
            self.root_bound = context.objective
        elif not self.incumbent.value < self.fixed_for_value:
            return Result.DIDNOTRUN
        if self.root_reduced_costs is None or not self.incumbent.bounded:
            return Result.DIDNOTRUN
        fixed = reduced_cost_bounds(context.lower, context.upper, self.root_reduced_costs,
                                    self.root_bound, self.incumbent.cutoff, self.integrality)
        self.fixings += fixed
        self.fixed_for_value = self.incumbent.value
        return Result.REDUCED_DOMAIN if fixed else Result.NOTHING

    def _fix_node(self, context: PropagationContext) -> Result:
        if not self.incumbent.bounded or self.lp.is_qp:
            return Result.DIDNOTRUN
        if not reduced_cost_bounds(context.lower, context.upper, self.lp.reduced_costs(),
                                   context.objective, self.incumbent.cutoff,
                                   self.integrality):
            return Result.NOTHING
        self.node_fixings += 1
        return Result.REDUCED_DOMAIN

    def stats(self) -> dict:
        node = {"node_reduced_cost_fixings": self.node_fixings} if self.node_fixings else {}
        return {"reduced_cost_fixings": self.fixings, **node}
