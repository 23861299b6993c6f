"""The typed options that steer a search (never environment variables)."""

from __future__ import annotations

import math
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace

import numpy as np
import scipy.sparse as sp

from branchwise.core.deadline import Deadline
from branchwise.core.tolerances import ABSOLUTE_GAP, RELATIVE_GAP


@dataclass
class SolveOptions:
    """Limits and switches for one branch-and-bound run.

    ``time_limit`` counts from the moment the options are made: :attr:`deadline` is that
    moment plus the limit, the one clock every phase of the run reads (``replace(options,
    time_limit=t)`` makes options whose deadline is ``t`` from then)."""

    time_limit: float = math.inf
    node_limit: int | None = None
    gap: float = RELATIVE_GAP
    absolute_gap: float = ABSOLUTE_GAP
    threads: int = 1
    log: bool = False
    log_interval: float = 1.0
    #: Candidates whose pseudocost has fewer observations than this get strong-branched.
    reliability: int = 4
    #: Most candidates strong-branched at one node.
    strong_branch_candidates: int = 8
    #: Simplex iteration cap for one strong-branching child.
    strong_branch_iterations: int = 50
    #: Reduce the problem with HiGHS's MIP presolve before the search.
    presolve: bool = True
    #: Tighten bounds from row activities at the root and at every node.
    propagation: bool = True
    #: Most rounds of Gomory cuts at the root (0 switches cuts off).
    cut_rounds: int = 20
    #: Run the feasibility pump at the root while there is no incumbent (finds one sooner,
    #: usually a poor one, which measured slower overall: off by default).
    feasibility_pump: bool = False
    #: Branch on the reformulation's logic columns (Problem.logic_columns: indicators and
    #: disjunct binaries) before any other fractional integer column.
    logic_priority: bool = True
    #: Run the diving heuristic every this many nodes (0 switches it off).
    dive_frequency: int = 20
    #: Which open node to take when a plunge ends: the best bound ("bound") or the best
    #: pseudocost estimate of the node's optimum, with every tenth pick by best bound
    #: ("estimate").
    node_selection: str = "bound"
    #: A problem whose continuous relaxation is not convex is refused ("error") or searched
    #: as a heuristic ("heuristic": local NLP solves, the result says nothing is proven).
    nonconvex: str = "error"
    #: How a convex quadratic objective is relaxed at the nodes: HiGHS's QP solver ("qp")
    #: or an epigraph row linearised into the LP ("outer").
    quadratic_objective: str = "qp"
    #: With nonlinear rows: solve the continuous NLP at the root and linearise at its
    #: optimum before the first LP.
    root_nlp: bool = True
    #: With nonlinear rows: also solve the NLP over every node's domain whose LP point
    #: still violates a row after the cut rounds, and linearise at its optimum (an NLP
    #: bound per node instead of outer approximation alone).
    node_nlp: bool = False
    #: Called as each node's solve begins, with the nodes counted so far (this one
    #: included) and the open nodes then queued: how a caller watches the tree grow
    #: (benchmarks/open_nodes.py). Searches run inside the search (sub-MIPs, the
    #: unboundedness check) do not call it.
    on_node: Callable[[int, int], None] | None = field(default=None, repr=False,
                                                       compare=False)
    #: Called with every new incumbent (the point and :func:`~.watch.progress`'s dict),
    #: and at the log's rate with that dict; True from either stops the search
    #: ("interrupted"). Searches run inside the search do not call them.
    on_incumbent: Callable[[np.ndarray, dict], bool | None] | None = field(
        default=None, repr=False, compare=False)
    on_progress: Callable[[dict], bool | None] | None = field(default=None, repr=False,
                                                              compare=False)
    #: Called with every candidate incumbent (a point of the problem); rows it returns,
    #: ``(A, lower, upper)`` over the problem's columns, join the LP for good, and the
    #: candidate is rejected when it breaks one of them (lazy constraints). Turns HiGHS's
    #: presolve off: the rows speak of the columns it would remove.
    lazy: Callable[[np.ndarray], tuple[sp.csr_matrix, np.ndarray, np.ndarray] | None] | None \
        = field(default=None, repr=False, compare=False)
    #: Keep this many best solutions distinct in their integer columns
    #: (``SolveReport.pool``): the search then prunes only nodes that cannot beat the
    #: worst kept one, and goes on past an integral point while its node holds others
    #: (on problems without nonlinear rows: with them the pool keeps the points the search
    #: meets, which need not be the best ones).
    pool: int = 1
    #: An objective value some known point reaches (a completed MIP start's), in the
    #: problem's own sense: the search prunes every node that cannot beat it by the gap, as
    #: if that point were its incumbent, and ends "infeasible" when nothing beats it.
    cutoff: float | None = None
    #: When the time limit runs out. Set from ``time_limit`` here and again by
    #: :meth:`started`, which every solve calls first: options built once and reused (a
    #: module constant, a loop) give each solve its whole limit, however long ago they were
    #: made.
    deadline: Deadline = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.time_limit is None:
            self.time_limit = math.inf
        if not self.time_limit >= 0:
            raise ValueError(f"time_limit must be a non-negative number of seconds, "
                             f"not {self.time_limit!r}")
        self.deadline = Deadline(self.time_limit)
        if self.node_limit is not None and self.node_limit < 0:
            raise ValueError("node_limit must be non-negative")
        if self.gap < 0 or self.absolute_gap < 0:
            raise ValueError("gaps must be non-negative")
        if not (isinstance(self.pool, int) and self.pool >= 1):
            raise ValueError("pool must be a whole number of solutions, at least 1")
        if self.threads < 1:
            raise ValueError("threads must be at least 1")
        if self.node_selection not in ("bound", "estimate"):
            raise ValueError("node_selection must be 'bound' or 'estimate'")
        if self.nonconvex not in ("error", "heuristic"):
            raise ValueError("nonconvex must be 'error' or 'heuristic'")
        if self.quadratic_objective not in ("qp", "outer"):
            raise ValueError("quadratic_objective must be 'qp' or 'outer'")

    def nested(self, **changes) -> SolveOptions:
        """Options for a search run inside the one these steer (a sub-MIP, the
        unboundedness check): ``changes`` applied as by ``replace``, and neither the log
        nor the callbacks, which report on the outer search, nor its :attr:`cutoff`."""
        quiet = dict.fromkeys(CALLBACKS) | {"log": False, "cutoff": None}
        return replace(self, **(quiet | changes))

    def started(self) -> SolveOptions:
        """A copy of these options whose time limit counts from now."""
        return replace(self)


