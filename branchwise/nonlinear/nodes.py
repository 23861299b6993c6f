"""The node types of a nonlinear expression: a DAG of array-valued smooth operations.

Each node type keeps side by side what it computes and what is known about it: its value
from its inputs' values, its local derivative (per input, a sparse matrix ``d value / d
input`` whose structure is fixed once and whose values are given at each point), an
interval holding its values given its inputs' intervals, and its curvature by composition
rules from its inputs' curvature and intervals (as CVXPY's atoms do). Values are flat float
arrays in row-major order; ``shape`` is what users see.

A leaf's one input is the column vector ``x`` itself (its interval: the column bounds):
affine rows (a LinExpr's rows and constant) or one scalar quadratic (a QuadExpr). Every
rearrangement, sum, scaling and broadcast is one :class:`Linear` node; smooth functions of
one real are :class:`Elementwise` nodes over an :class:`~branchwise.nonlinear.atoms.Atom`.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from branchwise.core.intervals import product_interval, quadratic_interval
from branchwise.core.smooth import CURVATURE_TOLERANCE, QuadraticFunction
from branchwise.core.sparsekernels import MatVec, structure
from branchwise.nonlinear.atoms import Atom, Curvature, Interval, compose, power

#: ``1/u``, whose image bounds a quotient.
RECIPROCAL = power(-1.0)


class Node:
    """One operation; ``children`` are its inputs (none for a leaf, which reads ``x``)."""

    children: tuple[Node, ...] = ()
    label = ""
    #: Whether ``d out / d input`` is the same at every point: then :meth:`pattern`
    #: stores its values.
    constant_derivative = False

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = tuple(shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def value(self, args: list[np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def pattern(self, n: int) -> list[sp.csr_matrix]:
        """Where ``d out / d input`` can be nonzero, per input: canonical csr of shape
        ``(size, input size)`` (a leaf's input is ``x`` of ``n`` columns)."""
        raise NotImplementedError

    def partials(self, args: list[np.ndarray], out: np.ndarray) -> list[np.ndarray]:
        """``d out / d input`` at ``args``, per input: the values of the entries that
        :meth:`pattern` stores, in its order."""
        raise NotImplementedError

    def interval(self, args: list[Interval]) -> Interval:
        raise NotImplementedError

    def curvature(self, args: list[Curvature], intervals: list[Interval]) -> Curvature:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{self.label}{self.shape}"


# --- leaves --------------------------------------------------------------------------------

class Affine(Node):
    """``A x + const`` with ``A`` given as scipy CSR-style arrays (a LinExpr's rows)."""

    label = "affine"
    constant_derivative = True

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                 const: np.ndarray, shape: tuple[int, ...]) -> None:
        super().__init__(shape)
        self.arrays = (data, indices, indptr)
        self.const = np.asarray(const, dtype=float)
        self._matrices: dict[int, sp.csr_matrix] = {}
        self._products: dict[int, MatVec] = {}

    @property
    def is_constant(self) -> bool:
        return not np.any(self.arrays[0])

    def matrix(self, n: int) -> sp.csr_matrix:
        """``A`` with ``n`` columns, duplicates summed, zeros dropped (cached per width)."""
        if n not in self._matrices:
            data, indices, indptr = (a.copy() for a in self.arrays)
            mat = sp.csr_matrix((data, indices, indptr), shape=(self.size, n))
            mat.sum_duplicates()
            mat.eliminate_zeros()
            self._matrices[n] = mat
        return self._matrices[n]

    def columns(self) -> np.ndarray:
        data, indices, _ = self.arrays
        return np.unique(indices[data != 0])

    def value(self, args: list[np.ndarray]) -> np.ndarray:
        return self._product(len(args[0]))(args[0]) + self.const

    def _product(self, n: int) -> MatVec:
        """``x -> A x`` over all ``n`` columns of ``x`` (cached per width): ``A`` only as
        wide as its last used column would not match ``x`` where a kernel checks shapes."""
        if n not in self._products:
            self._products[n] = MatVec(self.matrix(n))
        return self._products[n]

    def pattern(self, n: int) -> list[sp.csr_matrix]:
        return [self.matrix(n)]

    def partials(self, args: list[np.ndarray], out: np.ndarray) -> list[np.ndarray]:
        return [self.matrix(len(args[0])).data]

    def interval(self, args: list[Interval]) -> Interval:
        lo, hi = map_interval(self.matrix(len(args[0][0])), *args[0])
        return lo + self.const, hi + self.const

    def curvature(self, args: list[Curvature], intervals: list[Interval]) -> Curvature:
        return _everywhere(self.size, True, True)


