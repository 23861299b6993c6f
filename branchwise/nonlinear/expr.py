"""Nonlinear expressions: ``bw.exp``, ``bw.log``, ``bw.sqrt``, ``bw.norm2``, real powers,
products and quotients of expressions, with numpy shapes and broadcasting.

An :class:`NlExpr` is a model (or None) and the root of a DAG of
:mod:`~branchwise.nonlinear.nodes`; linear and quadratic expressions enter it as leaves. It adds,
scales, compares into constraints and serves as an objective like the others. On plain
numbers the functions return plain numbers (``bw.exp(2.0) == math.exp(2.0)``), so one
function runs on floats and on variables.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from branchwise.expr import (
    LinExpr,
    QuadExpr,
    _coerce,
    _common_model,
    _Comparisons,
    _normalize_axes,
)
from branchwise.nonlinear import nodes as nlnodes
from branchwise.nonlinear.atoms import EXP, LOG, Atom
from branchwise.nonlinear.atoms import power as power_atom
from branchwise.nonlinear.graph import ExpressionFunction, forward, leaf_columns, postorder
from branchwise.nonlinear.nodes import Affine, Elementwise, Linear, Node, Norm2

if TYPE_CHECKING:
    from branchwise.model import Model


class NlExpr(_Comparisons):
    """A nonlinear expression of any numpy shape over a model's columns."""

    __array_ufunc__ = None  # numpy operators return NotImplemented, so ours run
    __array_priority__ = 100

    def __init__(self, model: Model | None, node: Node) -> None:
        self.model = model
        self.node = node

    @property
    def shape(self) -> tuple[int, ...]:
        return self.node.shape

    @property
    def size(self) -> int:
        return self.node.size

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"NlExpr({self.node.label}, shape={self.shape})"

    def evaluate(self, x: np.ndarray) -> np.ndarray:
        """Values at the column vector ``x``, shaped like the expression (NaN outside a
        function's domain)."""
        x = np.asarray(x, dtype=float)
        order = postorder(self.node)
        used = leaf_columns(order)
        if used.size and len(x) <= used.max():
            raise ValueError("the expression uses variables that the solution does not cover")
        return forward(order, x)[-1].reshape(self.shape)

    def columns(self) -> np.ndarray:
        """The columns the expression reads (sorted, unique)."""
        return leaf_columns(postorder(self.node))

    def curvature(self, lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which elements are proven convex and which concave over the box of columns."""
        n = len(lower)
        convex, concave = ExpressionFunction(self, n, lower, upper).curvature()
        return convex.reshape(self.shape), concave.reshape(self.shape)

    # --- arithmetic: every operand may be a number, an array or any expression ------------

    def __add__(self, other: Any) -> NlExpr:
        return add(self, other)

    def __radd__(self, other: Any) -> NlExpr:
        return add(other, self)

    def __sub__(self, other: Any) -> NlExpr:
        return add(self, multiply(-1.0, other))

    def __rsub__(self, other: Any) -> NlExpr:
        return add(other, -self)

    def __neg__(self) -> NlExpr:
        return multiply(-1.0, self)

    def __pos__(self) -> NlExpr:
        return self

    def __mul__(self, other: Any) -> NlExpr:
        return multiply(self, other)

    def __rmul__(self, other: Any) -> NlExpr:
        return multiply(other, self)

    def __truediv__(self, other: Any) -> NlExpr:
        return divide(self, other)

    def __rtruediv__(self, other: Any) -> NlExpr:
        return divide(other, self)

    def __pow__(self, exponent: Any) -> NlExpr:
        return power(self, exponent)

    def __rpow__(self, base: Any) -> NlExpr:
        """``b ** e`` for a positive number ``b``: ``exp(log(b) · e)``."""
        if not _is_real(base) or base <= 0:
            return NotImplemented
        return exp(math.log(base) * self)

    def __matmul__(self, other: Any) -> NlExpr:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> NlExpr:
        return matmul(other, self)

    # --- shape ------------------------------------------------------------------------------

    def __getitem__(self, key: Any) -> NlExpr:
        if not self.shape:
            raise TypeError("a scalar expression cannot be indexed")
        picked = np.asarray(np.arange(self.size).reshape(self.shape)[key])
        return NlExpr(self.model, _select(self.node, picked))

    def reshape(self, *shape: int | tuple[int, ...]) -> NlExpr:
        """The same elements in a new shape, as ``numpy.reshape`` (row-major)."""
        return NlExpr(self.model, _select(self.node, np.arange(self.size).reshape(*shape)))

    def sum(self, axis: int | tuple[int, ...] | None = None) -> NlExpr:
        """Sum over ``axis`` (an int, a tuple of ints, or None for all), as ``numpy.sum``."""
        axes = _normalize_axes(axis, self.ndim)
        keep = [a for a in range(self.ndim) if a not in axes]
        out_shape = tuple(self.shape[a] for a in keep)
        out_size, group = math.prod(out_shape), math.prod(self.shape[a] for a in axes)
        members = np.arange(self.size).reshape(self.shape).transpose(keep + list(axes))
        gather = sp.csr_matrix((np.ones(self.size), members.ravel(),
                                np.arange(out_size + 1) * group), shape=(out_size, self.size))
        return NlExpr(self.model, _linear([self.node], [gather], out_shape))

    def __bool__(self) -> bool:
        raise TypeError("an expression with decision variables has no True/False value before "
                        "it is solved: compare it and pass the constraint to m.add(...)")

    __hash__ = None  # type: ignore[assignment]


# --- the functions users call ----------------------------------------------------------------

def exp(e: Any) -> Any:
    """``e``'s exponential, element by element (a float for a float)."""
    return _apply(e, EXP, math.exp)


def log(e: Any) -> Any:
    """``e``'s natural logarithm, element by element, defined where ``e > 0``."""
    return _apply(e, LOG, math.log)


def sqrt(e: Any) -> Any:
    """``e``'s square root, element by element, defined where ``e >= 0``."""
    return _apply(e, power_atom(0.5), math.sqrt)


def norm2(e: Any) -> Any:
    """The Euclidean norm of all of ``e``'s elements: a scalar."""
    numbers = _numbers(e)
    if numbers is not None:
        return float(np.linalg.norm(numbers))
    node, model = _operand(e)
    return NlExpr(model, Norm2(node))


def as_nlexpr(value: Any) -> NlExpr:
    """Any expression, number or array of numbers as a nonlinear expression (a linear or
    quadratic one becomes its leaf)."""
    node, model = _operand(value)
    return NlExpr(model, node)


def add(a: Any, b: Any) -> NlExpr:
    """``a + b`` with numpy broadcasting."""
    (na, nb), model = _operands(a, b)
    shape = np.broadcast_shapes(na.shape, nb.shape)
    return NlExpr(model, _linear([na, nb], [_spread(na, shape), _spread(nb, shape)], shape))


def multiply(a: Any, b: Any) -> NlExpr:
    """``a * b`` element by element with numpy broadcasting."""
    (na, nb), model = _operands(a, b)
    for factor, other in ((na, nb), (nb, na)):
        if _constant(factor) is not None:
            return NlExpr(model, _scale(other, _constant(factor).reshape(factor.shape)))
    shape = np.broadcast_shapes(na.shape, nb.shape)
    return NlExpr(model, nlnodes.Product(_broadcast(na, shape), _broadcast(nb, shape)))


def divide(a: Any, b: Any) -> NlExpr:
    """``a / b`` element by element with numpy broadcasting."""
    (na, nb), model = _operands(a, b)
    denominator, numerator = _constant(nb), _constant(na)
    if denominator is not None:
        if np.any(denominator == 0):
            raise ZeroDivisionError("division of an expression by zero")
        return NlExpr(model, _scale(na, 1.0 / denominator.reshape(nb.shape)))
    if numerator is not None:
        inverse = Elementwise(nb, power_atom(-1.0))
        return NlExpr(model, _scale(inverse, numerator.reshape(na.shape)))
    shape = np.broadcast_shapes(na.shape, nb.shape)
    return NlExpr(model, nlnodes.Quotient(_broadcast(na, shape), _broadcast(nb, shape)))


def power(a: Any, exponent: Any) -> NlExpr:
    """``a ** exponent`` element by element for a real constant exponent."""
    if not _is_real(exponent):
        raise TypeError("the exponent must be a real number")
    node, model = _operand(a)
    if exponent == 1:
        return as_nlexpr(a)
    if exponent == 0:
        return NlExpr(model, _constant_node(np.ones(node.shape)))
    return NlExpr(model, _elementwise(node, power_atom(float(exponent))))


def matmul(a: Any, b: Any) -> NlExpr:
    """numpy's ``a @ b`` for 1-D and 2-D operands, one of them constant (or two vectors
    of the same length: the sum of their products)."""
    (na, nb), model = _operands(a, b)
    if any(len(node.shape) not in (1, 2) for node in (na, nb)):
        raise ValueError("@ needs 1-D or 2-D operands; use * to scale by a number")
    if na.shape[-1] != nb.shape[0]:
        raise ValueError(f"@ shapes {na.shape} and {nb.shape} do not align")
    shape = na.shape[:-1] + nb.shape[1:]
    left, right = _constant(na), _constant(nb)
    if left is not None:  # row i of a, mixed into every column of b
        columns = nb.shape[1] if len(nb.shape) == 2 else 1
        mix = sp.kron(left.reshape(-1, na.shape[-1]), sp.identity(columns))
        return NlExpr(model, _linear([nb], [sp.csr_matrix(mix)], shape))
    if right is not None:
        rows = na.shape[0] if len(na.shape) == 2 else 1
        mix = sp.kron(sp.identity(rows), right.reshape(nb.shape[0], -1).T)
        return NlExpr(model, _linear([na], [sp.csr_matrix(mix)], shape))
    if len(na.shape) == len(nb.shape) == 1:
        return multiply(NlExpr(model, na), NlExpr(model, nb)).sum()
    raise TypeError("@ between two expressions with variables is only supported for two "
                    "vectors of the same length")


# --- building nodes --------------------------------------------------------------------------

def _operand(value: Any) -> tuple[Node, Model | None]:
    """The node for an expression, a number or an array of numbers, and its model."""
    if isinstance(value, NlExpr):
        return value.node, value.model
    expr = _coerce(value)
    if isinstance(expr, LinExpr):
        return _affine(expr), expr.model
    if isinstance(expr, QuadExpr):
        node = nlnodes.Quadratic(expr.qi, expr.qj, expr.qv, _affine(expr.lin))
        return node, expr.model
    raise TypeError(f"expected an expression or numbers, got {type(value).__name__}")


def _operands(*values: Any) -> tuple[list[Node], Model | None]:
    pairs = [_operand(v) for v in values]
    return [p[0] for p in pairs], _common_model(*(v for v in values))


def _affine(expr: LinExpr) -> Affine:
    rows = expr.rows
    return Affine(rows.indptr, rows.indices, rows.data, expr.const, expr.shape)


def _constant_node(values: np.ndarray) -> Affine:
    return _affine(LinExpr.constant(values))


def _constant(node: Node) -> np.ndarray | None:
    """The flat values of a node without variables, else None."""
    return node.const if isinstance(node, Affine) and node.is_constant else None


def _elementwise(node: Node, atom: Atom) -> Node:
    """``atom(node)``; on a constant, the constant's image (which must be defined)."""
    values = _constant(node)
    if values is None:
        return Elementwise(node, atom)
    with np.errstate(all="ignore"):
        image = atom.f(values)
    if not np.all(np.isfinite(image)):
        raise ValueError(f"{atom.name} is undefined (or infinite) at the constant {values}")
    return _constant_node(image.reshape(node.shape))


def _apply(value: Any, atom: Atom, on_float: Any) -> Any:
    """``atom`` of a float (by ``on_float``), of an array of numbers, or of an expression."""
    numbers = _numbers(value)
    if numbers is not None:
        return on_float(float(numbers)) if numbers.ndim == 0 else atom.f(numbers)
    node, model = _operand(value)
    return NlExpr(model, _elementwise(node, atom))


def _numbers(value: Any) -> np.ndarray | None:
    """``value`` as a float array when it is plain numbers, else None."""
    if isinstance(value, (LinExpr, QuadExpr, NlExpr)) or sp.issparse(value):
        return None
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None


def _is_real(value: Any) -> bool:
    return (isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, (bool, np.bool_)) and math.isfinite(value))


