"""Linear and quadratic expressions over a model's variables, stored as sparse arrays.

An affine expression of any numpy shape is one set of sparse rows (a row per element in
row-major order, a column per model variable), a constant vector and the shape, so a
constraint with a million terms costs a few array operations, never a million Python
objects. The columns are the model's leaves: today its variables.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from branchwise.core.tolerances import INFINITY

if TYPE_CHECKING:
    from branchwise.model import Model
    from branchwise.nonlinear.expr import NlExpr

Operand = Any  # an expression, a number, or an array of numbers


class Rows:
    """Sparse rows as CSR arrays, duplicates allowed: cheap to build even for one element.

    Immutable by convention (arrays are shared between instances); scipy matrices are
    made, with duplicates summed, only where a sparse product or the Problem needs one.
    """

    __slots__ = ("indptr", "indices", "data")

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray) -> None:
        self.indptr, self.indices, self.data = indptr, indices, data

    @classmethod
    def empty(cls, n_rows: int) -> Rows:
        return cls(np.zeros(n_rows + 1, np.int64), np.zeros(0, np.int64), np.zeros(0))

    @classmethod
    def identity(cls, start: int, size: int) -> Rows:
        """Row k holds a single 1 in column ``start + k``."""
        return cls(np.arange(size + 1), start + np.arange(size), np.ones(size))

    @classmethod
    def from_scipy(cls, mat: sp.spmatrix) -> Rows:
        mat = sp.csr_matrix(mat)
        return cls(mat.indptr.astype(np.int64), mat.indices.astype(np.int64),
                   mat.data.astype(float))

    @classmethod
    def stack(cls, blocks: list[Rows]) -> Rows:
        """The rows of every block, one block after the other."""
        if not blocks:
            return cls.empty(0)
        offsets = np.cumsum([0] + [b.nnz for b in blocks[:-1]])
        tails = [b.indptr[1:] + o for b, o in zip(blocks, offsets, strict=True)]
        indptr = np.concatenate([[0], *tails])
        return cls(indptr, np.concatenate([b.indices for b in blocks]),
                   np.concatenate([b.data for b in blocks]))

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    @property
    def nnz(self) -> int:
        return len(self.data)

    @property
    def width(self) -> int:
        """One past the largest column used."""
        return int(self.indices.max()) + 1 if self.nnz else 0

    def lengths(self) -> np.ndarray:
        return self.indptr[1:] - self.indptr[:-1]

    def take(self, flat: np.ndarray) -> Rows:
        """Rows ``flat[0], flat[1], …`` (repeats allowed)."""
        lengths = self.lengths()[flat]
        indptr = np.zeros(len(flat) + 1, np.int64)
        np.cumsum(lengths, out=indptr[1:])
        src = np.repeat(self.indptr[flat] - indptr[:-1], lengths) + np.arange(indptr[-1])
        return Rows(indptr, self.indices[src], self.data[src])

    def scale(self, factors: np.ndarray | float) -> Rows:
        """Row k times ``factors[k]`` (or every row times one number)."""
        if np.ndim(factors):
            factors = np.repeat(factors, self.lengths())
        return Rows(self.indptr, self.indices, self.data * factors)

    def plus(self, other: Rows) -> Rows:
        """Row-by-row sum with ``other`` (same number of rows); entries are interleaved."""
        if not other.nnz or not self.nnz:
            return self if not other.nnz else other
        if self.n_rows == 1:
            return Rows(np.array([0, self.nnz + other.nnz]),
                        np.concatenate([self.indices, other.indices]),
                        np.concatenate([self.data, other.data]))
        indptr = self.indptr + other.indptr
        mine = np.arange(self.nnz) + np.repeat(other.indptr[:-1], self.lengths())
        theirs = np.arange(other.nnz) + np.repeat(self.indptr[1:], other.lengths())
        indices, data = np.empty(indptr[-1], np.int64), np.empty(indptr[-1])
        indices[mine], indices[theirs] = self.indices, other.indices
        data[mine], data[theirs] = self.data, other.data
        return Rows(indptr, indices, data)

    def group(self, size: int, count: int) -> Rows:
        """``count`` rows, each the sum of ``size`` consecutive rows."""
        if size == 0:
            return Rows.empty(count)
        return Rows(self.indptr[::size], self.indices, self.data)

    def dot(self, x: np.ndarray) -> np.ndarray:
        """Each row's value at the column vector ``x``."""
        rows = np.repeat(np.arange(self.n_rows), self.lengths())
        return np.bincount(rows, weights=self.data * x[self.indices], minlength=self.n_rows)

    def matrix(self, width: int) -> sp.csr_matrix:
        """A fresh scipy matrix with ``width`` columns and duplicates summed."""
        mat = sp.csr_matrix((self.data.copy(), self.indices.copy(), self.indptr.copy()),
                            shape=(self.n_rows, width))
        mat.sum_duplicates()
        return mat