class Quadratic(Node):
    """The scalar ``Σ qv·x[qi]·x[qj] + lin·x + const`` (a QuadExpr), through
    :class:`QuadraticFunction`, whose curvature comes from the eigenvalues of its form."""

    label = "quadratic"

    def __init__(self, qi: np.ndarray, qj: np.ndarray, qv: np.ndarray, linear: Affine) -> None:
        super().__init__(())
        self.qi, self.qj, self.qv = qi, qj, qv
        self.linear = linear
        self._functions: dict[int, QuadraticFunction] = {}
        self._columns = np.unique(np.concatenate([qi, qj, linear.columns()])).astype(np.int64)

    def function(self, n: int) -> QuadraticFunction:
        """The quadratic over ``n`` columns (cached per width)."""
        if n not in self._functions:
            half = sp.csr_matrix((self.qv, (self.qi, self.qj)), shape=(n, n))
            self._functions[n] = QuadraticFunction([(half + half.T).tocsr()],
                                                   self.linear.matrix(n), self.linear.const)
        return self._functions[n]

    def columns(self) -> np.ndarray:
        return self._columns

    def value(self, args: list[np.ndarray]) -> np.ndarray:
        return self.function(len(args[0])).value(args[0])

    def pattern(self, n: int) -> list[sp.csr_matrix]:
        used = self.columns()
        return [sp.csr_matrix((np.ones(used.size), used, [0, used.size]), shape=(1, n))]

    def partials(self, args: list[np.ndarray], out: np.ndarray) -> list[np.ndarray]:
        return [self.function(len(args[0])).gradients(args[0])[0, self.columns()]]

    def interval(self, args: list[Interval]) -> Interval:
        low, high = quadratic_interval(self.qi, self.qj, self.qv, *args[0])
        linear = self.linear.interval(args)
        return np.atleast_1d(low + linear[0]), np.atleast_1d(high + linear[1])

    def curvature(self, args: list[Curvature], intervals: list[Interval]) -> Curvature:
        return self.function(len(intervals[0][0])).curvature()


# --- operations ----------------------------------------------------------------------------

class Linear(Node):
    """``Σ_i M_i u_i``: sums, differences, scaling by constants, negation, broadcasting,
    indexing, reshaping and sums over axes, each ``M_i`` a constant sparse matrix."""

    label = "linear"
    constant_derivative = True

    def __init__(self, children: list[Node], maps: list[sp.csr_matrix],
                 shape: tuple[int, ...]) -> None:
        super().__init__(shape)
        self.children = tuple(children)
        self.maps = [sp.csr_matrix(m, dtype=float, copy=True) for m in maps]
        for m in self.maps:
            m.sum_duplicates()
            m.eliminate_zeros()
        self._times = MatVec(sp.hstack(self.maps, format="csr") if self.maps
                             else sp.csr_matrix((self.size, 0)))

    def value(self, args: list[np.ndarray]) -> np.ndarray:
        return self._times(np.concatenate(args) if args else np.zeros(0))

    def pattern(self, n: int) -> list[sp.csr_matrix]:
        return self.maps

    def partials(self, args: list[np.ndarray], out: np.ndarray) -> list[np.ndarray]:
        return [m.data for m in self.maps]

    def interval(self, args: list[Interval]) -> Interval:
        parts = [map_interval(m, *a) for m, a in zip(self.maps, args, strict=True)]
        return (sum((p[0] for p in parts), np.zeros(self.size)),
                sum((p[1] for p in parts), np.zeros(self.size)))

    def curvature(self, args: list[Curvature], intervals: list[Interval]) -> Curvature:
        """Convex where every term is a positive multiple of a convex element or a negative
        multiple of a concave one (and the other way round for concave)."""
        spoil_convex, spoil_concave = np.zeros(self.size), np.zeros(self.size)
        for m, (convex, concave) in zip(self.maps, args, strict=True):
            positive, negative = (m > 0).astype(float), (m < 0).astype(float)
            spoil_convex += positive @ ~convex + negative @ ~concave
            spoil_concave += positive @ ~concave + negative @ ~convex
        return spoil_convex == 0, spoil_concave == 0


