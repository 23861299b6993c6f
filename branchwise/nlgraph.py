"""Passes over a nonlinear expression's DAG of :mod:`~branchwise.nlnodes`, and the
:class:`ExpressionFunction` that a Problem's nonlinear rows are made of.

Values go forward from the leaves. The Jacobian comes from one reverse pass: the output's
adjoint starts as the sparse identity, each node hands ``adjoint @ local derivative`` to
its inputs, and each leaf turns what reaches it into rows over the columns. Intervals and
curvature go forward from the column bounds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from branchwise.nlnodes import Affine, Curvature, Interval, Node, Quadratic


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


def forward(order: list[Node], x: np.ndarray) -> dict[int, np.ndarray]:
    """Every node's value at the column vector ``x`` (NaN outside a domain)."""
    values: dict[int, np.ndarray] = {}
    with np.errstate(all="ignore"):
        for node in order:
            args = [values[id(c)] for c in node.children] if node.children else [x]
            values[id(node)] = node.value(args)
    return values


def reverse(order: list[Node], values: dict[int, np.ndarray], x: np.ndarray
            ) -> sp.csr_matrix:
    """The Jacobian of ``order[-1]`` (its root) with respect to ``x``, by adjoints."""
    root = order[-1]
    adjoints = {id(root): sp.identity(root.size, format="csr")}
    jacobian = sp.csr_matrix((root.size, len(x)))
    with np.errstate(all="ignore"):
        for node in reversed(order):
            adjoint = adjoints.pop(id(node))
            inputs = [values[id(c)] for c in node.children] if node.children else [x]
            derivatives = node.local(inputs, values[id(node)])
            if not node.children:
                jacobian = jacobian + adjoint @ derivatives[0]
                continue
            for child, derivative in zip(node.children, derivatives, strict=True):
                passed = adjoint @ derivative
                previous = adjoints.get(id(child))
                adjoints[id(child)] = passed if previous is None else previous + passed
    return sp.csr_matrix(jacobian)


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


class ExpressionFunction:
    """A nonlinear expression's elements (row-major) as the rows ``f: R^n -> R^m`` of a
    :class:`~branchwise.smooth.SmoothFunction`. Its curvature is proven by the nodes' rules
    over the box ``[lower, upper]`` (the problem's column bounds; unbounded by default)."""

    def __init__(self, expression: Any, n: int, lower: np.ndarray | None = None,
                 upper: np.ndarray | None = None) -> None:
        """``expression`` is an :class:`~branchwise.nlexpr.NlExpr` or a node."""
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

    def value(self, x: np.ndarray) -> np.ndarray:
        return forward(self.order, self._point(x))[id(self.order[-1])]

    def jacobian(self, x: np.ndarray) -> sp.csr_matrix:
        x = self._point(x)
        return reverse(self.order, forward(self.order, x), x)

    def curvature(self) -> tuple[np.ndarray, np.ndarray]:
        return self._analyse()[1][id(self.order[-1])]

    def interval(self) -> Interval:
        """Bounds on each row over the box."""
        return self._analyse()[0][id(self.order[-1])]

    def columns(self) -> np.ndarray:
        return self._columns

    def _analyse(self) -> tuple[dict, dict]:
        if self._analysis is None:
            self._analysis = analyse(self.order, self.lower, self.upper)
        return self._analysis

    def _point(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.shape != (self.n,):
            raise ValueError(f"expected a point of {self.n} columns, got shape {x.shape}")
        return x
