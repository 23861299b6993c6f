"""The pipeline: a list of passes that is itself a pass, and the reformulation it builds.

Each pass is a small object with ``accepts(item, target)``, ``apply(item, target)`` (adds
rows, columns or SOS sets to the target and returns what its ``invert`` needs) and
``invert(data, x, witness)`` (maps the solver's values back: today, the branch taken by
each reified condition and step). The first pass that accepts an item lowers it; inverses
run in reverse order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from branchwise.deadline import NO_DEADLINE, Deadline, TimeLimitReached
from branchwise.problem import Problem
from branchwise.relaxations.bounds import LPSolver, model_bounds
from branchwise.relaxations.choice import Options
from branchwise.relaxations.complementarity import ComplementarityPass
from branchwise.relaxations.conditional import IfThenElsePass
from branchwise.relaxations.convexity import analyse
from branchwise.relaxations.decision_tree import group_decision_trees
from branchwise.relaxations.epigraph_equality import relax_epigraph_equalities
from branchwise.relaxations.hull import HullPass
from branchwise.relaxations.indicator import IndicatorPass
from branchwise.relaxations.linearize import LinearizePass
from branchwise.relaxations.piecewise import PiecewisePass
from branchwise.relaxations.requirement import requirements
from branchwise.relaxations.semicontinuous import SemicontinuousPass
from branchwise.relaxations.sos import SOSPass
from branchwise.relaxations.steps import StepsPass
from branchwise.relaxations.target import Target
from branchwise.relaxations.tree_formulation import DecisionTreePass

if TYPE_CHECKING:
    from branchwise.model import Model


class Chain:
    """Passes tried in order on each item; itself a pass."""

    def __init__(self, passes: list[Any]) -> None:
        self.passes = passes

    def accepts(self, item: Any, target: Target) -> bool:
        return any(p.accepts(item, target) for p in self.passes)

    def apply(self, item: Any, target: Target) -> tuple[Any, Any]:
        for p in self.passes:
            if p.accepts(item, target):
                return p, p.apply(item, target)
        raise TypeError(f"no reformulation for {item!r}")

    def invert(self, data: tuple[Any, Any], x: np.ndarray, witness: dict) -> None:
        p, inner = data
        p.invert(inner, x, witness)


def default_chain() -> Chain:
    """Every construct's pass; the hull comes before the indicator pass it refines."""
    return Chain([SemicontinuousPass(), SOSPass(), ComplementarityPass(), HullPass(),
                  IndicatorPass(), LinearizePass(), DecisionTreePass(), IfThenElsePass(),
                  PiecewisePass(), StepsPass()])


@dataclass
class Reformulation:
    """A model's MILP and the way back from its solutions to the model's variables."""

    problem: Problem
    chain: Chain
    records: list[tuple[Any, Any]]
    n_model_columns: int
    #: The name of the epigraph row (and column) of a nonlinear objective, else None.
    objective_row: str | None = None

    def invert(self, x: np.ndarray) -> tuple[np.ndarray, dict]:
        """The model's column values and the witness (branch taken per reified node)."""
        x = np.asarray(x, dtype=float)
        witness: dict = {}
        for record in reversed(self.records):
            self.chain.invert(record, x, witness)
        return x[:self.n_model_columns].copy(), witness


def reformulate(model: Model, mode: str = "auto", native_sos: bool = True,
                obbt: bool = False, lp: LPSolver | None = None,
                deadline: Deadline = NO_DEADLINE) -> Reformulation:
    """Lower every construct of ``model`` into one :class:`Problem` (see :mod:`.choice`).

    Raises :class:`TimeLimitReached` when ``deadline`` passes before the problem is whole
    (a part of a reformulation is no problem to solve)."""
    options = Options(mode, native_sos, model.strict_gap, obbt)
    used, relaxed = analyse(model)
    lowered, absorbed = group_decision_trees(model, used)
    semicontinuous = model.semicontinuous_columns()
    items = [*semicontinuous, *model.sos_sets, *requirements(model), *lowered]
    bounds = model_bounds(model, used, lp, obbt, propagate=bool(items), deadline=deadline)
    target = Target(model, bounds, options, [d for d in used if d.column not in absorbed],
                    relaxed)
    chain = default_chain()
    records = []
    for item in items:
        if deadline.expired():
            raise TimeLimitReached(f"the time limit passed while reformulating {model.name!r}")
        records.append(chain.apply(item, target))
    problem, epigraphs = relax_epigraph_equalities(target.problem())
    return Reformulation(problem, chain, [*records, *([epigraphs] if epigraphs else [])],
                         model.n_vars, target.objective_row)
