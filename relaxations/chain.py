"""The reformulation: a table that joins each construct type to the passes that lower it,
and the chain (lower the model's logic, then relax defining equalities) that builds the
problem and maps its solutions back.

Every construct is lowered by a :class:`~.lowering.Lowering` found in :data:`LOWERINGS`
by its type (or a base type). Where several lowerings serve one type, the first in the
listed order whose ``accepts`` takes the item lowers it: the ones that fit only some items
by their content (complementarity, the hull) come before the one that lowers every item
of the type (the indicator pass they refine). Inverses run in reverse order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from branchwise.core.deadline import NO_DEADLINE, Deadline, TimeLimitReached
from branchwise.core.passes import Chain, Pass, invert_in_reverse
from branchwise.core.problem import Problem
from branchwise.declarations import Semicontinuous, SOSSet
from branchwise.functions import Abs, IfThenElse, Max, Min, Piecewise, Steps
from branchwise.relaxations.analysis.bounds import LPSolver, model_bounds
from branchwise.relaxations.analysis.convexity import analyse
from branchwise.relaxations.analysis.decision_tree import DecisionTree, group_decision_trees
from branchwise.relaxations.analysis.requirement import Requirement, requirements
from branchwise.relaxations.choice import Options
from branchwise.relaxations.lowering import Lowering, Solution
from branchwise.relaxations.passes.complementarity import ComplementarityPass
from branchwise.relaxations.passes.conditional import IfThenElsePass
from branchwise.relaxations.passes.epigraph_equality import EpigraphEqualities
from branchwise.relaxations.passes.hull import HullPass
from branchwise.relaxations.passes.indicator import IndicatorPass
from branchwise.relaxations.passes.linearize import LinearizePass
from branchwise.relaxations.passes.piecewise import PiecewisePass
from branchwise.relaxations.passes.semicontinuous import SemicontinuousPass
from branchwise.relaxations.passes.sos import SOSPass
from branchwise.relaxations.passes.steps import StepsPass
from branchwise.relaxations.passes.tree_formulation import DecisionTreePass
from branchwise.relaxations.target import Target

if TYPE_CHECKING:
    from branchwise.model import Model


#: Construct type -> its lowerings, tried in this order (see the module's docstring).
LOWERINGS: dict[type, tuple[type[Lowering], ...]] = {
    Semicontinuous: (SemicontinuousPass,),
    SOSSet: (SOSPass,),
    Requirement: (ComplementarityPass, HullPass, IndicatorPass),
    Abs: (LinearizePass,),
    Max: (LinearizePass,),
    Min: (LinearizePass,),
    DecisionTree: (DecisionTreePass,),
    IfThenElse: (IfThenElsePass,),
    Piecewise: (PiecewisePass,),
    Steps: (StepsPass,),
}


class LowerLogic(Pass):
    """A model's constructs lowered into one :class:`Problem` over the proven bounds (see
    :mod:`.choice` for the modes); ``invert`` maps a solution back through each lowering."""

    def __init__(self, mode: str, native_sos: bool, obbt: bool, lp: LPSolver | None,
                 deadline: Deadline) -> None:
        self.mode, self.native_sos, self.obbt, self.lp = mode, native_sos, obbt, lp
        self.deadline = deadline
        made = {kind: kind() for kinds in LOWERINGS.values() for kind in kinds}
        self.table = {key: [made[kind] for kind in kinds] for key, kinds in LOWERINGS.items()}
        #: The name of the epigraph row (and column) of a nonlinear objective, else None.
        self.objective_row: str | None = None
        #: The columns the last problem fixes because ``invert`` recomputes them.
        self.retired = np.zeros(0, dtype=np.int64)

    def apply(self, model: Model) -> tuple[Problem, list[tuple[Lowering, Any]]]:
        """The problem and (lowering, inverse) per construct; raises
        :class:`TimeLimitReached` when the deadline passes before the problem is whole."""
        options = Options(self.mode, self.native_sos, model.strict_gap, self.obbt)
        used, relaxed = analyse(model)
        lowered, absorbed = group_decision_trees(model, used)
        items = [*model.semicontinuous_columns(), *model.sos_sets, *requirements(model),
                 *lowered]
        bounds = model_bounds(model, used, self.lp, self.obbt, propagate=bool(items),
                              deadline=self.deadline)
        target = Target(model, bounds, options,
                        [d for d in used if d.column not in absorbed], relaxed)
        records = []
        for item in items:
            if self.deadline.expired():
                raise TimeLimitReached(
                    f"the time limit passed while reformulating {model.name!r}")
            lowering = self._lowering(item, target)
            records.append((lowering, lowering.apply(item, target)))
        self.objective_row = target.objective_row
        self.retired = np.array(sorted(target.retired), dtype=np.int64)
        return target.problem(), records

    def invert(self, records: list[tuple[Lowering, Any]], solution: Solution) -> Solution:
        return invert_in_reverse(records, solution)

    def _lowering(self, item: Any, target: Target) -> Lowering:
        """The first lowering listed for ``item``'s type (or a base type) that accepts it."""
        for kind in type(item).__mro__:
            for lowering in self.table.get(kind, ()):
                if lowering.accepts(item, target):
                    return lowering
        raise TypeError(f"no reformulation for {item!r}")


@dataclass
class Reformulation:
    """A model's problem and the way back from its solutions to the model's variables."""

    problem: Problem
    chain: Chain
    #: What ``chain.invert`` needs: the inverse ``chain.apply`` returned.
    inverse: Any
    n_model_columns: int
    #: The name of the epigraph row (and column) of a nonlinear objective, else None.
    objective_row: str | None = None
    #: Columns fixed because the way back recomputes them (see
    #: :meth:`Problem.without_idle_columns`).
    retired: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def invert(self, x: np.ndarray) -> tuple[np.ndarray, dict]:
        """The model's column values and the witness (branch taken per reified node)."""
        solution = self.chain.invert(self.inverse, Solution(np.asarray(x, dtype=float)))
        return solution.x[:self.n_model_columns].copy(), solution.witness


def reformulate(model: Model, mode: str = "auto", native_sos: bool = True,
                obbt: bool = False, lp: LPSolver | None = None,
                deadline: Deadline = NO_DEADLINE) -> Reformulation:
    """Lower every construct of ``model`` into one :class:`Problem` (see :mod:`.choice`),
    then relax the equalities that only define an objective column.

    Raises :class:`TimeLimitReached` when ``deadline`` passes before the problem is whole
    (a part of a reformulation is no problem to solve)."""
    lower = LowerLogic(mode, native_sos, obbt, lp, deadline)
    chain = Chain([lower, EpigraphEqualities()])
    problem, inverse = chain.apply(model)
    return Reformulation(problem, chain, inverse, model.n_vars, lower.objective_row,
                         lower.retired)
