"""Passes over a nonlinear expression's DAG of :mod:`~branchwise.nonlinear.nodes`, and the
:class:`ExpressionFunction` that a Problem's nonlinear rows are made of.

Values go forward from the leaves. The Jacobian comes from one reverse pass: the output's
adjoint starts as the sparse identity, each node hands ``adjoint @ local derivative`` to
its inputs, and each leaf turns what reaches it into rows over the columns. Every sparse
structure in that pass is fixed, so :class:`Reverse` finds them once and each evaluation
only computes the stored values (scipy.sparse objects per node made it 50x slower).
Intervals and curvature go forward from the column bounds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from branchwise.core.sparsekernels import ProductPlan, structure, with_values
from branchwise.nonlinear.nodes import Affine, Curvature, Interval, Node, Quadratic


def postorder(root: Node) -> list[Node]:
    """Every node under ``root`` once, each after all of its inputs."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.children))
    return order


def input_slots(order: list[Node]) -> list[list[int]]:
    """For each node, the positions in ``order`` of its inputs (none for a leaf)."""
    slot = {id(node): i for i, node in enumerate(order)}
    return [[slot[id(c)] for c in node.children] for node in order]


def forward(order: list[Node], x: np.ndarray, inputs: list[list[int]] | None = None
            ) -> list[np.ndarray]:
    """Every node's value at the column vector ``x``, in the order of ``order`` (NaN
    outside a domain); ``inputs`` are :func:`input_slots`, when already known."""
    inputs = input_slots(order) if inputs is None else inputs
    values: list[np.ndarray] = []
    with np.errstate(all="ignore"):
        for node, slots in zip(order, inputs, strict=True):
            values.append(node.value([values[i] for i in slots] if slots else [x]))
    return values


class Reverse:
    """The Jacobian of ``order[-1]`` (its root) over ``n`` columns by adjoints whose
    sparse structures are found once: each evaluation only computes the stored values of
    each node's adjoint ``d root / d node`` and of the Jacobian (the adjoint of ``x``).
    What flows only through constant derivatives from the root (a sum's terms, the
    linear part of a row) is the same at every point, so it is computed here, once."""

    def __init__(self, order: list[Node], n: int, inputs: list[list[int]]) -> None:
        self.order, self.inputs = order, inputs
        patterns = [node.pattern(n) for node in order]
        targets = [slots or [len(order)] for slots in inputs]
        adjoints = [sp.csr_matrix((order[-1].size, node.size)) for node in order]
        adjoints.append(sp.csr_matrix((order[-1].size, n)))
        adjoints[-2] = structure(sp.identity(order[-1].size))
        for i in reversed(range(len(order))):
            for target, local in zip(targets[i], patterns[i], strict=True):
                adjoints[target] = structure(adjoints[target]
                                             + adjoints[i] @ structure(local))
        self.jacobian = adjoints[-1]
        self.fixed = [np.zeros(a.nnz) for a in adjoints]
        self.fixed[-2][:] = 1.0
        varies = [False] * len(adjoints)
        self.steps: list[list[tuple[int, ProductPlan]]] = [[] for _ in order]
        for i in reversed(range(len(order))):
            varies[i] = varies[i] or not order[i].constant_derivative  # what i hands on
            for target, local in zip(targets[i], patterns[i], strict=True):
                plan = ProductPlan(adjoints[i], local, adjoints[target])
                if varies[i]:
                    varies[target] = True
                    self.steps[i].append((target, plan))
                else:
                    self.fixed[target] += plan(self.fixed[i], local.data)

    def __call__(self, values: list[np.ndarray], x: np.ndarray) -> sp.csr_matrix:
        """The Jacobian at ``x``, given every node's value there (:func:`forward`)."""
        adjoints = [a.copy() for a in self.fixed]
        with np.errstate(all="ignore"):
            for i in reversed(range(len(self.order))):
                if not self.steps[i]:
                    continue
                args = [values[j] for j in self.inputs[i]] if self.inputs[i] else [x]
                partials = self.order[i].partials(args, values[i])
                for (target, plan), partial in zip(self.steps[i], partials, strict=True):
                    adjoints[target] += plan(adjoints[i], partial)
        return with_values(self.jacobian, adjoints[-1])