# Shared read-only arrays for one-element expressions (nothing here changes arrays in place).
_NO_TERMS = Rows.empty(1)
_ONE_ROW, _ONE, _ZERO = np.array([0, 1]), np.ones(1), np.zeros(1)


class LogicOperators:
    """``&``, ``|``, ``^``, ``~`` build logical conditions (on constraints, and on binary
    variables used as conditions)."""

    def __and__(self, other: Any) -> Any:
        return _logic().and_(self, other)

    def __rand__(self, other: Any) -> Any:
        return _logic().and_(other, self)

    def __or__(self, other: Any) -> Any:
        return _logic().or_(self, other)

    def __ror__(self, other: Any) -> Any:
        return _logic().or_(other, self)

    def __xor__(self, other: Any) -> Any:
        return _logic().xor(self, other)

    def __rxor__(self, other: Any) -> Any:
        return _logic().xor(other, self)

    def __invert__(self) -> Any:
        return _logic().not_(self)


class _Comparisons:
    """``<=``, ``>=``, ``==``, ``<``, ``>`` on an expression build a Constraint (a condition)."""

    def __le__(self, other: Operand) -> Constraint:
        return _compare(self, other, "<=")

    def __ge__(self, other: Operand) -> Constraint:
        return _compare(self, other, ">=")

    def __eq__(self, other: Operand) -> Constraint:  # type: ignore[override]
        return _compare(self, other, "==")

    def __lt__(self, other: Operand) -> Constraint:
        return _compare(self, other, "<")

    def __gt__(self, other: Operand) -> Constraint:
        return _compare(self, other, ">")


