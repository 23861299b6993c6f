"""The engine's plugin points and the default set that fills them.

Five kinds, as in SCIP: :class:`Heuristic`, :class:`Separator`, :class:`Propagator`,
:class:`BranchingRule` and :class:`NodeSelector`. Every plugin has a ``name``, a
``priority`` (higher runs first) and its tunables in a frozen ``parameters`` dataclass; it
is made before the search exists and gets what it works on (the node LP, the incumbent)
once, through :meth:`Plugin.setup`. The search walks each kind by priority and knows no
concrete plugin: :func:`default_plugins` is the one place that names them.

Every call the loop makes on a plugin answers with one :class:`Result`.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from branchwise.core.deadline import NO_DEADLINE, Deadline
from branchwise.core.problem import Problem
from branchwise.solver.options import SolveOptions

if TYPE_CHECKING:
    from branchwise.solver.branch.pseudocosts import Pseudocosts
    from branchwise.solver.relax.lp import NodeLP
    from branchwise.solver.tree.incumbent import Incumbent
    from branchwise.solver.tree.nodes import Node


class Result(enum.Enum):
    """What a plugin call (or a step of the loop built from such calls) did.

    DIDNOTRUN       the plugin was not due here (its frequency, budget or preconditions)
    NOTHING         it ran and changed nothing
    FOUND           a heuristic offered a point that became the incumbent
    CUTOFF          the node holds nothing better than the incumbent: close it
    REDUCED_DOMAIN  bounds were tightened (a branching rule's tightenings mean: solve the
                    node's LP again before branching)
    SEPARATED       rows went into the LP: solve the node's LP again
    BRANCHED        the node was split into children
    """

    DIDNOTRUN = "didnotrun"
    NOTHING = "nothing"
    FOUND = "found"
    CUTOFF = "cutoff"
    REDUCED_DOMAIN = "reduced_domain"
    SEPARATED = "separated"
    BRANCHED = "branched"


@dataclass(frozen=True)
class SearchSetup:
    """What a plugin may keep for the whole search: the problem, the node LP it shares
    with the loop, the incumbent (read live), the pseudocosts and the run's clock."""

    problem: Problem
    options: SolveOptions
    lp: NodeLP
    integer_cols: np.ndarray
    incumbent: Incumbent
    pseudocosts: Pseudocosts
    #: The run's deadline, a ``time.perf_counter`` time.
    deadline: float


@dataclass(frozen=True)
class NoParameters:
    """The parameters of a plugin without tunables."""


class Plugin:
    """Name, priority and parameters; :meth:`setup` hands over the search's objects."""

    name = "plugin"
    #: Default priority of the class; an instance may be given another.
    priority = 0
    Parameters: type = NoParameters

    def __init__(self, parameters: object | None = None, priority: int | None = None) -> None:
        if parameters is not None and not isinstance(parameters, self.Parameters):
            raise TypeError(f"{self.name} takes {self.Parameters.__name__}, not "
                            f"{type(parameters).__name__}")
        self.parameters = self.Parameters() if parameters is None else parameters
        if priority is not None:
            self.priority = priority

    def setup(self, search: SearchSetup) -> None:
        """Called once before the search starts (SCIP's INITSOL)."""

    def stats(self) -> dict:
        """Counters of this plugin for the search's statistics (none by default)."""
        return {}


@dataclass
class HeuristicContext:
    """What a primal heuristic sees at a node: the LP point and the node's domain."""

    x: np.ndarray
    fractional: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    cutoff: float
    nodes: int
    lp_iterations: int  # node-LP simplex iterations spent by the search so far
    #: The run's clock: a heuristic stops at it and returns what it has (or None).
    deadline: Deadline = NO_DEADLINE

    @property
    def at_root(self) -> bool:
        return self.nodes == 0


class Heuristic(Plugin):
    """Proposes integer-feasible points; the incumbent verifies them.

    Heuristics that change the LP must restore its bounds and basis before returning.
    """

    name = "heuristic"
    #: Simplex iterations the heuristic has spent (those that solve LPs count them).
    lp_iterations = 0

    def setup(self, search: SearchSetup) -> None:
        self.incumbent = search.incumbent

    def call(self, context: HeuristicContext) -> Result:
        """Run if due and offer the point found: FOUND when it became the incumbent,
        NOTHING when there was none or it was refused, DIDNOTRUN when not due."""
        if not self.should_run(context):
            return Result.DIDNOTRUN
        found = self.run(context)
        if found is None or not self.incumbent.offer(found, self.name, context.lower,
                                                      context.upper):
            return Result.NOTHING
        return Result.FOUND

    def should_run(self, context: HeuristicContext) -> bool:
        """Whether to run at this node (frequency and work budget live here)."""
        return True

    def run(self, context: HeuristicContext) -> np.ndarray | None:
        """A candidate point (checked by the incumbent), or None."""
        raise NotImplementedError


class Separator(Plugin):
    """Finds cuts violated by an LP optimum; the cut pool picks which go in, so the call
    returns candidates (the round of all separators answers SEPARATED or NOTHING)."""

    name = "separator"

    def separate(self, lp: NodeLP, x: np.ndarray) -> list:
        """Cuts violated by the LP optimum ``x`` (the LP must be solved to optimality)."""
        raise NotImplementedError


class Timing(enum.Enum):
    """When the search calls a propagator."""

    #: On a node's domain before its LP (and on the root's before the first one).
    DOMAIN = "domain"
    #: On a node's domain after its LP was solved to optimality (its point at hand).
    NODE_LP = "node_lp"
    #: On the root domain: after the root LP, and again when the incumbent improves.
    GLOBAL = "global"


@dataclass
class PropagationContext:
    """A domain to tighten in place, with what the propagator may start from."""

    timing: Timing
    lower: np.ndarray
    upper: np.ndarray
    #: Columns whose bounds moved since the domain was last propagated (None: all).
    changed: np.ndarray | None = None
    #: The objective of the LP solved over this domain (timing NODE_LP; GLOBAL right
    #: after the root LP, with its reduced costs), else None.
    objective: float | None = None
    reduced_costs: np.ndarray | None = None


class Propagator(Plugin):
    """Tightens a domain: CUTOFF when it is empty, REDUCED_DOMAIN when bounds moved."""

    name = "propagator"
    #: The timings at which the search calls it.
    timings: frozenset[Timing] = frozenset()

    def propagate(self, context: PropagationContext) -> Result:
        """Tighten ``context.lower``/``context.upper`` in place."""
        raise NotImplementedError


@dataclass
class BranchingContext:
    """A node's LP optimum with fractional integer columns, and how often this node's
    LP was solved again after a branching rule tightened its domain."""

    x: np.ndarray
    bound: float
    fractional: np.ndarray
    cutoff: float
    tightening_round: int


@dataclass
class Branching:
    """A branching rule's answer: BRANCHED on ``col`` at ``value`` (children bounded by
    ``down_bound``/``up_bound``), REDUCED_DOMAIN by ``tightenings`` ``(column, lower,
    upper)``, CUTOFF (both sides of some column are dead) or DIDNOTRUN."""

    result: Result
    col: int = -1
    value: float = 0.0
    down_bound: float = -math.inf
    up_bound: float = -math.inf
    tightenings: list[tuple[int, float, float]] = field(default_factory=list)


class BranchingRule(Plugin):
    """Picks how to split a node whose LP point is fractional."""

    name = "branching"

    def branch(self, context: BranchingContext) -> Branching:
        """How to split the node (or tighten it, or close it); DIDNOTRUN leaves the
        choice to the next rule."""
        raise NotImplementedError


@dataclass
class BranchPoint:
    """Where a node was branched by a rule: what a best-estimate selection needs."""

    x: np.ndarray
    fractional: np.ndarray
    bound: float
    col: int


class NodeSelector(Plugin):
    """Owns the open nodes: takes them in, picks the next, and decides on plunging."""

    name = "node_selector"

    def insert(self, node: Node) -> None:
        """Take in an open node (the root)."""
        raise NotImplementedError

    def select(self) -> Node | None:
        """The next open node to process (None once the tree is exhausted)."""
        raise NotImplementedError

    def descend(self, first: Node, second: Node, point: BranchPoint | None) -> Node | None:
        """Take in a node's two children (``first`` preferred): the child to plunge
        into, or None with both queued."""
        raise NotImplementedError

    def best_bound(self) -> float:
        """Lowest bound among open nodes (inf when none)."""
        raise NotImplementedError

    def __len__(self) -> int:
        """How many nodes are open."""
        raise NotImplementedError


P = TypeVar("P", bound=Plugin)


class Plugins:
    """An immutable set of plugins with distinct names; each kind in priority order."""

    def __init__(self, *plugins: Plugin) -> None:
        names = [plugin.name for plugin in plugins]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"plugin names must be distinct: {', '.join(repeated)}")
        self._plugins = tuple(plugins)

    def __iter__(self) -> Iterator[Plugin]:
        return iter(self._plugins)

    @property
    def names(self) -> list[str]:
        """The plugins' names, in the order they were given."""
        return [plugin.name for plugin in self._plugins]

    def without(self, *names: str) -> Plugins:
        """This set less the plugins of these names (each must be in it)."""
        self._check(names)
        return Plugins(*(plugin for plugin in self._plugins if plugin.name not in names))

    def plus(self, *plugins: Plugin) -> Plugins:
        """This set with more plugins."""
        return Plugins(*self._plugins, *plugins)

    def only(self, kind: type[Plugin], names: Iterable[str]) -> Plugins:
        """This set with just the named plugins of ``kind`` (the other kinds kept)."""
        keep = set(names)
        self._check(keep)
        return Plugins(*(plugin for plugin in self._plugins
                         if not isinstance(plugin, kind) or plugin.name in keep))

    def _check(self, names: Iterable[str]) -> None:
        unknown = sorted(set(names) - set(self.names))
        if unknown:
            raise KeyError(f"no plugin named {unknown[0]!r} (there are: "
                           f"{', '.join(self.names)})")

    def of(self, kind: type[P]) -> list[P]:
        """The plugins of one kind, highest priority first (ties in insertion order)."""
        chosen = [plugin for plugin in self._plugins if isinstance(plugin, kind)]
        return sorted(chosen, key=lambda plugin: -plugin.priority)


