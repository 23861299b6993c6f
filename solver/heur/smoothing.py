"""Scholtes' regularisation: a local primal heuristic for complementarity problems.

A complementarity pair is an SOS1 set (``y ⟂ z``: at most one nonzero). Replacing
``y·z = 0`` by ``-t <= y·z <= t`` gives a smooth NLP that is well behaved for ``t > 0``;
solving it for a decreasing sequence of ``t``, each from the last point, drives the pairs
towards complementarity (Scholtes 2001). The last point is snapped (every member of a set
but its largest fixed to 0), the smooth NLP that remains is solved once more, and the
result is kept only if it satisfies the whole problem, integrality included.

Each NLP is the problem's continuous relaxation (:mod:`.nlp`, SLSQP with exact
gradients) with the smoothing rows added as one more block of quadratic rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from branchwise.core.problem import Problem
from branchwise.core.smooth import NonlinearRows, QuadraticFunction
from branchwise.core.tolerances import FEASIBILITY
from branchwise.solver.plugins import Heuristic, HeuristicContext, SearchSetup
from branchwise.solver.relax.nlp import NlpRelaxation

#: The regularisation parameters ``t`` of the NLPs ``|y·z| <= t``, solved in this order.
SMOOTHING_SEQUENCE = tuple(10.0 ** -k for k in range(9))


def scholtes_point(problem: Problem, start: np.ndarray | None,
                   time_limit: float) -> np.ndarray | None:
    """A point satisfying ``problem`` found by Scholtes' regularisation from ``start``
    (0 projected on the bounds when None), or None when it finds none in ``time_limit``."""
    deadline = time.perf_counter() + time_limit
    smooth = replace(problem, sos1=[], sos2=[])
    products = _pair_products(problem)
    lower, upper = problem.col_lower, problem.col_upper
    x = np.zeros(problem.n_cols) if start is None else np.asarray(start, dtype=float)
    for t in SMOOTHING_SEQUENCE:
        if time.perf_counter() > deadline:
            return None
        smoothing = NonlinearRows(products, -t, t, [f"smoothing{k}" for k in range(products.n_out)])
        regularised = replace(smooth, nonlinear=[*problem.nonlinear, smoothing])
        x = NlpRelaxation(regularised, deadline).solve(lower, upper, x).x
        if x is None:
            return None
        if np.abs(products.value(x)).max(initial=0.0) <= FEASIBILITY:
            break
    lower, upper = _snapped_bounds(problem, x)
    if np.any(lower > upper):
        return None
    x = NlpRelaxation(smooth, deadline).solve(lower, upper, x).x
    return x if x is not None and problem.violation(x)[0] <= FEASIBILITY else None


@dataclass(frozen=True)
class ScholtesParameters:
    #: Seconds the regularised NLPs may take together.
    time_limit: float = 10.0


class ScholtesHeuristic(Heuristic):
    """Scholtes' regularisation from the root's relaxation point, once, when the problem
    has SOS1 sets and that point is no solution: inside the root's domain, integer columns
    fixed at their rounded values."""

    name = "scholtes"
    priority = 400
    Parameters = ScholtesParameters

    def setup(self, search: SearchSetup) -> None:
        super().setup(search)
        self.problem = search.problem
        self.integer_cols = search.integer_cols
        self.deadline = search.deadline
        self.done = False

    def should_run(self, context: HeuristicContext) -> bool:
        """At the root, once, when the relaxation point breaks a row, a bound or a set
        (a point of an outer approximation may satisfy every pair and still no row)."""
        return (context.at_root and not self.done and bool(self.problem.sos1)
                and self.problem.violation(context.x)[0] > FEASIBILITY)

    def run(self, context: HeuristicContext) -> np.ndarray | None:
        """The regularised point inside the node's domain, or None."""
        self.done = True
        budget = min(self.parameters.time_limit, self.deadline - time.perf_counter())
        if budget <= 0:
            return None
        lower, upper, ints = context.lower.copy(), context.upper.copy(), self.integer_cols
        lower[ints] = upper[ints] = np.clip(np.round(context.x[ints]), lower[ints], upper[ints])
        domain = replace(self.problem, col_lower=lower, col_upper=upper)
        return scholtes_point(domain, context.x, budget)


def _pair_products(problem: Problem) -> QuadraticFunction:
    """``x_i·x_j`` for every two members of each SOS1 set, as quadratic rows."""
    n = problem.n_cols
    pairs = [(i, j) for members in problem.sos1
             for k, i in enumerate(members) for j in members[k + 1:]]
    hessians = [sp.csr_matrix(([1.0, 1.0], ([i, j], [j, i])), shape=(n, n)) for i, j in pairs]
    return QuadraticFunction(hessians, sp.csr_matrix((len(pairs), n)))


def _snapped_bounds(problem: Problem, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The column bounds with every SOS1 member but the largest at ``x`` fixed to 0."""
    lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
    for members in problem.sos1:
        zeroed = np.delete(members, int(np.argmax(np.abs(x[members]))))
        lower[zeroed] = np.maximum(lower[zeroed], 0.0)
        upper[zeroed] = np.minimum(upper[zeroed], 0.0)
    return lower, upper
