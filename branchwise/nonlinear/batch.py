"""Many nonlinear expressions evaluated as one: their DAGs rebuilt from the same node types
with every group of same-kind nodes at one depth merged into one node over stacked arrays.

Evaluating a small node costs numpy's per-call overhead, whatever its size, and a model
gives one block per constraint: 41 rows ``a·x + log(b·x)`` are 41 x 4 nodes one by one,
but 4 nodes (and the gathers that line their inputs up) when merged. The merged DAG is
made of :mod:`~branchwise.nonlinear.nodes` types only, so values and derivatives keep one home.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import scipy.sparse as sp

from branchwise.nonlinear.graph import Evaluator, ExpressionFunction, postorder
from branchwise.nonlinear.nodes import Affine, Elementwise, Linear, Node, Norm2, Product, Quotient

#: Where a node's values sit in the merged DAG: (merged node, offset).
Places = dict[int, tuple[Node, int]]


def merged(roots: list[Node]) -> Node:
    """A node whose value is the roots' values one after another."""
    order: list[Node] = []
    seen: set[int] = set()
    for root in roots:
        fresh = [node for node in postorder(root) if id(node) not in seen]
        seen.update(id(node) for node in fresh)
        order.extend(fresh)
    depth: dict[int, int] = {}
    groups: dict[tuple[int, Hashable], list[Node]] = {}
    for node in order:
        depth[id(node)] = 1 + max((depth[id(c)] for c in node.children), default=-1)
        groups.setdefault((depth[id(node)], _kind(node)), []).append(node)
    places: Places = {}
    for key in sorted(groups, key=lambda k: k[0]):
        members = groups[key]
        node, offset = _merge(members, places), 0
        for member in members:
            places[id(member)] = (node, offset)
            offset += member.size
    return _gather(roots, places)


def _kind(node: Node) -> Hashable:
    """Nodes of one kind at one depth merge into one (equal atoms for elementwise)."""
    if isinstance(node, Elementwise):
        return "elementwise", node.atom
    if isinstance(node, (Affine, Linear, Product, Quotient)):
        return type(node).__name__
    return "alone", id(node)


def _merge(members: list[Node], places: Places) -> Node:
    """One node computing ``members``' values one after another."""
    first, size = members[0], sum(m.size for m in members)
    if isinstance(first, Affine):
        width = 1 + max((int(m.arrays[1].max()) for m in members if len(m.arrays[1])),
                        default=-1)
        rows = sp.vstack([sp.csr_matrix((m.arrays[0], m.arrays[1], m.arrays[2]),
                                        shape=(m.size, width)) for m in members], format="csr")
        return Affine(rows.indptr, rows.indices, rows.data,
                      np.concatenate([np.broadcast_to(m.const, m.size) for m in members]),
                      (size,))
    if isinstance(first, Linear):
        return _merge_linear(members, places, size)
    inputs = [_gather([m.children[k] for m in members], places)
              for k in range(len(first.children))]
    if isinstance(first, Elementwise):
        return Elementwise(inputs[0], first.atom)
    if isinstance(first, (Product, Quotient)):
        return type(first)(*inputs)
    if isinstance(first, Norm2):
        return Norm2(inputs[0])
    return first  # a leaf alone (a quadratic): reads x as it is


def _merge_linear(members: list[Linear], places: Places, size: int) -> Linear:
    """Linear members as one: each member's map placed at its rows and at the columns
    where its inputs sit in their merged nodes."""
    entries, row = [], 0
    for member in members:
        for child, m in zip(member.children, member.maps, strict=True):
            coo = m.tocoo()
            entries.append((child, coo.data, coo.row + row, coo.col))
        row += member.size
    return _placed(entries, places, size)


def _gather(nodes: list[Node], places: Places) -> Node:
    """A node whose value is ``nodes``' values one after another: a merged node itself
    when they fill it in order, else a selection from the merged nodes."""
    entries, row = [], 0
    for node in nodes:
        span = np.arange(node.size)
        entries.append((node, np.ones(node.size), span + row, span))
        row += node.size
    gathered = _placed(entries, places, row)
    only = gathered.children[0] if len(gathered.children) == 1 else None
    if only is not None and only.size == row and _is_identity(gathered.maps[0]):
        return only
    return gathered


def _placed(entries: list[tuple[Node, np.ndarray, np.ndarray, np.ndarray]], places: Places,
            size: int) -> Linear:
    """``Σ M_e u_e`` over entries ``(u, values, rows, cols)`` of ``M_e``, each ``u`` read
    where it sits in its merged node."""
    sources: dict[int, tuple[Node, list]] = {}
    for node, data, rows, cols in entries:
        source, offset = places[id(node)]
        sources.setdefault(id(source), (source, []))[1].append((data, rows, cols + offset))
    maps = [sp.csr_matrix((np.concatenate([p[0] for p in parts]),
                           (np.concatenate([p[1] for p in parts]),
                            np.concatenate([p[2] for p in parts]))), shape=(size, source.size))
            for source, parts in sources.values()]
    return Linear([source for source, _ in sources.values()], maps, (size,))


def _is_identity(m: sp.csr_matrix) -> bool:
    return (m.shape[0] == m.shape[1] and m.nnz == m.shape[0]
            and np.array_equal(m.indices, np.arange(m.shape[0])) and np.all(m.data == 1.0))


class StackedFunction:
    """The rows of several :class:`~branchwise.nonlinear.graph.ExpressionFunction` one after
    another, evaluated as one merged DAG; curvature and intervals are the parts' own."""

    def __init__(self, parts: list[ExpressionFunction | StackedFunction]) -> None:
        self.parts: list[ExpressionFunction] = [
            q for p in parts for q in (p.parts if isinstance(p, StackedFunction) else [p])]
        self.n = parts[0].n
        if any(p.n != self.n for p in self.parts):
            raise ValueError("stacked functions need the same columns")
        self.n_out = sum(p.n_out for p in self.parts)
        root = merged([p.order[-1] for p in self.parts])
        self._evaluator = Evaluator(postorder(root), self.n)

    def value(self, x: np.ndarray) -> np.ndarray:
        return self._evaluator.value(x)

    def jacobian(self, x: np.ndarray) -> sp.csr_matrix:
        return self._evaluator.jacobian(x)

    def curvature(self) -> tuple[np.ndarray, np.ndarray]:
        verdicts = [p.curvature() for p in self.parts]
        return (np.concatenate([v[0] for v in verdicts]),
                np.concatenate([v[1] for v in verdicts]))

    def interval(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds on each row over each part's box."""
        bounds = [p.interval() for p in self.parts]
        return np.concatenate([b[0] for b in bounds]), np.concatenate([b[1] for b in bounds])

    def columns(self) -> np.ndarray:
        return np.unique(np.concatenate([p.columns() for p in self.parts])).astype(np.int64)

    def stack(self, others: list[ExpressionFunction | StackedFunction]) -> StackedFunction:
        """These rows and then ``others``' as one function."""
        return StackedFunction([self, *others])