class Product(Node):
    """``a * b`` element by element (same shapes; constants are scalings, not products)."""

    label = "product"

    def __init__(self, a: Node, b: Node) -> None:
        super().__init__(a.shape)
        self.children = (a, b)

    def value(self, args: list[np.ndarray]) -> np.ndarray:
        return args[0] * args[1]

    def pattern(self, n: int) -> list[sp.csr_matrix]:
        return [_diagonal(self.size)] * 2

    def partials(self, args: list[np.ndarray], out: np.ndarray) -> list[np.ndarray]:
        return [args[1], args[0]]

    def interval(self, args: list[Interval]) -> Interval:
        return product_interval(args[0], args[1])

    def curvature(self, args: list[Curvature], intervals: list[Interval]) -> Curvature:
        """A product of two affine elements ``(a·x + α)(b·x + β)`` is a quadratic form with
        Hessian ``abᵀ + baᵀ``, whose nonzero eigenvalues are ``a·b ± |a||b|``: convex when
        ``a`` and ``b`` point the same way, concave when opposite. Anything else: unknown."""
        n = _width(self)
        forms = [affine_form(c, n) for c in self.children]
        if any(f is None for f in forms):
            return _everywhere(self.size, False, False)
        a, b = (f[0] for f in forms)
        dot = np.asarray(a.multiply(b).sum(axis=1)).ravel()
        norms = np.sqrt(np.asarray(a.multiply(a).sum(axis=1)).ravel()
                        * np.asarray(b.multiply(b).sum(axis=1)).ravel())
        slack = CURVATURE_TOLERANCE * np.maximum(1.0, norms)
        return dot >= norms - slack, dot <= slack - norms


class Quotient(Node):
    """``a / b`` element by element (same shapes; a constant numerator is ``c * b**-1``)."""

    label = "quotient"

    def __init__(self, a: Node, b: Node) -> None:
        super().__init__(a.shape)
        self.children = (a, b)

    def value(self, args: list[np.ndarray]) -> np.ndarray:
        return args[0] / args[1]

    def pattern(self, n: int) -> list[sp.csr_matrix]:
        return [_diagonal(self.size)] * 2

    def partials(self, args: list[np.ndarray], out: np.ndarray) -> list[np.ndarray]:
        return [1.0 / args[1], -out / args[1]]

    def interval(self, args: list[Interval]) -> Interval:
        return product_interval(args[0], RECIPROCAL.image(*args[1]))

    def curvature(self, args: list[Curvature], intervals: list[Interval]) -> Curvature:
        return _everywhere(self.size, False, False)