def _select(node: Node, picked: np.ndarray) -> Node:
    """The node whose element k is ``node``'s element ``picked.flat[k]``, shaped as picked."""
    flat = picked.ravel()
    take = sp.csr_matrix((np.ones(flat.size), flat, np.arange(flat.size + 1)),
                         shape=(flat.size, node.size))
    return _linear([node], [take], picked.shape)


def _spread(node: Node, shape: tuple[int, ...]) -> sp.csr_matrix:
    """The map that broadcasts ``node``'s elements to ``shape``."""
    flat = np.broadcast_to(np.arange(node.size).reshape(node.shape), shape).ravel()
    return sp.csr_matrix((np.ones(flat.size), flat, np.arange(flat.size + 1)),
                         shape=(flat.size, node.size))


def _broadcast(node: Node, shape: tuple[int, ...]) -> Node:
    return node if node.shape == tuple(shape) else _linear([node], [_spread(node, shape)], shape)


def _scale(node: Node, factor: np.ndarray) -> Node:
    """``factor * node`` for constant factors, with broadcasting."""
    shape = np.broadcast_shapes(node.shape, factor.shape)
    values = _constant(node)
    if values is not None:
        return _constant_node(values.reshape(node.shape) * factor)
    factors = np.broadcast_to(factor, shape).ravel()
    return _linear([node], [sp.diags(factors) @ _spread(node, shape)], shape)


def _linear(children: list[Node], maps: list[sp.csr_matrix], shape: tuple[int, ...]) -> Linear:
    """``Σ maps[i] @ children[i]``, with linear children merged in (sums stay flat)."""
    flat_children: list[Node] = []
    flat_maps: list[sp.csr_matrix] = []
    for child, m in zip(children, maps, strict=True):
        if isinstance(child, Linear):
            flat_children += child.children
            flat_maps += [m @ inner for inner in child.maps]
        else:
            flat_children.append(child)
            flat_maps.append(m)
    return Linear(flat_children, flat_maps, shape)
