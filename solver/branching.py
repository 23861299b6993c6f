"""Reliability branching: pseudocosts, initialised by strong branching until reliable."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from branchwise.core.problem import Problem
from branchwise.core.tolerances import FEASIBILITY, bound_excess
from branchwise.solver.lp import NodeLP
from branchwise.solver.options import SolveOptions

#: Smallest gain used in the product score, so a zero gain on one side still ranks.
_MIN_GAIN = 1e-6


@dataclass
class BranchDecision:
    """What to do at a node: branch on ``col``, or first tighten domains and re-solve.

    ``down_bound``/``up_bound`` are valid lower bounds for the children's LPs (the
    parent's bound unless strong branching solved that child to optimality).
    """

    col: int = -1
    value: float = 0.0
    down_bound: float = -math.inf
    up_bound: float = -math.inf
    tightenings: list[tuple[int, float, float]] = field(default_factory=list)
    infeasible: bool = False


class Pseudocosts:
    """Average objective gain per unit of bound change, per column and direction."""

    def __init__(self, n: int) -> None:
        self.sum = np.zeros((2, n))
        self.count = np.zeros((2, n), dtype=np.int64)

    def record(self, col: int, direction: int, gain: float, distance: float) -> None:
        """Learn from one child: ``direction`` 0 is down, 1 is up."""
        if distance > 0 and np.isfinite(gain):
            self.sum[direction, col] += max(gain, 0.0) / distance
            self.count[direction, col] += 1

    def estimates(self, cols: np.ndarray) -> np.ndarray:
        """Per-unit gains (2 × len(cols)), the average over known columns where unknown."""
        known = self.count > 0
        mean = np.array([
            self.sum[d, known[d]].sum() / known[d].sum() if known[d].any() else 1.0
            for d in (0, 1)
        ])
        counts = self.count[:, cols]
        with np.errstate(invalid="ignore", divide="ignore"):
            per_unit = np.where(
                counts > 0, self.sum[:, cols] / np.maximum(counts, 1), mean[:, None])
        return per_unit

    def reliable(self, cols: np.ndarray, threshold: int) -> np.ndarray:
        """Mask of columns observed at least ``threshold`` times in both directions."""
        return self.count[:, cols].min(axis=0) >= threshold


def product_score(down_gain: np.ndarray, up_gain: np.ndarray) -> np.ndarray:
    """SCIP's product score: favours candidates that improve both children."""
    return np.maximum(down_gain, _MIN_GAIN) * np.maximum(up_gain, _MIN_GAIN)


class ReliabilityBranching:
    """Branch on the fractional column with the best pseudocost score; columns whose
    pseudocosts are not yet reliable are strong-branched first, which also finds children
    that are infeasible (and so domain reductions)."""

    def __init__(self, lp: NodeLP, integer_cols: np.ndarray, options: SolveOptions,
                 logic_columns: np.ndarray | None = None) -> None:
        self.lp = lp
        self.integer_cols = integer_cols
        self.options = options
        #: Columns preferred among the fractional ones (with ``options.logic_priority``).
        self.preferred = np.zeros(lp.n, dtype=bool)
        if options.logic_priority and logic_columns is not None:
            self.preferred[logic_columns] = True
        self.pseudocosts = Pseudocosts(lp.n)
        self.strong_branchings = 0
        self.lp_iterations = 0

    def learn(self, col: int, direction: int, parent_value: float, parent_obj: float,
              child_obj: float) -> None:
        """Record the gain a solved child showed over its parent."""
        frac = parent_value - math.floor(parent_value)
        distance = frac if direction == 0 else 1.0 - frac
        self.pseudocosts.record(col, direction, child_obj - parent_obj, distance)

    def select(self, x: np.ndarray, objective: float, fractional: np.ndarray,
               cutoff: float, use_strong: bool = True) -> BranchDecision:
        """Choose a branching column among ``fractional`` (indices into x), among the
        preferred (logic) ones when any of them is fractional."""
        preferred = fractional[self.preferred[fractional]]
        if preferred.size:
            fractional = preferred
        frac = x[fractional] - np.floor(x[fractional])
        per_unit = self.pseudocosts.estimates(fractional)
        scores = product_score(per_unit[0] * frac, per_unit[1] * (1.0 - frac))
        child_bounds: dict[int, tuple[float, float]] = {}
        if use_strong and not self.lp.is_qp:
            unreliable = ~self.pseudocosts.reliable(fractional, self.options.reliability)
            order = [i for i in np.argsort(-scores) if unreliable[i]]
            for i in order[: self.options.strong_branch_candidates]:
                outcome = self._probe_both(int(fractional[i]), float(x[fractional[i]]),
                                           objective, cutoff)
                if isinstance(outcome, BranchDecision):
                    return outcome
                scores[i], child_bounds[i] = outcome
        best = int(np.argmax(scores))
        down_bound, up_bound = child_bounds.get(best, (objective, objective))
        return BranchDecision(int(fractional[best]), float(x[fractional[best]]),
                              down_bound, up_bound)

    def _probe_both(self, col: int, value: float, objective: float, cutoff: float):
        """Strong-branch one column: a decision when a child is dead, else its score and
        the children's proven bounds."""
        lower, upper = self.lp.lower[col], self.lp.upper[col]
        limit = self.options.strong_branch_iterations
        down = self.lp.probe(col, lower, math.floor(value), cutoff, limit)
        up = self.lp.probe(col, math.ceil(value), upper, cutoff, limit)
        self.strong_branchings += 1
        self.lp_iterations += down.iterations + up.iterations
        down_dead = down.status in ("infeasible", "cutoff")
        up_dead = up.status in ("infeasible", "cutoff")
        if down_dead and up_dead:
            return BranchDecision(infeasible=True)
        if down_dead or up_dead:
            side = (math.ceil(value), upper) if down_dead else (lower, math.floor(value))
            return BranchDecision(tightenings=[(col, *side)])
        gains, bounds = [], []
        for direction, child in ((0, down), (1, up)):
            usable = child.status in ("optimal", "iteration_limit")
            if usable:
                self.learn(col, direction, value, objective, child.objective)
            gains.append(max(child.objective - objective, 0.0) if usable else 0.0)
            bounds.append(max(child.objective, objective) if child.status == "optimal"
                          else objective)
        return float(product_score(np.array(gains[0]), np.array(gains[1]))), tuple(bounds)


def violated_row_column(problem: Problem, rounded: np.ndarray, x: np.ndarray,
                        lower: np.ndarray, upper: np.ndarray) -> int | None:
    """The integer column to branch on when rounding the integral LP point ``x`` to
    ``rounded`` breaks rows: from the row broken most (scaled as verification scales)
    that holds an integer column with room in ``[lower, upper]``, the one whose rounding
    moved the row most (|coefficient| times its distance from ``x``), ties to the largest
    coefficient. None when no broken row holds such a column."""
    A = problem.A.tocsr()  # noqa: N806 - the Problem's own name for the matrix
    excess = bound_excess(A @ rounded, problem.row_lower, problem.row_upper)
    open_integer = problem.integrality & (lower < upper)
    for row in np.argsort(-excess):
        if excess[row] <= FEASIBILITY:
            return None
        cols = A.indices[A.indptr[row]:A.indptr[row + 1]]
        coefs = np.abs(A.data[A.indptr[row]:A.indptr[row + 1]])
        candidates = open_integer[cols]
        if candidates.any():
            cols, coefs = cols[candidates], coefs[candidates]
            moved = coefs * np.abs(rounded[cols] - x[cols])
            return int(cols[np.lexsort((-coefs, -moved))[0]])
    return None