class Norm2(Node):
    """The Euclidean norm of all elements: a scalar, convex, growing in ``|u_i|``."""

    label = "norm2"

    def __init__(self, child: Node) -> None:
        super().__init__(())
        self.children = (child,)

    def value(self, args: list[np.ndarray]) -> np.ndarray:
        return np.atleast_1d(np.linalg.norm(args[0]))

    def pattern(self, n: int) -> list[sp.csr_matrix]:
        return [structure(np.ones((1, self.children[0].size)))]

    def partials(self, args: list[np.ndarray], out: np.ndarray) -> list[np.ndarray]:
        scale = 1.0 / out[0] if out[0] > 0 else 0.0  # 0 is a subgradient at the origin
        return [args[0] * scale]

    def interval(self, args: list[Interval]) -> Interval:
        lo, hi = args[0]
        nearest = np.where((lo <= 0) & (hi >= 0), 0.0, np.minimum(lo * lo, hi * hi))
        farthest = np.maximum(lo * lo, hi * hi)
        return np.sqrt([nearest.sum()]), np.sqrt([farthest.sum()])

    def curvature(self, args: list[Curvature], intervals: list[Interval]) -> Curvature:
        verdict = (np.ones_like(intervals[0][0], dtype=bool), np.zeros_like(intervals[0][0], bool),
                   intervals[0][0] >= 0, intervals[0][1] <= 0)
        convex, _ = compose(verdict, args[0])
        return np.array([convex.all()]), np.array([False])


class Elementwise(Node):
    """``atom(u)`` element by element."""

    def __init__(self, child: Node, atom: Atom) -> None:
        super().__init__(child.shape)
        self.children = (child,)
        self.atom = atom
        self.label = atom.name

    def value(self, args: list[np.ndarray]) -> np.ndarray:
        return self.atom.f(args[0])

    def pattern(self, n: int) -> list[sp.csr_matrix]:
        return [_diagonal(self.size)]

    def partials(self, args: list[np.ndarray], out: np.ndarray) -> list[np.ndarray]:
        return [self.atom.df(args[0])]

    def interval(self, args: list[Interval]) -> Interval:
        return self.atom.image(*args[0])

    def curvature(self, args: list[Curvature], intervals: list[Interval]) -> Curvature:
        lo, hi = intervals[0]
        verdict = tuple(np.broadcast_to(v, lo.shape) for v in self.atom.shape(lo, hi))
        return compose(verdict, args[0])


# --- helpers -------------------------------------------------------------------------------

def affine_form(node: Node, n: int) -> tuple[sp.csr_matrix, np.ndarray] | None:
    """``(A, const)`` with ``node = A x + const`` over ``n`` columns, or None when the node
    is not affine by construction (affine leaves under linear nodes)."""
    if isinstance(node, Affine):
        return node.matrix(n), node.const
    if not isinstance(node, Linear):
        return None
    forms = [affine_form(c, n) for c in node.children]
    if any(f is None for f in forms):
        return None
    matrix = sum((m @ f[0] for m, f in zip(node.maps, forms, strict=True)),
                 sp.csr_matrix((node.size, n)))
    const = sum((m @ f[1] for m, f in zip(node.maps, forms, strict=True)), np.zeros(node.size))
    return sp.csr_matrix(matrix), const


def _width(node: Node) -> int:
    """One past the largest column any leaf under ``node`` reads."""
    stack, width = [node], 0
    while stack:
        current = stack.pop()
        if isinstance(current, (Affine, Quadratic)):
            columns = current.columns()
            width = max(width, int(columns.max()) + 1 if columns.size else 0)
        stack.extend(current.children)
    return width


def map_interval(m: sp.csr_matrix, lo: np.ndarray, hi: np.ndarray) -> Interval:
    """Interval of ``m @ u`` for ``u`` in ``[lo, hi]`` (no stored zeros in ``m``)."""
    positive, negative = m.maximum(0).tocsr(), m.minimum(0).tocsr()
    return positive @ lo + negative @ hi, positive @ hi + negative @ lo


def _diagonal(size: int) -> sp.csr_matrix:
    """The structure of an element-by-element derivative."""
    return sp.identity(size, format="csr")


def _everywhere(size: int, convex: bool, concave: bool) -> Curvature:
    return np.full(size, convex), np.full(size, concave)
