"""Fix-and-propagate for logic: an incumbent for models whose binaries switch rows.

A disjunctive model (big-M or indicator rows, disjunct binaries) rarely rounds to a
feasible point: independent roundings of its choices contradict each other (in a job
shop, they order operations in a cycle). This heuristic fixes the integer columns one at
a time, the logic columns first. A logic binary goes to the side whose rows the LP point
violates less (its other columns held at the LP values): the disjunct nearest the point,
which the binary's own fractional value need not show (on ``x <= -1 | x >= 1`` the LP puts
x anywhere and the binary at whatever its rows allow). The most decided go first: the
largest difference between the two sides, then the binaries nearest an integer; other
integers go to the integer nearest the LP point. After every fix row propagation runs to
(nearly) a fixpoint, so a choice that contradicts the earlier ones shows up as an empty
domain and is flipped to its other side, with a short backtrack when both sides fail.
Once every integer column is fixed, one LP over the continuous columns completes it.

Propagation settles difference constraints exactly, so on a job shop every dead end is
seen when it is made, and one side of each pair always stays open: a job shop always gets
an incumbent. On other models the LP at the end may still be infeasible (then nothing is
proposed).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from branchwise.solver.plugins import Heuristic, HeuristicContext, SearchSetup
from branchwise.solver.prop.propagation import ActivityPropagator


@dataclass(frozen=True)
class LogicFixingParameters:
    """How hard fix-and-propagate works."""

    #: Propagation sweeps after each fix: enough for chains of implications to reach
    #: their end (a cycle of precedences only shows as its bounds climb past the horizon).
    passes_per_fix: int = 200
    #: Dead ends (both sides of a column empty) tolerated before giving up.
    backtrack_budget: int = 20
    #: Fixes whose domains are kept for backtracking (older ones cannot be undone).
    backtrack_depth: int = 20
    #: Without an incumbent, run again every this many nodes (at the root always).
    frequency: int = 200


class LogicFixing(Heuristic):
    """Fix the logic columns to the side nearest the LP point, propagating after each
    fix and flipping a side propagation rules out; then solve one LP to complete."""

    name = "logic-fixing"
    priority = 900
    Parameters = LogicFixingParameters

    def setup(self, search: SearchSetup) -> None:
        super().setup(search)
        problem, integer_cols = search.problem, search.integer_cols
        self.lp = search.lp
        self.deadline = search.deadline
        self.propagator = ActivityPropagator(problem)
        binary = integer_cols[(problem.col_lower[integer_cols] >= 0)
                              & (problem.col_upper[integer_cols] <= 1)]
        #: Columns fixed first: the reformulation's logic columns, or every binary of a
        #: problem that does not name them (a hand-written big-M model).
        self.first = problem.logic_columns if problem.logic_columns.size else binary
        self.rest = np.setdiff1d(integer_cols, self.first)
        self.lp_iterations = 0
        self._A = problem.A.tocsr()  # noqa: N806 (row activities)
        self._row_lower, self._row_upper = problem.row_lower, problem.row_upper
        #: The logic binaries' entries (row, position in ``first``, coefficient).
        switching = self.first[(problem.col_lower[self.first] >= 0)
                               & (problem.col_upper[self.first] <= 1)]
        self._switching = switching
        entries = problem.A.tocsc()[:, switching].tocoo()
        self._entries = entries.row, entries.col, entries.data

    def should_run(self, context: HeuristicContext) -> bool:
        """At the root, and every ``frequency`` nodes while there is no incumbent."""
        if context.fractional.size == 0 or self.first.size == 0:
            return False
        return context.at_root or (context.cutoff == np.inf
                                   and context.nodes % self.parameters.frequency == 0)

    def run(self, context: HeuristicContext) -> np.ndarray | None:
        """The completed point, or None when the fixing or the final LP fails."""
        goal, order = self._goal(context.x)
        domain = self._fix_all(goal, order, context.lower.copy(), context.upper.copy())
        if domain is None:
            return None
        basis = self.lp.get_basis()
        saved = self.lp.lower.copy(), self.lp.upper.copy()
        try:
            self.lp.set_bounds(*domain)
            result = self.lp.solve()
            self.lp_iterations += result.iterations
        finally:
            self.lp.set_bounds(*saved)
            self.lp.set_basis(basis)
        return result.x if result.status == "optimal" else None

    def _goal(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The value each integer column is fixed to first (logic binaries: the side their
        rows prefer), and the order of the fixes (module docstring)."""
        goal = x.copy()
        rows, where, coefs = self._entries
        activity = self._A @ x
        violation = []
        for side in (0.0, 1.0):  # each logic binary set to `side`, the rest at the LP point
            moved = activity[rows] + coefs * (side - x[self._switching][where])
            excess = (np.maximum(moved - self._row_upper[rows], 0.0)
                      + np.maximum(self._row_lower[rows] - moved, 0.0))
            violation.append(np.bincount(where, excess, minlength=self._switching.size))
        margin = violation[0] - violation[1]  # > 0: side 1 violates less
        lean = np.where(margin > 0, 1.0, np.where(margin < 0, 0.0,
                                                   np.round(x[self._switching])))
        goal[self._switching] = lean
        decided = np.zeros(x.size)
        decided[self._switching] = np.abs(margin)

        def by_decidedness(cols: np.ndarray) -> np.ndarray:
            distance = np.abs(x[cols] - np.round(x[cols]))
            return cols[np.lexsort((distance, -decided[cols]))]
        return goal, np.concatenate([by_decidedness(self.first), by_decidedness(self.rest)])

    def _fix_all(self, x: np.ndarray, order: np.ndarray, lower: np.ndarray,
                 upper: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Fix every integer column, in ``order``, inside ``[lower, upper]``, first to the
        integer nearest ``x``; the propagated domain, or None on running out of
        backtracks or time."""
        if not self.propagator.propagate(lower, upper, None, self.parameters.passes_per_fix):
            return None
        #: (position in order, column, untried side or None, domain before the fix)
        trail: deque = deque(maxlen=self.parameters.backtrack_depth)
        dead_ends, position = 0, 0
        while position < order.size:
            if time.perf_counter() > self.deadline:
                return None
            col = int(order[position])
            if lower[col] == upper[col]:
                position += 1
                continue
            first, second = _sides(float(x[col]), lower[col], upper[col])
            before = lower.copy(), upper.copy()
            for side, other in ((first, second), (second, None)):
                if side is not None and self._try(col, side, lower, upper, before):
                    trail.append((position, col, other, before))
                    position += 1
                    break
            else:
                dead_ends += 1
                resumed = self._backtrack(trail, lower, upper)
                if dead_ends > self.parameters.backtrack_budget or resumed is None:
                    return None
                position = resumed
        return lower, upper

    def _try(self, col: int, value: float, lower: np.ndarray, upper: np.ndarray,
             before: tuple[np.ndarray, np.ndarray]) -> bool:
        """Fix ``col`` at ``value`` and propagate; on an empty domain restore ``before``."""
        lower[col] = upper[col] = value
        passes = self.parameters.passes_per_fix
        if self.propagator.propagate(lower, upper, np.array([col]), passes):
            return True
        lower[:], upper[:] = before
        return False

    def _backtrack(self, trail: deque, lower: np.ndarray, upper: np.ndarray) -> int | None:
        """Undo fixes back to the latest one whose other side is open, and take that side;
        the position to go on from (None when no kept fix has one)."""
        while trail:
            position, col, other, before = trail.pop()
            if other is None:
                continue
            lower[:], upper[:] = before
            if self._try(col, other, lower, upper, before):
                trail.append((position, col, None, before))
                return position + 1
        return None


def _sides(value: float, low: float, high: float) -> tuple[float | None, float | None]:
    """The integer nearest ``value`` inside ``[low, high]`` and the nearest one on the
    other side of ``value`` (None if outside the bounds)."""
    nearest = float(np.clip(np.round(value), low, high))
    other = nearest + 1.0 if value >= nearest else nearest - 1.0
    return nearest, (other if low <= other <= high else None)
