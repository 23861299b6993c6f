"""Search-tree nodes stored as bound-change diffs, and the queue of open nodes."""

from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass

import highspy
import numpy as np


class BoundChange:
    """One link of an append-only trail: column ``col`` gets bounds ``[lower, upper]``.

    A node keeps only its last link; earlier links are shared with its ancestors and
    siblings, so memory grows with the number of branchings, not nodes × columns.
    """

    __slots__ = ("parent", "col", "lower", "upper", "depth")

    def __init__(self, parent: BoundChange | None, col: int, lower: float, upper: float) -> None:
        self.parent = parent
        self.col = col
        self.lower = lower
        self.upper = upper
        self.depth = 0 if parent is None else parent.depth + 1

    def apply(self, lower: np.ndarray, upper: np.ndarray,
              stop: BoundChange | None = None) -> None:
        """Write this trail's bounds into ``lower``/``upper``, back to (not including)
        ``stop``; changes only ever tighten, so their order does not matter."""
        cols, lows, ups = [], [], []
        link: BoundChange | None = self
        while link is not None and link is not stop:
            cols.append(link.col)
            lows.append(link.lower)
            ups.append(link.upper)
            link = link.parent
        if cols:
            np.maximum.at(lower, cols, lows)
            np.minimum.at(upper, cols, ups)


@dataclass(eq=False)
class Node:
    """An open subproblem: its bound trail, the parent's LP bound and a warm-start basis."""

    changes: BoundChange | None
    bound: float
    depth: int
    basis: highspy.HighsBasis | None = None
    #: (column, direction, parent's value, parent's bound): what the parent branched on,
    #: so the node's LP can teach the pseudocosts.
    branched: tuple[int, int, float, float] | None = None
    #: The parent's trail at branching time: this node's own changes are the links above it.
    parent_changes: BoundChange | None = None
    #: The root domain's version when the trail last took in a propagation (-1: never);
    #: while the root stays at that version, propagating from the links after ``settled``
    #: is enough.
    root_version: int = -1
    #: The trail as it stood right after the last propagation along this path: the links
    #: above it (branchings, strong-branching and reduced-cost fixings) are unpropagated.
    settled: BoundChange | None = None
    #: The best-estimate selection's guess of the best objective inside the node (-inf: none).
    estimate: float = -math.inf

    def child(self, changes: list[tuple[int, float, float]], bound: float) -> Node:
        """A child that adds bound changes ``(column, lower, upper)`` and shares this
        node's basis; it remembers where its own changes start."""
        trail = self.changes
        for col, lower, upper in changes:
            trail = BoundChange(trail, col, lower, upper)
        return Node(trail, bound, self.depth + 1, self.basis, parent_changes=self.changes,
                    root_version=self.root_version, settled=self.settled)

    def unsettled_columns(self) -> np.ndarray:
        """Columns changed by the links no propagation has seen yet (above ``settled``)."""
        cols = []
        link = self.changes
        while link is not None and link is not self.settled:
            cols.append(link.col)
            link = link.parent
        return np.array(cols, dtype=np.int64)

    def domain(self, root_lower: np.ndarray, root_upper: np.ndarray,
               parent_domain: tuple[np.ndarray, np.ndarray] | None = None,
               ) -> tuple[np.ndarray, np.ndarray]:
        """Column bounds at this node: the root's with the whole trail applied, or, when
        the parent's bounds are at hand, the parent's with just this node's changes."""
        if parent_domain is not None:
            lower, upper = parent_domain[0].copy(), parent_domain[1].copy()
            if self.changes is not None:
                self.changes.apply(lower, upper, stop=self.parent_changes)
            return lower, upper
        lower, upper = root_lower.copy(), root_upper.copy()
        if self.changes is not None:
            self.changes.apply(lower, upper)
        return lower, upper