def analyse(order: list[Node], lower: np.ndarray, upper: np.ndarray
            ) -> tuple[dict[int, Interval], dict[int, Curvature]]:
    """Every node's interval and curvature over the box ``[lower, upper]`` of columns."""
    intervals: dict[int, Interval] = {}
    curvatures: dict[int, Curvature] = {}
    box = (np.asarray(lower, dtype=float), np.asarray(upper, dtype=float))
    with np.errstate(all="ignore"):
        for node in order:
            inner = [intervals[id(c)] for c in node.children] if node.children else [box]
            intervals[id(node)] = node.interval(inner)
            curvatures[id(node)] = node.curvature(
                [curvatures[id(c)] for c in node.children], inner)
    return intervals, curvatures


def leaf_columns(order: list[Node]) -> np.ndarray:
    """The columns the leaves read (sorted, unique)."""
    used = [n.columns() for n in order if isinstance(n, (Affine, Quadratic))]
    return np.unique(np.concatenate(used + [np.zeros(0, np.int64)])).astype(np.int64)


class Evaluator:
    """Values and Jacobian of ``order[-1]`` at points ``x`` of ``n`` columns; the last
    point's node values are kept (the engine asks for values and then the Jacobian at one
    point), and the Jacobian's structures are planned at its first call."""

    def __init__(self, order: list[Node], n: int) -> None:
        self.order, self.n = order, n
        self._inputs = input_slots(order)
        self._reverse: Reverse | None = None
        self._last: tuple[bytes, list[np.ndarray]] = (b"", [])

    def value(self, x: np.ndarray) -> np.ndarray:
        return self._forward(self._point(x))[-1].copy()

    def jacobian(self, x: np.ndarray) -> sp.csr_matrix:
        x = self._point(x)
        if self._reverse is None:
            self._reverse = Reverse(self.order, self.n, self._inputs)
        return self._reverse(self._forward(x), x)

    def _forward(self, x: np.ndarray) -> list[np.ndarray]:
        key = x.tobytes()
        if key != self._last[0]:
            self._last = (key, forward(self.order, x, self._inputs))
        return self._last[1]

    def _point(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.shape != (self.n,):
            raise ValueError(f"expected a point of {self.n} columns, got shape {x.shape}")
        return x


class ExpressionFunction:
    """A nonlinear expression's elements (row-major) as the rows ``f: R^n -> R^m`` of a
    :class:`~branchwise.core.smooth.SmoothFunction`. Its curvature is proven by the nodes' rules
    over the box ``[lower, upper]`` (the problem's column bounds; unbounded by default)."""

    def __init__(self, expression: Any, n: int, lower: np.ndarray | None = None,
                 upper: np.ndarray | None = None) -> None:
        """``expression`` is an :class:`~branchwise.nonlinear.expr.NlExpr` or a node."""
        root: Node = getattr(expression, "node", expression)
        self.order = postorder(root)
        self.n = int(n)
        self.n_out = root.size
        self.lower = np.full(self.n, -np.inf) if lower is None else np.asarray(lower, float)
        self.upper = np.full(self.n, np.inf) if upper is None else np.asarray(upper, float)
        if self.lower.shape != (self.n,) or self.upper.shape != (self.n,):
            raise ValueError("the bounds need one entry per column")
        used = leaf_columns(self.order)
        if used.size and used.max() >= self.n:
            raise ValueError("the expression reads a column beyond the n given")
        self._columns = used
        self._analysis: tuple[dict, dict] | None = None
        self._evaluator = Evaluator(self.order, self.n)

    def value(self, x: np.ndarray) -> np.ndarray:
        return self._evaluator.value(x)

    def jacobian(self, x: np.ndarray) -> sp.csr_matrix:
        return self._evaluator.jacobian(x)

    def curvature(self) -> tuple[np.ndarray, np.ndarray]:
        return self._analyse()[1][id(self.order[-1])]

    def interval(self) -> Interval:
        """Bounds on each row over the box."""
        return self._analyse()[0][id(self.order[-1])]

    def columns(self) -> np.ndarray:
        return self._columns

    def stack(self, others: list[Any]) -> Any:
        """These rows and then ``others``' (expression functions) as one function that is
        evaluated in one pass: many small blocks cost far less merged than one by one."""
        from branchwise.nonlinear.batch import StackedFunction  # nlbatch is built on this module

        return StackedFunction([self, *others])

    def _analyse(self) -> tuple[dict, dict]:
        if self._analysis is None:
            self._analysis = analyse(self.order, self.lower, self.upper)
        return self._analysis
