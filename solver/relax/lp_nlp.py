"""The nonlinear side of LP/NLP branch and bound: outer-approximation cuts into the node
LP, NLP solves at the root and at integral points, and what an integral point means for
its node. The search asks; this class answers with a :class:`Verdict` and the search acts
(branches, re-solves), so tree handling stays in one place."""

from __future__ import annotations

import enum
from collections.abc import Callable

import numpy as np

from branchwise.core.problem import Problem
from branchwise.core.tolerances import OA_VIOLATION
from branchwise.solver.relax.lp import LPSolution, NodeLP
from branchwise.solver.relax.nlp import NlpRelaxation, NlpResult
from branchwise.solver.relax.outer_approximation import OuterApproximation
from branchwise.solver.timers import Timers
from branchwise.solver.tree.incumbent import Incumbent

#: At an NLP optimum, convex sides within this scaled distance of their bound are
#: linearised too (they are the active ones that make the LP as tight as the NLP there).
_OA_ACTIVE = -1e-4
#: A node whose integer columns are all fixed may re-solve with new cuts this often before
#: its bound is left unresolved.
_MAX_FIXED_RESOLVES = 20


class Verdict(enum.Enum):
    """What the search does with a node after an integral point was judged."""

    CLOSED = "closed"  # nothing better is left in the node
    RESOLVE = "resolve"  # cuts went in: solve the node's LP again
    SPLIT = "split"  # branch so that this point's assignment gets a node of its own
    UNRESOLVED = "unresolved"  # give up on the node; its bound stays unproven


class IntegralAttempts:
    """What one node has tried at integral LP points: the assignments given to the NLP,
    and how often a node with one assignment was solved again with new cuts."""

    def __init__(self) -> None:
        self.assignments: set[bytes] = set()
        self.resolves = 0