class LinExpr(_Comparisons, LogicOperators):
    """An affine expression of any shape: element k is ``rows[k] @ x + const[k]``."""

    __array_ufunc__ = None  # numpy operators return NotImplemented, so ``ndarray @ X`` reaches us
    __array_priority__ = 100

    def __init__(self, model: Model | None, rows: Rows, const: np.ndarray,
                 shape: tuple[int, ...]) -> None:
        self.model = model
        self.rows = rows
        self.const = const
        self.shape = tuple(shape)

    @classmethod
    def constant(cls, value: Operand) -> LinExpr:
        """A variable-free expression holding ``value`` (a number or an array of numbers)."""
        if isinstance(value, (int, float)):
            number = np.array([float(value)])
            require_finite(number)
            return cls(None, _NO_TERMS, number, ())
        arr = np.asarray(value, dtype=float)
        require_finite(arr)
        return cls(None, Rows.empty(arr.size), arr.ravel().copy(), arr.shape)

    @property
    def coef(self) -> sp.csr_matrix:
        """Coefficients as a scipy matrix, one row per element, as wide as the columns used."""
        return self.rows.matrix(self.rows.width)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def is_constant(self) -> bool:
        """True when no variable has a stored coefficient."""
        return self.rows.nnz == 0

    def __repr__(self) -> str:
        return f"LinExpr(shape={self.shape}, terms={self.rows.nnz})"

    def evaluate(self, x: np.ndarray) -> np.ndarray:
        """Values at the column vector ``x``, shaped like the expression."""
        if len(x) < self.rows.width:
            raise ValueError("the expression uses variables that the solution does not cover")
        return (self.rows.dot(x) + self.const).reshape(self.shape)

    # --- shape: every rearrangement is a row selection ``_take`` ---------------------------

    def _positions(self) -> np.ndarray:
        return np.arange(self.size).reshape(self.shape)

    def _take(self, idx: np.ndarray) -> LinExpr:
        """The expression whose element k is this one's element ``idx.flat[k]``, shaped as idx."""
        flat = np.asarray(idx, dtype=np.int64).ravel()
        return LinExpr(self.model, self.rows.take(flat), self.const[flat], np.shape(idx))

    def broadcast_to(self, shape: tuple[int, ...]) -> LinExpr:
        """The expression repeated to ``shape`` by numpy's broadcasting rules."""
        if tuple(shape) == self.shape:
            return self
        return self._take(np.broadcast_to(self._positions(), shape))

    def __getitem__(self, key: Any) -> LinExpr:
        if not self.shape:
            raise TypeError("a scalar expression cannot be indexed")
        return self._take(np.asarray(self._positions()[key]))

    def __iter__(self) -> Iterator[LinExpr]:
        if not self.shape:
            raise TypeError("a scalar expression is not iterable")
        return (self[i] for i in range(self.shape[0]))

    @property
    def T(self) -> LinExpr:  # noqa: N802 (numpy's name)
        return self._take(self._positions().T)

    def reshape(self, *shape: int | tuple[int, ...]) -> LinExpr:
        """The same elements in a new shape, as ``numpy.reshape`` (row-major)."""
        return self._take(self._positions().reshape(*shape))

    def ravel(self) -> LinExpr:
        return self.reshape(-1)

    def sum(self, axis: int | tuple[int, ...] | None = None) -> LinExpr:
        """Sum over ``axis`` (an int, a tuple of ints, or None for all), as ``numpy.sum``."""
        axes = _normalize_axes(axis, self.ndim)
        keep = [a for a in range(self.ndim) if a not in axes]
        out_shape = tuple(self.shape[a] for a in keep)
        out_size, group = math.prod(out_shape), math.prod(self.shape[a] for a in axes)
        members = self._positions().transpose(keep + list(axes)).reshape(out_size, group)
        rows = self.rows.take(members.ravel()).group(group, out_size)
        return LinExpr(self.model, rows, self.const[members].sum(axis=1), out_shape)

    # --- arithmetic -------------------------------------------------------------------------

    def __add__(self, other: Operand) -> LinExpr | QuadExpr:
        other = _coerce(other)
        if other is None:
            return NotImplemented
        if isinstance(other, QuadExpr):
            return other + self
        return _add(self, other)

    __radd__ = __add__

    def __neg__(self) -> LinExpr:
        return LinExpr(self.model, self.rows.scale(-1.0), -self.const, self.shape)

    def __pos__(self) -> LinExpr:
        return self

    def __sub__(self, other: Operand) -> LinExpr | QuadExpr:
        other = _coerce(other)
        return NotImplemented if other is None else self + (-other)

    def __rsub__(self, other: Operand) -> LinExpr | QuadExpr:
        other = _coerce(other)
        return NotImplemented if other is None else other + (-self)

    def __mul__(self, other: Operand) -> Expression | NlExpr:
        other = _coerce(other)
        if other is None:
            return NotImplemented
        if isinstance(other, QuadExpr):
            return other * self
        if other.is_constant:
            return _scale(self, other)
        if self.is_constant:
            return _scale(other, self)
        if self.shape != () or other.shape != ():
            return _nonlinear().multiply(self, other)
        return _inner(self, other)

    __rmul__ = __mul__

    def __truediv__(self, other: Operand) -> LinExpr | NlExpr:
        other = _coerce(other)
        if other is None:
            return NotImplemented
        if not (isinstance(other, LinExpr) and other.is_constant):
            return _nonlinear().divide(self, other)
        if np.any(other.const == 0):
            raise ZeroDivisionError("division of an expression by zero")
        return _scale(self, LinExpr.constant(1.0 / other.const.reshape(other.shape)))

    def __rtruediv__(self, other: Operand) -> NlExpr:
        other = _coerce(other)
        return NotImplemented if other is None else _nonlinear().divide(other, self)

    def __pow__(self, power: Operand) -> Expression | NlExpr:
        """``e ** p`` for a real ``p``: ``e`` itself for 1, a quadratic for 2 on a scalar,
        numbers on a constant, else a nonlinear expression."""
        power = _exponent(power)
        if self.is_constant:
            return LinExpr.constant(np.power(self.const.reshape(self.shape), power))
        if power == 1:
            return self
        if power == 2 and self.shape == ():
            return self * self
        return _nonlinear().power(self, power)

    def __rpow__(self, base: Operand) -> NlExpr:
        return _nonlinear().as_nlexpr(self).__rpow__(base)

    def __matmul__(self, other: Operand) -> LinExpr | QuadExpr:
        return _matmul(self, other)

    def __rmatmul__(self, other: Operand) -> LinExpr | QuadExpr:
        return _matmul(other, self)

    # --- comparisons ------------------------------------------------------------------------

    def __ne__(self, other: Operand) -> Any:  # type: ignore[override]
        """``a != b`` is the condition ``~(a == b)``: ``a < b`` or ``a > b``."""
        equal = _compare(self, other, "==")
        return equal if equal is NotImplemented else ~equal

    #: By identity, as Var's and VarArray's: a slice of variables can key a MIP start.
    #: ``==`` builds a constraint, but dicts compare identity first and ids are unique.
    __hash__ = object.__hash__

    # --- program logic: abs(e), and binary variables used as conditions --------------------

    def __abs__(self) -> LinExpr:
        from branchwise.functions import abs_
        return abs_(self)

    def __bool__(self) -> bool:
        raise TypeError(
            "an expression with decision variables has no True/False value before it is solved: "
            "compare it (x >= 1) and use the condition in m.add(...) or bw.if_then_else(...), "
            "or read its value with res.value(...) after solving")

    def __str__(self) -> str:
        return self.text(self.model.column_names() if self.model is not None else [])

    def text(self, names: list[str]) -> str:
        """The expression written out (``2 x - y + 3``) with ``names`` for its columns."""
        if self.size != 1:
            return repr(self)
        coef = self.rows.matrix(self.rows.width).tocoo()
        terms = [_term(float(a), names[j] if j < len(names) else f"x{j}")
                 for j, a in sorted(zip(coef.col.tolist(), coef.data.tolist(), strict=True))]
        const = float(self.const[0])
        if const or not terms:
            terms.append(_term(const, ""))
        text = " ".join(terms)
        return text[2:] if text.startswith("+") else "-" + text[2:]