class NodeQueue:
    """Open nodes, taken by best (lowest) bound, deeper nodes first on ties; or, with
    ``bound_every`` set, by best estimate except every ``bound_every``-th pop, which takes
    the best bound so the global bound keeps moving (SCIP's best estimate with plunging).
    A node taken through one order stays in the other until it surfaces there; once such
    stale entries outnumber the open nodes, both orders are rebuilt without them, so the
    queue never holds (and keeps alive) more taken nodes than open ones, at O(1) per pop
    amortised.

    With ``basis_limit`` set, the queue bounds the memory of warm starts: once it holds
    more nodes than that, the stored bases are dropped in one walk and every node pushed
    later comes in without one, until the queue has shrunk to half the limit. Each walk
    follows at least ``basis_limit / 2`` pops, so dropping costs O(1) per push amortised."""

    def __init__(self, bound_every: int | None = None,
                 basis_limit: int | None = None) -> None:
        self._by_bound: list[tuple[float, int, int, Node]] = []
        self._by_estimate: list[tuple[float, int, int, Node]] = []
        self._gone: set[int] = set()
        self._counter = itertools.count()
        self._bound_every = bound_every
        self._pops = 0
        self._size = 0
        self._basis_limit = basis_limit
        self._without_bases = False  # past the limit: pushed nodes keep no basis

    def __len__(self) -> int:
        return self._size

    def push(self, node: Node) -> None:
        self._size += 1
        if self._basis_limit is not None and self._size > self._basis_limit:
            if not self._without_bases:
                self._drop_bases()
                self._without_bases = True
            node.basis = None
        key = next(self._counter)
        heapq.heappush(self._by_bound, (node.bound, -node.depth, key, node))
        if self._bound_every is not None:
            estimate = node.estimate if math.isfinite(node.estimate) else node.bound
            heapq.heappush(self._by_estimate, (estimate, -node.depth, key, node))

    def pop(self) -> Node:
        self._size -= 1
        self._pops += 1
        if self._without_bases and self._size <= (self._basis_limit or 0) // 2:
            self._without_bases = False
        by_bound = self._bound_every is None or self._pops % self._bound_every == 0
        heap = self._by_bound if by_bound else self._by_estimate
        self._drop_gone(heap)
        entry = heapq.heappop(heap)
        if self._bound_every is not None:
            self._gone.add(entry[2])
            if len(self._gone) > self._size:
                self._rebuild()
        return entry[-1]

    def best_bound(self) -> float:
        """Lowest bound among open nodes (inf when empty)."""
        self._drop_gone(self._by_bound)
        return self._by_bound[0][0] if self._by_bound else np.inf

    def prune(self, cutoff: float) -> int:
        """Drop every node whose bound reaches ``cutoff``; return how many went."""
        before = len(self)
        self._rebuild(cutoff)
        return before - self._size

    def _rebuild(self, cutoff: float | None = None) -> None:
        """Rebuild both orders from the open nodes (those whose bound is below ``cutoff``,
        when given), without the stale entries of nodes already taken (one walk of each)."""
        keep = [e for e in self._by_bound
                if e[2] not in self._gone and (cutoff is None or e[0] < cutoff)]
        kept_keys = {e[2] for e in keep}
        self._by_bound = keep
        self._by_estimate = [e for e in self._by_estimate if e[2] in kept_keys]
        heapq.heapify(self._by_bound)
        heapq.heapify(self._by_estimate)
        self._gone.clear()
        self._size = len(keep)

    def _drop_bases(self) -> None:
        """Forget the stored warm starts of every queued node (one walk of the queue)."""
        for entry in self._by_bound:
            entry[-1].basis = None

    def _drop_gone(self, heap: list) -> None:
        """Pop entries already taken through the other order off the top of ``heap``."""
        while heap and heap[0][2] in self._gone:
            self._gone.discard(heapq.heappop(heap)[2])


def column_children(node: Node, col: int, value: float, down_bound: float, up_bound: float,
                    lower: np.ndarray, upper: np.ndarray) -> tuple[Node, Node]:
    """The two children of branching on integer column ``col`` at ``value`` (within the
    node's domain ``[lower, upper]``), the one to plunge into first: up when ``value``'s
    fraction is at least one half. Each remembers the branching, for the pseudocosts."""
    down = node.child([(col, lower[col], math.floor(value))], max(down_bound, node.bound))
    up = node.child([(col, math.ceil(value), upper[col])], max(up_bound, node.bound))
    down.branched = (col, 0, value, node.bound)
    up.branched = (col, 1, value, node.bound)
    return (up, down) if value - math.floor(value) >= 0.5 else (down, up)


def record_changes(node: Node, lower: np.ndarray, upper: np.ndarray,
                   old_lower: np.ndarray, old_upper: np.ndarray) -> None:
    """Append to the node's trail every column whose bounds moved from the old ones, so
    that its children rebuild them without redoing the work."""
    for col in np.flatnonzero((lower != old_lower) | (upper != old_upper)):
        node.changes = BoundChange(node.changes, int(col), lower[col], upper[col])