class NonlinearSide:
    """Outer approximation and NLP solves for one search over a problem with nonlinear rows."""

    def __init__(self, problem: Problem, lp: NodeLP, integer_cols: np.ndarray,
                 root_bounds: tuple[np.ndarray, np.ndarray], timers: Timers,
                 deadline: float) -> None:
        self.problem, self.lp, self.integer_cols = problem, lp, integer_cols
        self.root_lower, self.root_upper = root_bounds
        self.timers = timers
        self.outer = OuterApproximation(problem)
        self.nlp = NlpRelaxation(problem, deadline)
        #: False once a node was closed by a local NLP solve of a nonconvex subproblem
        #: (``nonconvex="heuristic"``): then the bound proves nothing.
        self.exact = problem.is_convex()
        self.proven = True
        self.nlp_solves = 0
        self.stats: dict = {}

    def root(self, incumbent: Incumbent) -> None:
        """Solve the continuous NLP relaxation once and linearise at its optimum, so the
        first LP is already as tight as the NLP (and bounded)."""
        lower, upper = self.root_lower, self.root_upper
        nlp = self._solve_nlp(lower, upper, np.clip(np.zeros(self.problem.n_cols), lower, upper))
        self.stats["root_nlp"] = nlp.status
        if nlp.x is not None:
            self.stats["root_nlp_bound"] = nlp.objective
            incumbent.offer(nlp.x, "nlp")
            self.add_cuts(nlp.x, _OA_ACTIVE)

    def add_cuts(self, x: np.ndarray, threshold: float = OA_VIOLATION) -> bool:
        """Linearise the convex nonlinear rows at ``x`` into the LP (sides violated by more
        than ``threshold``); True when any cut went in."""
        cuts = self.outer.cuts(x, self.root_lower, self.root_upper, threshold)
        if cuts is None:
            return False
        self.lp.add_rows(cuts.rows, cuts.lower, cuts.upper)
        return True

    def tighten(self, result: LPSolution, solve_lp: Callable[[], LPSolution], rounds: int,
                node_nlp: bool) -> LPSolution:
        """Add cuts where the LP point violates a row (or, for an unbounded LP, where its
        ray leaves a row) and solve again, up to ``rounds`` times; with ``node_nlp``, then
        linearise at the NLP optimum over the node too.

        An LP over columns that only nonlinear rows bound (a cone's free variables) is
        bounded by cuts only when their gradients hold the objective exactly, which cuts
        at a numerical NLP optimum rarely do; cutting off the LP's rays bounds it."""
        for _ in range(rounds):
            if result.status == "unbounded":
                if not self._cut_ray():
                    return result
            elif result.status != "optimal" or not self.add_cuts(result.x):
                return result
            result = solve_lp()
        if node_nlp and result.status == "optimal":
            nlp = self._solve_nlp(self.lp.lower, self.lp.upper, result.x)
            if nlp.x is not None and self.add_cuts(nlp.x, _OA_ACTIVE):
                result = solve_lp()
        return result

    def _cut_ray(self) -> bool:
        """Cut off the ray of the LP just solved unbounded; True when cuts went in."""
        direction = self.lp.unbounded_direction()
        if direction is None:
            return False
        # Inside the root box (where the rows' convexity is proven) the ray stays there.
        point = np.clip(direction[0], self.root_lower, self.root_upper)
        cuts = self.outer.ray_cuts(point, direction[1], self.root_lower, self.root_upper)
        if cuts is None:
            return False
        self.lp.add_rows(cuts.rows, cuts.lower, cuts.upper)
        return True

    def integral_point(self, x: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                       single: bool, attempts: IntegralAttempts,
                       incumbent: Incumbent) -> Verdict:
        """Judge an integral LP point of a node (``single``: the node holds only its
        assignment).

        A point that satisfies every row ends the node. Otherwise the NLP with this point's
        integers fixed gives the best point for that assignment (offered as incumbent) and
        linearisations there; a node that holds only this assignment is then closed, any
        other node is solved again, and an assignment the LP returns twice is split off
        by branching (the cuts proved nothing better than the NLP point there)."""
        if incumbent.offer(x, "lp"):
            return Verdict.CLOSED
        fixed_lower, fixed_upper = self._fixed_domain(x, lower, upper, incumbent)
        key = fixed_lower.tobytes()
        if key in attempts.assignments:
            return self._retry_fixed(x, attempts) if single else Verdict.SPLIT
        attempts.assignments.add(key)
        nlp = self._solve_nlp(fixed_lower, fixed_upper, x)
        accepted = nlp.x is not None and incumbent.offer(nlp.x, "nlp")
        if nlp.x is not None:
            self.add_cuts(nlp.x, _OA_ACTIVE)
        if not single:
            return Verdict.RESOLVE
        if nlp.status == "infeasible" and nlp.exact:
            return Verdict.CLOSED
        if nlp.status == "optimal" and (accepted or nlp.objective >= incumbent.cutoff):
            if not self.exact and np.any(fixed_lower < fixed_upper):
                self.proven = False
            return Verdict.CLOSED
        return self._retry_fixed(x, attempts)

    def _retry_fixed(self, x: np.ndarray, attempts: IntegralAttempts) -> Verdict:
        """A node with one assignment the NLP did not settle: tighten the LP with cuts at
        its point while that helps, then leave its bound unresolved."""
        attempts.resolves += 1
        if attempts.resolves <= _MAX_FIXED_RESOLVES and self.add_cuts(x):
            return Verdict.RESOLVE
        return Verdict.UNRESOLVED

    def _fixed_domain(self, x: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                      incumbent: Incumbent) -> tuple[np.ndarray, np.ndarray]:
        """The node's domain with the integers fixed at ``x``'s values and every SOS
        member outside ``x``'s support fixed at zero."""
        snapped, zeroed = incumbent.snap(x)
        fixed_lower, fixed_upper = lower.copy(), upper.copy()
        fixed = np.concatenate([self.integer_cols, zeroed])
        fixed_lower[fixed] = fixed_upper[fixed] = np.clip(snapped[fixed], lower[fixed],
                                                          upper[fixed])
        return fixed_lower, fixed_upper

    def _solve_nlp(self, lower: np.ndarray, upper: np.ndarray, start: np.ndarray) -> NlpResult:
        with self.timers.timing("nlp"):
            self.nlp_solves += 1
            return self.nlp.solve(lower, upper, start)