class Var(LinExpr):
    """One decision variable: a scalar expression that knows its column and name."""

    def __init__(self, model: Model, index: int, name: str) -> None:
        rows = Rows(_ONE_ROW, np.array([index]), _ONE)
        super().__init__(model, rows, _ZERO, ())
        self.index = index
        self.name = name

    def __repr__(self) -> str:
        return f"Var({self.name!r})"

    __hash__ = object.__hash__


class VarArray(LinExpr):
    """A block of decision variables with a numpy shape, in consecutive columns (row-major)."""

    def __init__(self, model: Model, start: int, shape: tuple[int, ...], name: str) -> None:
        size = math.prod(shape)
        super().__init__(model, Rows.identity(start, size), np.zeros(size), shape)
        self.start = start
        self.name = name

    @property
    def columns(self) -> np.ndarray:
        """The column index of every element, shaped like the array."""
        return self.start + self._positions()

    def __getitem__(self, key: Any) -> LinExpr:
        index = _element_index(key, self.shape)
        if index is None:
            idx = np.asarray(self._positions()[key])
            if idx.ndim:
                return self._take(idx)
            index = tuple(int(i) for i in np.unravel_index(int(idx), self.shape))
        flat = 0
        for i, d in zip(index, self.shape, strict=True):
            flat = flat * d + i
        label = ",".join(map(str, index))
        return Var(self.model, self.start + flat, f"{self.name}[{label}]")

    def __repr__(self) -> str:
        return f"VarArray({self.name!r}, shape={self.shape})"

    __hash__ = object.__hash__


class QuadExpr(_Comparisons):
    """A scalar quadratic expression ``Σ qv·x[qi]·x[qj] + lin`` (pairs in any order, repeats ok)."""

    __array_ufunc__ = None
    __array_priority__ = 100
    shape: tuple[int, ...] = ()

    def __init__(self, model: Model | None, qi: np.ndarray, qj: np.ndarray, qv: np.ndarray,
                 lin: LinExpr) -> None:
        self.model = model
        self.qi, self.qj, self.qv = qi, qj, qv
        self.lin = lin

    def __repr__(self) -> str:
        return f"QuadExpr(quadratic_terms={len(self.qv)}, linear_terms={self.lin.rows.nnz})"

    def matrix(self, n: int) -> sp.csr_matrix:
        """``P`` (n × n, duplicates summed, not symmetric) with value ``xᵀ P x + lin``."""
        return sp.csr_matrix((self.qv, (self.qi, self.qj)), shape=(n, n))

    def evaluate(self, x: np.ndarray) -> np.ndarray:
        """Value at the column vector ``x`` as a 0-d array."""
        if len(self.qv) and len(x) <= max(self.qi.max(), self.qj.max()):
            raise ValueError("the expression uses variables that the solution does not cover")
        quadratic = float(np.sum(self.qv * x[self.qi] * x[self.qj]))
        return np.asarray(quadratic + float(self.lin.evaluate(x)))

    def _with(self, qv: np.ndarray, lin: LinExpr) -> QuadExpr:
        return QuadExpr(_common_model(self, lin), self.qi, self.qj, qv, lin)

    def __add__(self, other: Operand) -> QuadExpr | NlExpr:
        other = _coerce(other)
        if other is None:
            return NotImplemented
        if other.shape != ():
            return _nonlinear().add(self, other)
        if isinstance(other, LinExpr):
            return self._with(self.qv, _add(self.lin, other))
        return QuadExpr(_common_model(self, other), np.concatenate([self.qi, other.qi]),
                        np.concatenate([self.qj, other.qj]),
                        np.concatenate([self.qv, other.qv]), _add(self.lin, other.lin))

    __radd__ = __add__

    def __neg__(self) -> QuadExpr:
        return self._with(-self.qv, -self.lin)

    def __sub__(self, other: Operand) -> QuadExpr:
        other = _coerce(other)
        return NotImplemented if other is None else self + (-other)

    def __rsub__(self, other: Operand) -> QuadExpr:
        other = _coerce(other)
        return NotImplemented if other is None else other + (-self)

    def __mul__(self, other: Operand) -> QuadExpr | NlExpr:
        other = _coerce(other)
        if other is None:
            return NotImplemented
        if not (isinstance(other, LinExpr) and other.is_constant and other.shape == ()):
            return _nonlinear().multiply(self, other)
        return self._with(self.qv * other.const[0], _scale(self.lin, other))

    __rmul__ = __mul__

    def __truediv__(self, other: Operand) -> QuadExpr | NlExpr:
        other = _coerce(other)
        if other is None:
            return NotImplemented
        if not (isinstance(other, LinExpr) and other.is_constant and other.shape == ()):
            return _nonlinear().divide(self, other)
        if other.const[0] == 0:
            raise ZeroDivisionError("division of an expression by zero")
        return self * (1.0 / float(other.const[0]))

    def __rtruediv__(self, other: Operand) -> NlExpr:
        other = _coerce(other)
        return NotImplemented if other is None else _nonlinear().divide(other, self)

    def __pow__(self, power: Operand) -> QuadExpr | NlExpr:
        return self if _exponent(power) == 1 else _nonlinear().power(self, power)

    def __rpow__(self, base: Operand) -> NlExpr:
        return _nonlinear().as_nlexpr(self).__rpow__(base)

    __hash__ = None  # type: ignore[assignment]


