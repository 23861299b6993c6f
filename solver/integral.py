"""What the search does with a node whose LP point is integral: accept it, branch on a
violated special ordered set, ask the nonlinear side, or repair it and split the node.

Also :class:`Unresolved`, the nodes no remedy settled (their bounds cap what the search
can prove)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from branchwise.core.problem import Problem
from branchwise.solver.branch.reliability import violated_row_column
from branchwise.solver.branch.sos import most_violated_sos, sos_children
from branchwise.solver.log import SearchLog
from branchwise.solver.plugins import Result
from branchwise.solver.relax.lp import NodeLP
from branchwise.solver.relax.lp_nlp import IntegralAttempts, NonlinearSide, Verdict
from branchwise.solver.tree.incumbent import Incumbent
from branchwise.solver.tree.nodes import Node, column_children

#: A node's two children, the one to plunge into first.
Children = tuple[Node, Node]


class Unresolved:
    """Nodes given up on: how many, and the lowest bound among them with its reason
    (logged, and the result's reason when the search ends on it)."""

    def __init__(self, log: SearchLog, user_value: Callable[[float], float]) -> None:
        self.log, self.user_value = log, user_value
        self.bound = math.inf
        self.reason = ""
        self.nodes = 0

    def add(self, bound: float, reason: str) -> None:
        """Give up on a node no remedy settled: its bound caps what the search can prove."""
        self.nodes += 1
        if bound < self.bound:
            self.bound, self.reason = bound, reason
            self.log.line(f"node left unresolved at bound {self.user_value(bound):.10g}: "
                          f"{reason}")


class IntegralPoints:
    """Settles nodes whose LP point is integral within tolerance; SOS branching lives
    here too, since only such a point can leave an SOS set violated."""

    def __init__(self, problem: Problem, lp: NodeLP, integer_cols: np.ndarray,
                 incumbent: Incumbent, nonlinear: NonlinearSide | None,
                 unresolved: Unresolved, deadline: float) -> None:
        self.problem, self.lp, self.integer_cols = problem, lp, integer_cols
        self.incumbent, self.nonlinear = incumbent, nonlinear
        self.unresolved, self.deadline = unresolved, deadline
        self.sos_branchings = 0

    def settle(self, node: Node, bound: float, x: np.ndarray, lower: np.ndarray,
               upper: np.ndarray, attempts: IntegralAttempts,
               ) -> tuple[Result, Children | None]:
        """Branch on a violated SOS set, or accept the point; if snapping it to exact
        integers breaks a row, repair it or branch (:meth:`_repair_or_split`). CUTOFF
        closes the node, SEPARATED asks for its LP again (cuts went in), BRANCHED comes
        with the children."""
        node.bound = bound
        violated = most_violated_sos(self.problem, x)
        if violated is not None:
            return self._branch_sos(node, violated, x)
        if self.nonlinear is not None:
            return self._ask_nonlinear(node, bound, x, lower, upper, attempts)
        rejected = self.incumbent.lazy_rejections
        if self.incumbent.offer(x, "lp", lower, upper):
            if self.incumbent.lazy_rejections > rejected:  # lazy rows cut it off
                return Result.SEPARATED, None
            if self.incumbent.collecting and not self._single_assignment(lower, upper):
                return self._split_assignment(node, x, bound, lower, upper)  # more points
            return Result.CUTOFF, None
        return self._repair_or_split(node, bound, x, lower, upper)

    def _ask_nonlinear(self, node: Node, bound: float, x: np.ndarray, lower: np.ndarray,
                       upper: np.ndarray, attempts: IntegralAttempts,
                       ) -> tuple[Result, Children | None]:
        """The nonlinear side's verdict on the point, acted on."""
        verdict = self.nonlinear.integral_point(
            x, lower, upper, self._single_assignment(lower, upper), attempts, self.incumbent)
        if verdict is Verdict.UNRESOLVED:
            self.unresolved.add(bound, "no NLP solve verified the integral point of a node "
                                       "whose choices are all fixed")
        if verdict is Verdict.SPLIT:
            return self._split_assignment(node, x, bound, lower, upper)
        return (Result.SEPARATED if verdict is Verdict.RESOLVE else Result.CUTOFF), None

    def _repair_or_split(self, node: Node, bound: float, x: np.ndarray, lower: np.ndarray,
                         upper: np.ndarray) -> tuple[Result, Children | None]:
        """An integral LP point that breaks a row once snapped, even completed in the
        node's domain: repair it (choices fixed, the LP over the other columns solved on
        its own and polished). A node holding only this assignment is then settled by the
        repair's bound (its subtree left unresolved, with the reason, only when no repaired
        point reaches it); any other node branches, on the most broken row's integer
        columns first, and is never dropped."""
        repair = self.incumbent.repair(x, self.deadline - time.perf_counter())
        if self._single_assignment(lower, upper):
            settled = max(bound, repair.bound)
            if settled < self.incumbent.cutoff:
                self.unresolved.add(settled, repair.reason or "the repaired point is worse "
                                    "than the bound of the node that holds only its assignment")
            return Result.CUTOFF, None
        if bound >= self.incumbent.cutoff:
            return Result.CUTOFF, None
        col = violated_row_column(self.problem, self.incumbent.snap(x)[0], x, lower, upper)
        if col is not None:
            return self._split_column(node, col, x, bound, lower, upper)
        ints = self.integer_cols
        deviation = np.abs(x[ints] - np.round(x[ints]))
        # Only columns whose two children both shrink the domain (no child equal to the node).
        splits = (np.floor(x[ints]) < upper[ints]) & (np.ceil(x[ints]) > lower[ints])
        deviation[~splits] = 0.0
        if deviation.max(initial=0.0) > 0.0:
            return self._split_column(node, int(ints[np.argmax(deviation)]), x, bound,
                                      lower, upper)
        violated = most_violated_sos(self.problem, x, tolerance=0.0)
        if violated is not None:
            return self._branch_sos(node, violated, x)
        return self._split_assignment(node, x, bound, lower, upper)

    def _single_assignment(self, lower: np.ndarray, upper: np.ndarray) -> bool:
        """True when the domain fixes every integer and leaves each SOS set one choice."""
        ints = self.integer_cols
        if np.any(lower[ints] < upper[ints]):
            return False
        return self._unsettled_sos(lower, upper)[0] is None

    def _unsettled_sos(self, lower: np.ndarray, upper: np.ndarray,
                       ) -> tuple[tuple[str, np.ndarray] | None, np.ndarray]:
        """An SOS set whose domain still allows more than one choice (None if none), and
        the indicator it was judged on: 1 for columns whose domain holds a nonzero value."""
        free = ((lower < 0) | (upper > 0)).astype(float)
        return most_violated_sos(self.problem, free, tolerance=0.0), free

    def _split_assignment(self, node: Node, x: np.ndarray, bound: float, lower: np.ndarray,
                          upper: np.ndarray) -> tuple[Result, Children]:
        """Branch so that ``x``'s assignment ends up in a child of its own: on an integer
        column with room (``x``'s value goes down, the rest up), else on an SOS set."""
        ints = self.integer_cols
        open_ints = ints[lower[ints] < upper[ints]]
        if open_ints.size:
            col = int(open_ints[np.argmax(upper[open_ints] - lower[open_ints])])
            return self._split_column(node, col, x, bound, lower, upper)
        unsettled, free = self._unsettled_sos(lower, upper)
        return self._branch_sos(node, unsettled, free)

    def _split_column(self, node: Node, col: int, x: np.ndarray, bound: float,
                      lower: np.ndarray, upper: np.ndarray) -> tuple[Result, Children]:
        """Branch on integer column ``col`` (with room in the node) so both children
        shrink the domain: at ``x[col]`` when it lies strictly between two integers of the
        domain, else between its rounded value and the next integer with room."""
        value = float(x[col])
        down, up = math.floor(value), math.ceil(value)
        if not (down < value < up and lower[col] <= down and up <= upper[col]):
            rounded = min(max(round(value), lower[col]), upper[col])
            value = rounded + 0.5 if rounded < upper[col] else rounded - 0.5
        node.basis = self.lp.get_basis()
        return Result.BRANCHED, column_children(node, col, value, bound, bound, lower, upper)

    def _branch_sos(self, node: Node, violated: tuple[str, np.ndarray], x: np.ndarray,
                    ) -> tuple[Result, Children]:
        """Split a violated special ordered set into two children (no binaries, no M)."""
        node.basis = self.lp.get_basis()
        left, right = sos_children(*violated, x)
        self.sos_branchings += 1
        return Result.BRANCHED, (node.child(left, node.bound), node.child(right, node.bound))