#: The options that are functions the search calls.
CALLBACKS = frozenset({"on_node", "on_incumbent", "on_progress", "lazy"})


def option_names() -> frozenset[str]:
    """The options a caller may set by name (every field but the derived deadline)."""
    return frozenset(f.name for f in fields(SolveOptions) if f.init)


def options_from(settings: dict[str, object]) -> SolveOptions:
    """Options from ``{name: value}`` (``Model.solve``'s keywords); a name that is not an
    option is refused in one line that lists them."""
    unknown = sorted(set(settings) - option_names())
    if unknown:
        raise TypeError(f"unknown solve option {unknown[0]!r}; the options are "
                        f"{', '.join(sorted(option_names()))}")
    return SolveOptions(**settings)


def parse_setting(text: str) -> tuple[str, object]:
    """``"name=value"`` (``--option`` on the command line) as the option's name and its
    value converted to the option's type (``true``/``false`` for switches, ``none`` for an
    absent limit); the callbacks (:data:`CALLBACKS`) have no text form."""
    name, equals, raw = text.partition("=")
    name = name.strip().replace("-", "_")
    settable = option_names() - CALLBACKS
    if not equals or name not in settable:
        raise ValueError(f"{text!r} is not NAME=VALUE for a solve option (the options are "
                         f"{', '.join(sorted(settable))})")
    hint = typing.get_type_hints(SolveOptions)[name]
    kinds = typing.get_args(hint) or (hint,)
    value = raw.strip()
    if value.lower() == "none" and type(None) in kinds:
        return name, None
    try:
        return name, _converted(value, next(k for k in kinds if k is not type(None)))
    except ValueError:
        raise ValueError(f"option {name}: {value!r} is not of type {kinds[0].__name__}") from None


def _converted(value: str, kind: type) -> object:
    """``value`` read as ``kind`` (bool, int, float or str)."""
    if kind is bool:
        switches = {"true": True, "on": True, "yes": True, "1": True,
                    "false": False, "off": False, "no": False, "0": False}
        if value.lower() not in switches:
            raise ValueError(value)
        return switches[value.lower()]
    return kind(value)