Expression = LinExpr | QuadExpr


class Constraint(LogicOperators):
    """``body <sense> 0`` element by element, made by comparing two expressions.

    ``sense`` is one of ``<=``, ``>=``, ``==``, ``<``, ``>``. A constraint is also a condition:
    ``&``, ``|``, ``~`` and ``^`` combine it with others (see :mod:`branchwise.logic`).
    """

    #: The condition that holds exactly when this one fails, sense by sense.
    NEGATED = {"<=": ">", ">=": "<", "<": ">=", ">": "<="}

    def __init__(self, body: Expression | NlExpr, sense: str) -> None:
        self.body = body
        self.sense = sense
        self.name: str | None = None

    @property
    def model(self) -> Model | None:
        return self.body.model

    @property
    def shape(self) -> tuple[int, ...]:
        return self.body.shape

    @property
    def is_quadratic(self) -> bool:
        return isinstance(self.body, QuadExpr)

    @property
    def is_linear(self) -> bool:
        return isinstance(self.body, LinExpr)

    @property
    def is_strict(self) -> bool:
        return self.sense in ("<", ">")

    def __bool__(self) -> bool:
        raise TypeError(
            "a comparison of expressions is a constraint, not True/False: pass it to m.add(...), "
            "or use it as a condition in bw.if_then_else(cond, a, b). "
            "Chained comparisons such as 0 <= x <= 1 need two separate constraints.")

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"Constraint{label}({self.body!r} {self.sense} 0)"

    def __str__(self) -> str:
        return f"{self.body} {self.sense} 0" if self.body.shape == () else repr(self)

    def row_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds on the rows of a linear constraint (without the constant)."""
        rhs = -self.body.const
        lower = rhs if self.sense in (">=", "==") else np.full_like(rhs, -np.inf)
        upper = rhs if self.sense in ("<=", "==") else np.full_like(rhs, np.inf)
        return lower, upper


def quicksum(items: Iterable[Operand]) -> Expression:
    """Sum of many expressions and numbers in one pass (``sum`` re-copies at every step)."""
    items, nonlinear = list(items), _nonlinear()
    if any(isinstance(item, nonlinear.NlExpr) for item in items):
        rest = quicksum(i for i in items if not isinstance(i, nonlinear.NlExpr))
        return functools.reduce(nonlinear.add, [i for i in items
                                                if isinstance(i, nonlinear.NlExpr)], rest)
    exprs = [as_expression(item) for item in items]
    model = _common_model(*exprs)
    shape = np.broadcast_shapes(*(e.shape for e in exprs)) if exprs else ()
    quads = [e for e in exprs if isinstance(e, QuadExpr)]
    if quads and shape != ():
        raise TypeError("a quadratic expression is scalar; it cannot be added to an array")
    lins = [e.broadcast_to(shape) for e in exprs if isinstance(e, LinExpr)]
    lins += [q.lin for q in quads]
    size = math.prod(shape)
    by_element = (np.arange(len(lins)) * size + np.arange(size)[:, None]).ravel()
    rows = Rows.stack([e.rows for e in lins]).take(by_element).group(len(lins), size)
    const = np.sum([e.const for e in lins], axis=0) if lins else np.zeros(size)
    total = LinExpr(model, rows, const, shape)
    if not quads:
        return total
    pairs = [np.concatenate([getattr(q, a) for q in quads]) for a in ("qi", "qj", "qv")]
    return QuadExpr(model, *pairs, total)


def as_expression(value: Operand) -> Expression:
    """``value`` as an expression: expressions pass through, numbers become constants."""
    expr = _coerce(value)
    if expr is None and isinstance(value, _nonlinear().NlExpr):
        raise TypeError("a nonlinear expression (exp, log, sqrt, norm2, powers, products or "
                        "quotients of expressions) cannot be used here yet: logic "
                        "(if_then_else, max, min, abs, conditions, @bw.program branches) "
                        "takes linear expressions")
    if expr is None:
        raise TypeError(f"expected an expression or numbers, got {type(value).__name__}")
    return expr


#: Up to this many terms, the per-row helpers compute in plain Python: numpy's setup costs
#: more than the arithmetic, and below 8 terms numpy sums sequentially too, so the results
#: are the same to the bit.
FEW_TERMS = 7


def scalar_terms(expr: LinExpr) -> tuple[np.ndarray, np.ndarray]:
    """The distinct columns (sorted) of a scalar expression and their summed nonzero
    coefficients, without scipy: reductions ask this of every row they build, and a scipy
    matrix per row costs tens of microseconds (a short row is summed in plain Python)."""
    indices, data = expr.rows.indices, expr.rows.data
    if indices.size <= FEW_TERMS:  # the rows of logic: plain Python beats numpy's setup
        summed: dict[int, float] = {}
        for j, a in zip(indices.tolist(), data.tolist(), strict=True):
            summed[j] = summed.get(j, 0.0) + a
        cols = sorted(j for j, a in summed.items() if a != 0.0)
        return (np.array(cols, dtype=indices.dtype),
                np.array([summed[j] for j in cols], dtype=float))
    if not np.all(indices[1:] > indices[:-1]):
        indices, where = np.unique(indices, return_inverse=True)
        data = np.bincount(where, weights=data, minlength=indices.size)
    keep = data != 0
    return indices[keep], data[keep]


def integral_terms(expr: LinExpr, integral: np.ndarray) -> bool:
    """True when every term of ``expr`` is an integer times a column flagged in ``integral``
    (so the expression minus its constant is an integer at every integral point)."""
    cols, data = scalar_terms(expr)
    return bool(np.all(integral[cols]) and np.all(data == np.round(data)))


def indexed_names(name: str, shape: tuple[int, ...]) -> list[str]:
    """``name[i,j]`` for every index of ``shape`` in row-major order; ``[name]`` for a scalar."""
    if not shape:
        return [name]
    labels = [[str(i) for i in range(d)] for d in shape]
    return [f"{name}[{label}]" for label in map(",".join, itertools.product(*labels))]


# --- helpers -------------------------------------------------------------------------------

def _logic() -> Any:
    """The logic module, imported on use: it builds on the expressions defined here."""
    from branchwise import logic
    return logic


def _exponent(power: Operand) -> float:
    """A real exponent, checked."""
    if isinstance(power, (bool, np.bool_)) or not isinstance(
            power, (int, float, np.integer, np.floating)) or not math.isfinite(power):
        raise TypeError(f"the exponent must be a finite real number, got {power!r}")
    return float(power)


def _nonlinear() -> Any:
    """The nonlinear expressions' module, imported on use: it builds on these."""
    from branchwise.nonlinear import expr as nlexpr
    return nlexpr