def default_plugins(problem: Problem, options: SolveOptions) -> Plugins:
    """The plugins a search runs unless told otherwise: the Scholtes heuristic only for
    SOS1 sets in a nonlinear or quadratic relaxation, the feasibility pump when asked."""
    from branchwise.solver.branch.reliability import ReliabilityBranching
    from branchwise.solver.heur.feasibility_pump import FeasibilityPump
    from branchwise.solver.heur.guided_diving import GuidedDiving
    from branchwise.solver.heur.heuristics import FractionalDiving, SimpleRounding
    from branchwise.solver.heur.logic_fixing import LogicFixing
    from branchwise.solver.heur.rens import Rens
    from branchwise.solver.heur.rins import Rins
    from branchwise.solver.heur.smoothing import ScholtesHeuristic
    from branchwise.solver.prop.propagation import ActivityPropagation, ReducedCostFixing
    from branchwise.solver.sepa.clique import CliqueSeparator
    from branchwise.solver.sepa.cuts import GomorySeparator
    from branchwise.solver.sepa.knapsack_cover import KnapsackCoverSeparator
    from branchwise.solver.sepa.mir import MIRSeparator
    from branchwise.solver.tree.node_selection import BestFirstPlunging

    plugins = [
        SimpleRounding(), LogicFixing(), FractionalDiving(), Rens(), GuidedDiving(), Rins(),
        GomorySeparator(), MIRSeparator(), KnapsackCoverSeparator(), CliqueSeparator(),
        ActivityPropagation(), ReducedCostFixing(), ReliabilityBranching(),
        BestFirstPlunging(),
    ]
    quadratic = problem.Q is not None and problem.Q.nnz > 0
    if problem.sos1 and (problem.has_nonlinear_rows or quadratic):
        plugins.append(ScholtesHeuristic())
    if options.feasibility_pump:
        plugins.append(FeasibilityPump())
    return Plugins(*plugins)
