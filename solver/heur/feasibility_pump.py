"""The objective feasibility pump on a private copy of the node LP."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from branchwise.core.problem import Problem
from branchwise.core.tolerances import FEASIBILITY
from branchwise.solver.heur.heuristics import fractional_columns
from branchwise.solver.plugins import Heuristic, HeuristicContext, SearchSetup
from branchwise.solver.relax.lp import LPSolution, NodeLP


class DistanceLP:
    """The LP rows (cuts included) with an objective that measures the L1 distance to a
    rounded point, blended with the problem's objective.

    A column with two values (a binary) needs no help: its distance is ``x - lower`` or
    ``upper - x``. A general integer column gets an auxiliary ``d >= |x - r|`` through the
    rows ``x - d <= r`` and ``x + d >= r``, whose sides move with the rounding ``r``.
    """

    def __init__(self, problem: Problem, lp: NodeLP, integer_cols: np.ndarray,
                 lower: np.ndarray, upper: np.ndarray) -> None:
        span = upper[integer_cols] - lower[integer_cols]
        self.binary = integer_cols[span <= 1]
        self.general = integer_cols[span > 1]
        self.lower = lower
        n, k, m = problem.n_cols, self.general.size, lp.A.shape[0]
        self.n, self.m = n, m
        pick = sp.csr_matrix((np.ones(k), (np.arange(k), self.general)), shape=(k, n))
        eye = sp.identity(k, format="csr")
        rows = sp.bmat([[lp.A, None], [pick, -eye], [pick, eye]], format="csr")
        relaxation = Problem(
            c=np.zeros(n + k), A=rows,
            row_lower=np.concatenate([lp.row_lower, np.full(k, -np.inf), np.zeros(k)]),
            row_upper=np.concatenate([lp.row_upper, np.zeros(k), np.full(k, np.inf)]),
            col_lower=np.concatenate([lower, np.zeros(k)]),
            col_upper=np.concatenate([upper, np.full(k, np.inf)]),
            integrality=np.zeros(n + k, dtype=bool),
        )
        self.lp = NodeLP(relaxation)
        norm = float(np.linalg.norm(problem.c))
        scale = math.sqrt(integer_cols.size) / norm if norm > 0 else 0.0
        self.objective = lp.sign * problem.c * scale

    def project(self, rounded: np.ndarray, weight: float, iteration_limit: int,
                time_limit: float = math.inf) -> LPSolution:
        """The LP point nearest ``rounded`` with the objective weighted by ``weight``."""
        n, k, general = self.n, self.general.size, self.general
        cost = np.zeros(n + k)
        cost[self.binary] = np.where(rounded[self.binary] <= self.lower[self.binary], 1.0, -1.0)
        cost[n:] = 1.0
        cost = (1.0 - weight) * cost
        cost[:n] += weight * self.objective
        highs = self.lp.highs
        highs.changeColsCost(n + k, np.arange(n + k, dtype=np.int32), cost)
        if k:
            aux_rows = np.arange(self.m, self.m + 2 * k, dtype=np.int32)
            target = rounded[general]
            highs.changeRowsBounds(2 * k, aux_rows, np.concatenate([np.full(k, -np.inf), target]),
                                   np.concatenate([target, np.full(k, np.inf)]))
        return self.lp.solve(iteration_limit=iteration_limit, time_limit=time_limit)


@dataclass(frozen=True)
class PumpParameters:
    """The pump's budget and the way it escapes cycles."""

    max_rounds: int = 200
    #: Simplex iterations all projections may spend together.
    iteration_budget: int = 10_000
    #: Factor on the objective's weight in the distance after each round.
    objective_decay: float = 0.7
    #: About how many columns a cycle-breaking perturbation flips.
    flips: int = 20
    seed: int = 0