def _term(coef: float, name: str) -> str:
    """One signed term of a printed expression: ``+ x``, ``- 2 y``."""
    sign = "-" if coef < 0 else "+"
    size = abs(coef)
    if not name:
        return f"{sign} {size:g}"
    return f"{sign} {name}" if size == 1 else f"{sign} {size:g} {name}"


def _coerce(value: Operand) -> Expression | None:
    """An expression for ``value``, or None when it is neither an expression nor numeric.

    Numbers that are NaN or infinite raise (see :func:`require_finite`) instead of giving
    None: None makes Python answer with its generic "unsupported operand" error, which
    hides the bad number.
    """
    if isinstance(value, (LinExpr, QuadExpr)):
        return value
    if sp.issparse(value) or isinstance(value, Constraint):
        return None
    try:
        numbers = value if isinstance(value, (int, float)) else np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return LinExpr.constant(numbers)


def require_finite(numbers: np.ndarray) -> None:
    """Refuse NaN and ±inf among an expression's coefficients or constants, naming the first.

    An infinite coefficient has no meaning in a linear row (``inf * 0`` is NaN, and HiGHS
    refuses it); ±inf is meaningful only as a variable's bound (``m.continuous("x", 0,
    np.inf)``), which is where it belongs.
    """
    if np.isfinite(numbers).all():  # the common case, before searching for the culprit
        return
    bad = np.flatnonzero(~np.isfinite(numbers))
    if bad.size:
        at = None if np.size(numbers) == 1 else np.unravel_index(bad[0], np.shape(numbers))
        raise _non_finite(np.ravel(numbers)[bad[0]], at, bad.size)


