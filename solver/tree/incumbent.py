"""The best known solution, the cutoff it implies, and the checks a candidate must pass."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import numpy as np

from branchwise.core.problem import Problem
from branchwise.core.tolerances import FEASIBILITY, INTEGRALITY, bound_excess
from branchwise.solver.options import SolveOptions
from branchwise.solver.relax.lp import NodeLP
from branchwise.solver.relax.nlp import NlpRelaxation
from branchwise.solver.tree.objective_step import objective_step
from branchwise.solver.tree.repair import Repair, repair_assignment

#: SLSQP iterations a heuristic's point may spend being completed: one that needs more
#: is usually an assignment with no feasible completion, and the search finds the good
#: ones at its integral nodes anyway.
_COMPLETION_ITERATIONS = 100


class Incumbent:
    """Keeps the best verified integer-feasible point (internal minimisation sense).

    Every candidate is snapped to exact integers and checked against the original rows,
    bounds and integrality before it is accepted: nothing unverified becomes incumbent.
    """

    def __init__(self, problem: Problem, lp: NodeLP, integer_cols: np.ndarray,
                 options: SolveOptions, nlp: NlpRelaxation | None = None) -> None:
        self.problem = problem
        self.lp = lp
        #: Completes points by NLP instead of LP when the problem has nonlinear rows.
        self.nlp = nlp
        #: Domains an NLP completion was already tried on: heuristics offer the same
        #: rounding again and again, and an NLP solve costs far more than an LP.
        self._completed: set[bytes] = set()
        self.integer_cols = integer_cols
        self.options = options
        #: The best value reached (internal sense): the incumbent's, or before there is
        #: one the options' cutoff (a start's value, with no point here to show for it).
        self.value = math.inf if options.cutoff is None else lp.sign * (
            options.cutoff - problem.objective_offset)
        self.x: np.ndarray | None = None
        self.sources: Counter[str] = Counter()
        self.has_continuous = integer_cols.size < problem.n_cols
        #: Some optimal objective is a multiple of this (None when no step is known).
        self.objective_step = objective_step(problem, integer_cols)
        self._mark = ""
        #: Called after each improvement (the search's watchers; None: nobody watches).
        self.listener: Callable[[], None] | None = None
        #: The best ``options.pool`` points distinct in their integer columns, as (value,
        #: integer key, point), best first (only kept when more than one is asked for).
        self.pool: list[tuple[float, bytes, np.ndarray]] = []
        #: Candidates the lazy callback's rows cut off so far.
        self.lazy_rejections = 0

    @property
    def found(self) -> bool:
        return self.x is not None

    @property
    def collecting(self) -> bool:
        """True when more than the best point is kept (``options.pool``)."""
        return self.options.pool > 1

    @property
    def pruning_value(self) -> float:
        """The value a node must beat to be searched: the incumbent's (or the cutoff's), or
        with a pool, the worst kept point's once the pool is full (inf until then)."""
        if not self.collecting:
            return self.value
        if len(self.pool) < self.options.pool:
            return math.inf
        return self.pool[-1][0]

    @property
    def bounded(self) -> bool:
        """True when some value is known that nodes must beat."""
        return math.isfinite(self.pruning_value)

    @property
    def cutoff(self) -> float:
        """Nodes whose bound reaches this value cannot hold a sufficiently better point."""
        if not self.bounded:
            return math.inf
        value = self.pruning_value
        slack = max(self.options.absolute_gap, self.options.gap * max(1.0, abs(value)))
        step = self.objective_step
        if step is None:
            return value - slack
        # A better optimum sits on the next multiple of the step below the incumbent (which
        # need not be on one itself); keep a margin for LP round-off.
        below = step * (math.ceil(value / step - 1e-6) - 1)
        margin = step * min(0.5, 1e-6 + 1e-9 * abs(value) / step)
        return min(value - slack, below + margin)

    def round_bound(self, bound: float) -> float:
        """``bound`` rounded up to the next multiple of the objective step, if any."""
        step = self.objective_step
        if step is None or not math.isfinite(bound):
            return bound
        return step * math.ceil(bound / step - 1e-6)

    def within_gap(self, bound: float) -> bool:
        """True when ``bound`` proves the incumbent (with a pool: every kept point) optimal
        within the requested gaps."""
        value = self.pruning_value
        if not math.isfinite(value):
            return False
        diff = value - bound
        return diff <= self.options.absolute_gap or diff <= self.options.gap * max(
            1.0, abs(value))

    def offer(self, x: np.ndarray, source: str, lower: np.ndarray | None = None,
              upper: np.ndarray | None = None) -> bool:
        """Offer ``x``: snapped (integers rounded, SOS sets cut to their allowed support)
        and, if that breaks a row and bounds are given, completed by re-solving the LP
        with those values fixed. Kept if feasible and better.

        Returns True when a feasible point came out of ``x``, improving or not; False
        tells the search that ``x`` must be branched on, however integral it looks.
        """
        snapped, zeroed = self.snap(x)
        if self.problem.violation(snapped)[0] <= FEASIBILITY:
            self._accept(snapped, source)
            return True
        if lower is not None and (self.has_continuous or zeroed.size):
            return self.complete(snapped, source, lower, upper, zeroed)
        return False

    def snap(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``x`` with integers rounded and every SOS member outside the set's best allowed
        support set to zero; also returns those zeroed columns."""
        snapped = x.copy()
        snapped[self.integer_cols] = np.round(snapped[self.integer_cols]) + 0.0  # no -0.0
        zeroed = [members[outside] for members, outside in self._sos_outside(snapped)]
        columns = np.concatenate(zeroed) if zeroed else np.zeros(0, dtype=np.int64)
        snapped[columns] = 0.0
        return snapped, columns

    def _sos_outside(self, x: np.ndarray):
        """Per SOS set: (members, mask of members outside its largest allowed support)."""
        for members in self.problem.sos1:
            outside = np.ones(members.size, dtype=bool)
            outside[np.argmax(np.abs(x[members]))] = False
            yield members, outside
        for members in self.problem.sos2:
            values = np.abs(x[members])
            outside = np.ones(members.size, dtype=bool)
            start = int(np.argmax(values[:-1] + values[1:]))
            outside[start:start + 2] = False
            yield members, outside

    def complete(self, values: np.ndarray, source: str, lower: np.ndarray,
                 upper: np.ndarray, zeroed: np.ndarray | None = None) -> bool:
        """Fix the integer columns at ``values`` (and ``zeroed`` columns at 0) inside
        ``[lower, upper]``, solve the LP over the rest, and keep the result if feasible and
        better; True when it is feasible. The LP is restored afterwards."""
        ints = self.integer_cols
        zeroed = np.zeros(0, dtype=np.int64) if zeroed is None else zeroed
        fixed = np.round(values[ints])
        outside = (np.any(fixed < lower[ints] - INTEGRALITY)
                   or np.any(fixed > upper[ints] + INTEGRALITY)
                   or np.any(lower[zeroed] > 0) or np.any(upper[zeroed] < 0))
        if outside:
            return False
        trial_lower, trial_upper = lower.copy(), upper.copy()
        trial_lower[ints] = trial_upper[ints] = fixed
        trial_lower[zeroed] = trial_upper[zeroed] = 0.0
        completed = self._solve_fixed(trial_lower, trial_upper, values)
        if completed is None:
            return False
        candidate = completed.copy()
        candidate[ints] = fixed + 0.0
        candidate[zeroed] = 0.0
        if self.problem.violation(candidate)[0] > FEASIBILITY:
            return False
        self._accept(candidate, source)
        return True

    def repair(self, x: np.ndarray, time_limit: float = math.inf) -> Repair:
        """Repair an integral LP point that :meth:`offer` rejected: its choices (integers
        rounded, SOS members outside the chosen support at 0) fixed and substituted out,
        the LP over the other columns solved within their own bounds, not the node's (whose
        propagated bounds carry a safety slack), and polished (see :mod:`.repair`). A
        verified point is kept if better. Linear rows only: the nonlinear search repairs
        by NLP instead."""
        snapped, zeroed = self.snap(x)
        fixed = np.union1d(self.integer_cols, zeroed)
        outcome = repair_assignment(self.problem, snapped, fixed, time_limit)
        if outcome.x is not None:
            self._accept(outcome.x, "repair")
        return outcome

    def _solve_fixed(self, lower: np.ndarray, upper: np.ndarray,
                     start: np.ndarray) -> np.ndarray | None:
        """The relaxation's optimum over ``[lower, upper]`` (NLP with nonlinear rows, else
        the node LP, restored afterwards); None when it has none."""
        if self.nlp is not None:
            key = lower.tobytes() + upper.tobytes()
            if key in self._completed:
                return None
            self._completed.add(key)
            result = self.nlp.solve(lower, upper, start, _COMPLETION_ITERATIONS)
            return result.x if result.status == "optimal" else None
        basis = self.lp.get_basis()
        saved_lower, saved_upper = self.lp.lower.copy(), self.lp.upper.copy()
        self.lp.set_bounds(lower, upper)
        try:
            result = self.lp.solve(time_limit=self.options.deadline.remaining())
        finally:
            self.lp.set_bounds(saved_lower, saved_upper)
            self.lp.set_basis(basis)
        return result.x if result.status == "optimal" else None

    def _accept(self, x: np.ndarray, source: str) -> bool:
        value = self.lp.sign * (self.problem.objective_value(x) - self.problem.objective_offset)
        improves = value < self.value
        if not (improves or (self.collecting and value < self.pruning_value)):
            return False
        if self._broken_lazy_row(x):
            return False
        if self.collecting:
            self._keep(value, x)
        if not improves:
            return False
        self.value, self.x = value, x
        self.sources[source] += 1
        self._mark = source[0].upper()
        if self.listener is not None:
            self.listener()
        return True

    def _broken_lazy_row(self, x: np.ndarray) -> bool:
        """Ask the options' lazy callback about a candidate: the rows it returns go into
        the LP; True when the candidate breaks one of them."""
        if self.options.lazy is None:
            return False
        rows = self.options.lazy(x)
        if rows is None or rows[0].shape[0] == 0:
            return False
        A, lower, upper = rows  # noqa: N806
        self.lp.add_rows(A, lower, upper)
        broken = bool(np.any(bound_excess(A @ x, lower, upper) > FEASIBILITY))
        self.lazy_rejections += broken
        return broken

    def _keep(self, value: float, x: np.ndarray) -> None:
        """Put a verified point in the pool if it is among the best distinct ones."""
        key = np.round(x[self.integer_cols]).tobytes()
        known = next((k for k, (_, other, _) in enumerate(self.pool) if other == key), None)
        if known is not None:
            if self.pool[known][0] <= value:
                return
            del self.pool[known]
        if len(self.pool) == self.options.pool and value >= self.pool[-1][0]:
            return
        self.pool.append((value, key, x.copy()))
        self.pool.sort(key=lambda kept: kept[0])
        del self.pool[self.options.pool:]

    def take_mark(self) -> str:
        """The letter of the heuristic that last improved the incumbent, once."""
        mark, self._mark = self._mark, ""
        return mark