class FeasibilityPump(Heuristic):
    """Round the LP point, project the rounding back onto the LP, and repeat until they
    meet (Fischetti, Glover and Lodi; objective variant of Achterberg and Berthold).

    The projections run on a private LP built from the node LP's rows (cuts included),
    so the node LP's bounds, costs and basis are never touched.
    """

    name = "pump"
    #: Between diving and RENS: the root's cheap heuristics first, then the pump.
    priority = 750
    Parameters = PumpParameters

    def setup(self, search: SearchSetup) -> None:
        super().setup(search)
        self.problem = search.problem
        self.lp = search.lp
        self.integer_cols = search.integer_cols
        self.lp_iterations = 0
        self.done = False

    def should_run(self, context: HeuristicContext) -> bool:
        """Once, at the root, on a fractional point, when there is no incumbent yet."""
        return (not self.done and context.at_root and context.fractional.size > 0
                and math.isinf(context.cutoff))

    def run(self, context: HeuristicContext) -> np.ndarray | None:
        """An integral LP point or a feasible rounding; else the last rounding, which the
        search may complete by solving over the continuous columns."""
        self.done = True
        distance = DistanceLP(self.problem, self.lp, self.integer_cols, context.lower,
                              context.upper)
        rng = np.random.default_rng(self.parameters.seed)
        ints, x, weight, spent = self.integer_cols, context.x, 1.0, 0
        seen: set[bytes] = set()
        previous = b""
        rounded = x
        for _ in range(self.parameters.max_rounds):
            rounded = x.copy()
            rounded[ints] = np.floor(x[ints] + 0.5)
            if self.problem.violation(rounded)[0] <= FEASIBILITY or context.deadline.expired():
                return rounded
            weight *= self.parameters.objective_decay
            self._unstick(rounded, x, context, rng, seen, previous)
            previous = rounded[ints].tobytes()
            seen.add(previous)
            result = distance.project(rounded, weight, self.parameters.iteration_budget - spent,
                                      context.deadline.remaining())
            spent += result.iterations
            self.lp_iterations += result.iterations
            if result.status != "optimal":
                return rounded
            x = result.x[:self.problem.n_cols]
            if fractional_columns(x, ints).size == 0:
                return x
            if spent >= self.parameters.iteration_budget:
                break
        return rounded

    def _unstick(self, rounded: np.ndarray, x: np.ndarray, context: HeuristicContext,
                 rng: np.random.Generator, seen: set[bytes], previous: bytes) -> None:
        """Break a cycle in place: flip the farthest columns when the rounding repeats the
        last one, perturb at random when it (or that flip) was met before."""
        key = rounded[self.integer_cols].tobytes()
        if key == previous:
            flipped = rounded.copy()
            self._flip_farthest(flipped, x, context, rng)
            if flipped[self.integer_cols].tobytes() not in seen:
                rounded[:] = flipped
                return
        if key in seen:
            self._perturb(rounded, x, context, rng)

    def _flip_farthest(self, rounded: np.ndarray, x: np.ndarray, context: HeuristicContext,
                       rng: np.random.Generator) -> None:
        """A short cycle: round the other way the columns farthest from the LP point."""
        ints = self.integer_cols
        gap = np.abs(x[ints] - rounded[ints])
        flips = self.parameters.flips
        count = int(rng.integers(flips // 2, 3 * flips // 2 + 1))
        farthest = np.argsort(-gap)[:count]
        _round_other_way(rounded, x, ints[farthest[gap[farthest] > 0]], context)

    def _perturb(self, rounded: np.ndarray, x: np.ndarray, context: HeuristicContext,
                 rng: np.random.Generator) -> None:
        """A long cycle: round the other way each column whose distance plus a random
        push in [-0.3, 0.7] exceeds one half."""
        ints = self.integer_cols
        push = np.maximum(rng.uniform(-0.3, 0.7, ints.size), 0.0)
        _round_other_way(rounded, x, ints[np.abs(x[ints] - rounded[ints]) + push > 0.5], context)


def _round_other_way(rounded: np.ndarray, x: np.ndarray, cols: np.ndarray,
                     context: HeuristicContext) -> None:
    """Round ``cols`` the other way: one unit past ``x`` (inwards where ``x`` is integral),
    kept inside the node's bounds; in place."""
    value, point = rounded[cols], x[cols]
    up = (point > value) | ((point == value) & (value < context.upper[cols]))
    rounded[cols] = np.clip(np.where(up, value + 1.0, value - 1.0), context.lower[cols],
                            context.upper[cols])