def _require_finite_sparse(matrix: sp.spmatrix) -> None:
    """:func:`require_finite` for a sparse matrix, naming the entry's row and column."""
    coo = sp.coo_matrix(matrix)
    bad = np.flatnonzero(~np.isfinite(coo.data))
    if bad.size:
        raise _non_finite(coo.data[bad[0]], (coo.row[bad[0]], coo.col[bad[0]]), bad.size)


def _non_finite(value: float, at: tuple | None, count: int) -> ValueError:
    """The one-line error for a NaN or infinite coefficient ``value`` (at index ``at``)."""
    where = "" if at is None else f" at index {tuple(int(i) for i in at)}"
    more = f" (and {count - 1} more)" if count > 1 else ""
    return ValueError(f"coefficient {value} in an expression{where}{more}: coefficients and "
                      "constants must be finite numbers (±inf is allowed only as a "
                      "variable's bound)")


def _common_model(*exprs: Any) -> Model | None:
    """The one model the operands belong to (None for constants only)."""
    found = None
    for expr in exprs:
        model = getattr(expr, "model", None)
        if model is not None:
            if found is not None and model is not found:
                raise ValueError("cannot combine expressions from different models")
            found = model
    return found


def _normalize_axes(axis: int | tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    axes = tuple(range(ndim)) if axis is None else (axis,) if np.isscalar(axis) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of bounds for an expression with {ndim} dimensions")
    return tuple(sorted({int(a) % ndim for a in axes}))


def _element_index(key: Any, shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """``key`` as a non-negative index of one element when it is plain ints, else None."""
    key = key if type(key) is tuple else (key,)
    if len(key) != len(shape) or not all(type(k) is int or isinstance(k, np.integer)
                                         for k in key):
        return None
    if not all(-d <= k < d for k, d in zip(key, shape, strict=True)):
        raise IndexError(f"index {key} is out of bounds for shape {shape}")
    return tuple(int(k) % d for k, d in zip(key, shape, strict=True))


def _broadcast(a: LinExpr | np.ndarray, b: LinExpr) -> tuple[int, ...]:
    """The shape ``a`` and ``b`` broadcast to."""
    return a.shape if a.shape == b.shape else np.broadcast_shapes(a.shape, b.shape)


def _add(a: LinExpr, b: LinExpr) -> LinExpr:
    """Elementwise ``a + b`` with broadcasting."""
    model = _common_model(a, b)
    shape = _broadcast(a, b)
    a, b = a.broadcast_to(shape), b.broadcast_to(shape)
    return LinExpr(model, a.rows.plus(b.rows), a.const + b.const, shape)


def _scale(e: LinExpr, factor: LinExpr) -> LinExpr:
    """Elementwise ``e * factor`` for a variable-free ``factor``, with broadcasting."""
    if factor.shape == ():
        f = float(factor.const[0])
        shape = e.shape
    else:
        shape = _broadcast(e, factor)
        e = e.broadcast_to(shape)
        f = np.broadcast_to(factor.const.reshape(factor.shape), shape).ravel()
    with np.errstate(over="ignore"):  # an overflow is reported below, naming the value
        rows, const = e.rows.scale(f), e.const * f
    require_finite(rows.data)
    require_finite(const)
    return LinExpr(e.model, rows, const, shape)


def _inner(a: LinExpr, b: LinExpr) -> QuadExpr:
    """``Σ_k a_k b_k`` for two expressions of the same shape: a scalar quadratic."""
    model = _common_model(a, b)
    if a.size == 1:
        ra, rb = a.rows, b.rows
        qi, qj = np.repeat(ra.indices, rb.nnz), np.tile(rb.indices, ra.nnz)
        qv = np.outer(ra.data, rb.data).ravel()
    else:
        n = max(a.rows.width, b.rows.width)
        product = (a.rows.matrix(n).T @ b.rows.matrix(n)).tocoo()
        qi, qj, qv = product.row.astype(np.int64), product.col.astype(np.int64), product.data
    rows = (a.rows.scale(b.const).group(a.size, 1)).plus(b.rows.scale(a.const).group(b.size, 1))
    return QuadExpr(model, qi, qj, qv, LinExpr(model, rows, np.array([a.const @ b.const]), ()))


def _matmul(left: Operand, right: Operand) -> Expression:
    """numpy's ``left @ right`` for 1-D and 2-D operands; sparse matrices are kept sparse."""
    lhs, rhs = _matmul_operand(left), _matmul_operand(right)
    if lhs is None or rhs is None:
        return NotImplemented
    lvar, rvar = isinstance(lhs, LinExpr), isinstance(rhs, LinExpr)
    if not (lvar or rvar):
        product = lhs @ rhs
        return LinExpr.constant(product.toarray() if sp.issparse(product) else product)
    if lvar and rvar:
        if lhs.ndim == rhs.ndim == 1 and lhs.shape == rhs.shape:
            return _inner(lhs, rhs)
        raise TypeError("@ between two expressions with variables is only supported for "
                        "two vectors of the same length (a quadratic dot product)")
    for operand in (lhs, rhs):
        if len(operand.shape) not in (1, 2):
            raise ValueError("@ needs 1-D or 2-D operands; use * to scale by a number")
    if lhs.shape[-1] != rhs.shape[0]:
        raise ValueError(f"@ shapes {lhs.shape} and {rhs.shape} do not align")
    out_shape = lhs.shape[:-1] + rhs.shape[1:]
    if lvar:
        p = lhs.shape[0] if lhs.ndim == 2 else 1
        N = sp.csr_matrix(rhs if rhs.ndim == 2 else np.reshape(rhs, (-1, 1)))  # noqa: N806
        mix = N.T if p == 1 else sp.kron(sp.identity(p), N.T)
        const = lhs.const.reshape(p, -1) @ N
    else:
        r = rhs.shape[1] if rhs.ndim == 2 else 1
        M = sp.csr_matrix(lhs)  # noqa: N806 (a 1-D array becomes one row)
        mix = M if r == 1 else sp.kron(M, sp.identity(r))
        const = M @ rhs.const.reshape(-1, r)
    expr = lhs if lvar else rhs
    rows = Rows.from_scipy(mix @ expr.coef)
    return LinExpr(expr.model, rows, np.ravel(const), out_shape)


def _matmul_operand(value: Operand) -> LinExpr | np.ndarray | sp.spmatrix | None:
    """An operand of @: an expression with variables, or a constant matrix (dense or sparse)."""
    if sp.issparse(value):
        _require_finite_sparse(value)
        return value
    expr = _coerce(value)
    if expr is None or isinstance(expr, QuadExpr):
        return None
    return expr.const.reshape(expr.shape) if expr.is_constant else expr


def _compare(a: Expression, b: Operand, sense: str) -> Constraint:
    """The constraint ``a <sense> b``, kept as ``a - b <sense> 0``."""
    if _coerce(b) is None and not isinstance(b, _nonlinear().NlExpr):
        return NotImplemented
    body = a - b
    _require_satisfiable_side(body, sense)
    return Constraint(body, sense)


def _require_satisfiable_side(body: Expression | NlExpr, sense: str) -> None:
    """Refuse a right-hand side at or beyond ``INFINITY`` on the side that binds
    (``x >= 1e29``): branchwise, like HiGHS and MPS files, takes such a number as infinite,
    and no point satisfies ``x >= inf``. The other side (``x <= 1e29``) is a free row, as
    in an MPS file."""
    lin = body.lin if isinstance(body, QuadExpr) else body
    if not isinstance(lin, LinExpr):
        return
    rhs = -lin.const
    lower_binds, upper_binds = sense in (">=", ">", "=="), sense in ("<=", "<", "==")
    beyond = (lower_binds & (rhs >= INFINITY)) | (upper_binds & (rhs <= -INFINITY))
    if beyond.any():
        raise ValueError(
            f"right-hand side {rhs[np.flatnonzero(beyond)[0]]:g} of a {sense} constraint is "
            f"at or beyond ±{INFINITY:g}, which branchwise (like HiGHS and MPS files) takes "
            "as infinite, so no point satisfies it: rescale the model")
