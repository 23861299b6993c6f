"""Reliability branching: pseudocosts, initialised by strong branching until reliable."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from branchwise.core.problem import Problem
from branchwise.core.tolerances import FEASIBILITY, bound_excess
from branchwise.solver.plugins import (
    Branching,
    BranchingContext,
    BranchingRule,
    Result,
    SearchSetup,
)

#: Smallest gain used in the product score, so a zero gain on one side still ranks.
_MIN_GAIN = 1e-6


def product_score(down_gain: np.ndarray, up_gain: np.ndarray) -> np.ndarray:
    """SCIP's product score: favours candidates that improve both children."""
    return np.maximum(down_gain, _MIN_GAIN) * np.maximum(up_gain, _MIN_GAIN)


@dataclass(frozen=True)
class ReliabilityParameters:
    #: Strong branching may tighten a node's domain and re-solve it at most this often;
    #: after that the node branches on pseudocosts (unbounded integers could otherwise
    #: creep forever).
    max_tightening_rounds: int = 10


class ReliabilityBranching(BranchingRule):
    """Branch on the fractional column with the best pseudocost score; columns whose
    pseudocosts are not yet reliable are strong-branched first, which also finds children
    that are infeasible (and so domain reductions). The reliability threshold and the
    strong-branching budget are the options' (``reliability``, ``strong_branch_*``)."""

    name = "reliability"
    priority = 100
    Parameters = ReliabilityParameters

    def setup(self, search: SearchSetup) -> None:
        self.lp = search.lp
        self.options = search.options
        #: Columns preferred among the fractional ones (with ``options.logic_priority``).
        self.preferred = np.zeros(self.lp.n, dtype=bool)
        if self.options.logic_priority and search.problem.logic_columns is not None:
            self.preferred[search.problem.logic_columns] = True
        self.pseudocosts = search.pseudocosts
        self.strong_branchings = 0
        self.lp_iterations = 0

    def branch(self, context: BranchingContext) -> Branching:
        """Strong-branch while the node's tightening rounds last, on pseudocosts after."""
        use_strong = context.tightening_round < self.parameters.max_tightening_rounds
        return self.select(context.x, context.bound, context.fractional, context.cutoff,
                           use_strong)

    def stats(self) -> dict:
        return {"strong_branchings": self.strong_branchings,
                "strong_branching_lp_iterations": self.lp_iterations}

    def select(self, x: np.ndarray, objective: float, fractional: np.ndarray,
               cutoff: float, use_strong: bool = True) -> Branching:
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
                if isinstance(outcome, Branching):
                    return outcome
                scores[i], child_bounds[i] = outcome
        best = int(np.argmax(scores))
        down_bound, up_bound = child_bounds.get(best, (objective, objective))
        return Branching(Result.BRANCHED, int(fractional[best]), float(x[fractional[best]]),
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
            return Branching(Result.CUTOFF)
        if down_dead or up_dead:
            side = (math.ceil(value), upper) if down_dead else (lower, math.floor(value))
            return Branching(Result.REDUCED_DOMAIN, tightenings=[(col, *side)])
        gains, bounds = [], []
        for direction, child in ((0, down), (1, up)):
            usable = child.status in ("optimal", "iteration_limit")
            if usable:
                self.pseudocosts.learn(col, direction, value, objective, child.objective)
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

