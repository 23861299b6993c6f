"""Conditions: comparisons, binary variables and their logical combinations.

A condition is a small DAG of scalar nodes. The leaves are comparisons
(:class:`~branchwise.expr.Constraint`, from ``<= >= == < >``) and binary variables
(:class:`Literal`); above them sit :class:`Not`, :class:`And`, :class:`Or`, :class:`Count`
(``at_least``/``at_most``/``exactly``) and :class:`Complements`. Each node knows its truth
on plain floats (:func:`truth`, :func:`holds`) and its negation (:func:`negate`); how it
becomes rows lives in ``relaxations/``.

Array comparisons combine element by element into a :class:`ConditionArray`. A combination
of plain Python bools folds to a bool, so the same code runs on numbers and on variables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from branchwise.core.tolerances import FEASIBILITY
from branchwise.expr import (
    Constraint,
    LinExpr,
    LogicOperators,
    QuadExpr,
    Rows,
    as_expression,
)

if TYPE_CHECKING:
    from branchwise.model import Model

_NO_TRUTH = (
    "a condition on decision variables has no True/False value before it is solved: "
    "use it in m.add(cond) or bw.if_then_else(cond, a, b), read it with res.value(cond) "
    "after solving, or decorate the function with @bw.program so its `if` becomes logic")


class Condition(LogicOperators):
    """A scalar logical condition over a model's variables; combine with ``& | ~ ^``."""

    children: tuple[Any, ...] = ()
    shape: tuple[int, ...] = ()
    name: str | None = None

    @property
    def model(self) -> Model | None:
        return next((c.model for c in self.children if c.model is not None), None)

    def __bool__(self) -> bool:
        raise TypeError(_NO_TRUTH)

    def __repr__(self) -> str:
        inner = ", ".join(str(c) for c in self.children)
        return f"{type(self).__name__}({inner})"

    __str__ = __repr__


class Literal(Condition):
    """A binary column as a condition: true when it is 1 (or 0, when not ``positive``)."""

    def __init__(self, model: Model, column: int, positive: bool = True) -> None:
        self._model, self.column, self.positive = model, column, positive

    @property
    def model(self) -> Model:
        return self._model

    def expression(self) -> LinExpr:
        """The 0/1 expression that is 1 exactly when the literal holds: ``b`` or ``1 - b``."""
        var = LinExpr(self._model, Rows.identity(self.column, 1), np.zeros(1), ())
        return var if self.positive else 1 - var

    def __repr__(self) -> str:
        name = self._model.column_names()[self.column]
        return name if self.positive else f"~{name}"

    __str__ = __repr__


class Not(Condition):
    """Holds when its one child does not."""

    def __init__(self, child: Any) -> None:
        self.children = (child,)

    @property
    def child(self) -> Any:
        return self.children[0]


class And(Condition):
    """Holds when every child holds."""

    def __init__(self, children: Iterable[Any]) -> None:
        self.children = tuple(children)


class Or(Condition):
    """Holds when at least one child holds."""

    def __init__(self, children: Iterable[Any]) -> None:
        self.children = tuple(children)


class Count(Condition):
    """Holds when between ``lo`` and ``hi`` of the children hold (inclusive)."""

    def __init__(self, children: Iterable[Any], lo: int, hi: int) -> None:
        self.children = tuple(children)
        self.lo, self.hi = lo, hi

    def __repr__(self) -> str:
        inner = ", ".join(str(c) for c in self.children)
        return f"Count({self.lo} <= #[{inner}] <= {self.hi})"

    __str__ = __repr__


class Complements(Condition):
    """``y >= 0``, ``z >= 0`` and ``y * z == 0``: at most one of the two is nonzero."""

    def __init__(self, y: LinExpr, z: LinExpr) -> None:
        self.y, self.z = y, z

    @property
    def model(self) -> Model | None:
        return self.y.model if self.y.model is not None else self.z.model

    def expand(self) -> Condition | bool:
        """The same condition written with comparisons: ``y, z >= 0`` and one of them ``<= 0``."""
        y, z = self.y, self.z
        return _and([y >= 0, z >= 0, _or([y <= 0, z <= 0])])

    def __repr__(self) -> str:
        return f"complements({self.y}, {self.z})"

    __str__ = __repr__


class ConditionArray(LogicOperators):
    """An array of scalar conditions (and bools), combined element by element."""

    __array_ufunc__ = None
    __array_priority__ = 100

    def __init__(self, items: np.ndarray) -> None:
        self.items = items

    @property
    def shape(self) -> tuple[int, ...]:
        return self.items.shape

    @property
    def model(self) -> Model | None:
        return next((getattr(c, "model", None) for c in self.items.flat
                     if getattr(c, "model", None) is not None), None)

    def __getitem__(self, key: Any) -> Any:
        item = self.items[key]
        return ConditionArray(item) if isinstance(item, np.ndarray) else item

    def __bool__(self) -> bool:
        raise TypeError(_NO_TRUTH)

    def __repr__(self) -> str:
        return f"ConditionArray(shape={self.shape})"


Scalar = Condition | Constraint | bool


# --- the public logic functions -----------------------------------------------------------

def and_(*conditions: Any) -> Any:
    """Holds when every condition holds (element by element for arrays)."""
    return elementwise(lambda *cs: _and([as_condition(c) for c in cs]), *conditions)


def or_(*conditions: Any) -> Any:
    """Holds when at least one condition holds (element by element for arrays)."""
    return elementwise(lambda *cs: _or([as_condition(c) for c in cs]), *conditions)


def not_(condition: Any) -> Any:
    """Holds when ``condition`` does not."""
    return elementwise(lambda c: _not(as_condition(c)), condition)


def implies(a: Any, b: Any) -> Any:
    """``a`` implies ``b``: ``~a | b``."""
    return or_(not_(a), b)


def iff(a: Any, b: Any) -> Any:
    """``a`` holds exactly when ``b`` holds."""
    return not_(xor(a, b))


def xor(a: Any, b: Any) -> Any:
    """Exactly one of ``a`` and ``b`` holds."""
    return elementwise(lambda p, q: _count([as_condition(p), as_condition(q)], 1, 1), a, b)


def either(*conditions: Any) -> Any:
    """At least one of the conditions holds (a disjunction); also takes one iterable."""
    if len(conditions) == 1 and not _is_condition_like(conditions[0]):
        conditions = tuple(conditions[0])
    return or_(*conditions)


def at_least(k: int, conditions: Any) -> Any:
    """At least ``k`` of the conditions hold."""
    items = _flatten(conditions)
    return _count(items, _count_arg(k), len(items))


def at_most(k: int, conditions: Any) -> Any:
    """At most ``k`` of the conditions hold."""
    return _count(_flatten(conditions), 0, _count_arg(k))


def exactly(k: int, conditions: Any) -> Any:
    """Exactly ``k`` of the conditions hold."""
    k = _count_arg(k)
    return _count(_flatten(conditions), k, k)


def complements(y: Any, z: Any) -> Any:
    """``y >= 0``, ``z >= 0`` and ``y * z == 0`` (``z`` may be an expression)."""
    def one(a: Any, b: Any) -> Any:
        ya, zb = _linear(a, "complements"), _linear(b, "complements")
        if same_model([ya, zb]) is None:
            va, vb = float(ya.const[0]), float(zb.const[0])
            return va >= 0 and vb >= 0 and va * vb == 0
        return Complements(ya, zb)
    return elementwise(one, y, z)


# --- scalar builders, folding Python bools --------------------------------------------------

def same_model(items: Iterable[Any]) -> Model | None:
    """The one model the items belong to (None for none); two models are an error."""
    models = {id(m): m for m in (getattr(i, "model", None) for i in items) if m is not None}
    if len(models) > 1:
        raise ValueError("cannot combine conditions or expressions from different models")
    return next(iter(models.values()), None)


def _and(items: list[Scalar]) -> Scalar:
    return _combine(items, True, And)


def _or(items: list[Scalar]) -> Scalar:
    return _combine(items, False, Or)


def _combine(items: list[Scalar], unit: bool, node: type) -> Scalar:
    """``items`` joined by ``node`` (And or Or) with constants folded: ``unit`` (True for
    And) drops out, its opposite decides, and a single item stands for itself."""
    same_model(items)
    if any(c is (not unit) for c in items):
        return not unit
    rest = [c for c in items if c is not unit]
    return unit if not rest else rest[0] if len(rest) == 1 else node(rest)


def _not(item: Scalar) -> Scalar:
    if isinstance(item, bool):
        return not item
    return item.child if isinstance(item, Not) else Not(item)


def _count(items: list[Scalar], lo: int, hi: int) -> Scalar:
    same_model(items)
    fixed = sum(1 for c in items if c is True)
    rest = [c for c in items if not isinstance(c, bool)]
    lo, hi = max(lo - fixed, 0), min(hi - fixed, len(rest))
    if lo > hi:
        return False
    if lo == 0 and hi == len(rest):
        return True
    return Count(rest, lo, hi)


def _count_arg(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise TypeError(f"the count must be a non-negative int, not {k!r}")
    return int(k)


# --- conversion and element-by-element application -----------------------------------------

def as_condition(value: Any) -> Scalar:
    """A scalar condition from a comparison, a binary variable, a condition or a bool."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, Condition):
        return value
    if isinstance(value, Constraint):
        if not value.is_linear:
            raise NotImplementedError("quadratic and nonlinear comparisons cannot be used in "
                                      "logic (conditions, if_then_else, @bw.program branches) "
                                      "yet: add them to the model as constraints")
        if value.shape != ():
            raise TypeError("an array comparison is not one condition: combine arrays with "
                            "& | ~, or count them with bw.at_least/at_most/exactly")
        return truth(value, np.zeros(0)) if value.body.is_constant else value
    if isinstance(value, LinExpr):
        return _literal(value)
    raise TypeError(f"expected a condition (a comparison such as x <= 3, a binary variable, "
                    f"or a combination of them), got {type(value).__name__}")


def _literal(expr: LinExpr) -> Literal:
    """``b`` or ``1 - b`` for a binary column ``b`` as a condition; anything else is refused."""
    coef = expr.rows.matrix(expr.rows.width).tocoo() if expr.size == 1 else None
    if coef is not None and coef.nnz == 1 and expr.model is not None:
        column, a, c = int(coef.col[0]), float(coef.data[0]), float(expr.const[0])
        if expr.model.is_binary(column) and (a, c) in ((1.0, 0.0), (-1.0, 1.0)):
            return Literal(expr.model, column, positive=a > 0)
    raise TypeError(f"{expr} is not a condition: only binary variables (b, or 1 - b) are "
                    f"conditions by themselves; compare other expressions, e.g. ({expr}) >= 1")


def _is_condition_like(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_, Condition, Constraint, ConditionArray, LinExpr))


def _flatten(conditions: Any) -> list[Scalar]:
    """The scalar conditions in an iterable, an array comparison or a ConditionArray."""
    if isinstance(conditions, (Constraint, ConditionArray, LinExpr, np.ndarray)):
        conditions = [conditions]
    items: list[Scalar] = []
    for c in conditions:
        shape = shape_of(c)
        spread = _spread(c, shape)
        items.extend(as_condition(spread(index)) for index in np.ndindex(*shape))
    return items


def _linear(value: Any, where: str) -> LinExpr:
    expr = as_expression(value)
    if isinstance(expr, QuadExpr):
        raise NotImplementedError(f"{where} takes linear expressions, not quadratic ones")
    return expr


def shape_of(value: Any) -> tuple[int, ...]:
    """The numpy shape of an expression, condition, array or number."""
    if isinstance(value, (LinExpr, Constraint, ConditionArray, np.ndarray)):
        return tuple(value.shape)
    return ()


def _spread(value: Any, shape: tuple[int, ...]) -> Callable[[tuple[int, ...]], Any]:
    """A function giving the element of ``value`` broadcast to ``shape`` at an index."""
    if shape == ():
        return lambda i: value.item() if isinstance(value, np.ndarray) else value
    if isinstance(value, Constraint):
        body = value.body.broadcast_to(shape)
        return lambda i: Constraint(body[i], value.sense)
    if isinstance(value, LinExpr):
        expr = value.broadcast_to(shape)
        return lambda i: expr[i]
    if isinstance(value, ConditionArray):
        items = np.broadcast_to(value.items, shape)
        return lambda i: items[i]
    if isinstance(value, np.ndarray):
        arr = np.broadcast_to(value, shape)
        return lambda i: arr[i].item()
    return lambda i: value


def elementwise(fn: Callable[..., Any], *operands: Any) -> Any:
    """``fn`` on scalar operands, or element by element over their broadcast shape.

    The elements' results are assembled into a :class:`ConditionArray` when they are
    conditions, an expression array when they are expressions, an ndarray for numbers.
    """
    shape = np.broadcast_shapes(*(shape_of(o) for o in operands))
    spread = [_spread(o, shape) for o in operands]
    if shape == ():
        return fn(*(s(()) for s in spread))
    items = [fn(*(s(index) for s in spread)) for index in np.ndindex(*shape)]
    return assemble(items, shape)


def assemble(items: list[Any], shape: tuple[int, ...]) -> Any:
    """Element results as one array: conditions, expressions, or plain numbers."""
    if all(isinstance(i, (bool, Condition, Constraint)) for i in items):
        if all(isinstance(i, bool) for i in items):
            return np.array(items, dtype=bool).reshape(shape)
        arr = np.empty(len(items), dtype=object)
        arr[:] = items
        return ConditionArray(arr.reshape(shape))
    if all(isinstance(i, (int, float)) for i in items):
        return np.array(items, dtype=float).reshape(shape)
    exprs = [_linear(i, "an array result") for i in items]
    model = next((e.model for e in exprs if e.model is not None), None)
    rows = Rows.stack([e.rows for e in exprs])
    return LinExpr(model, rows, np.concatenate([e.const for e in exprs]), shape)


# --- meaning: negation and truth on plain floats --------------------------------------------

def negate(cond: Scalar) -> Scalar:
    """The condition that holds exactly when ``cond`` fails, with the negation pushed one
    level down (to the comparisons, literals and counts)."""
    if isinstance(cond, bool):
        return not cond
    if isinstance(cond, Constraint):
        if cond.sense == "==":
            return Or([Constraint(cond.body, "<"), Constraint(cond.body, ">")])
        return Constraint(cond.body, Constraint.NEGATED[cond.sense])
    if isinstance(cond, Literal):
        return Literal(cond.model, cond.column, not cond.positive)
    if isinstance(cond, Not):
        return cond.child
    if isinstance(cond, And):
        return _or([_not(c) for c in cond.children])
    if isinstance(cond, Or):
        return _and([_not(c) for c in cond.children])
    if isinstance(cond, Count):
        n = len(cond.children)
        parts = [_count(list(cond.children), 0, cond.lo - 1) if cond.lo > 0 else False,
                 _count(list(cond.children), cond.hi + 1, n) if cond.hi < n else False]
        return _or(parts)
    if isinstance(cond, Complements):
        return negate(cond.expand())
    raise TypeError(f"not a condition: {cond!r}")


def truth(cond: Scalar, x: np.ndarray, witness: dict | None = None) -> bool:
    """Whether ``cond`` holds at the column values ``x``, as Python decides on plain floats.

    A node in ``witness`` (the branch the solver took for it) keeps its witnessed value
    whenever that value holds within tolerance, so a point on a boundary takes the
    solver's branch.
    """
    if isinstance(cond, bool):
        return cond
    if witness and cond in witness:
        taken = witness[cond]
        if holds(cond if taken else negate(cond), x):
            return taken
    if isinstance(cond, Constraint):
        value = float(cond.body.evaluate(x))
        return {"<=": value <= 0, ">=": value >= 0, "==": value == 0,
                "<": value < 0, ">": value > 0}[cond.sense]
    if isinstance(cond, Literal):
        return (x[cond.column] > 0.5) == cond.positive
    if isinstance(cond, Not):
        return not truth(cond.child, x, witness)
    if isinstance(cond, And):
        return all(truth(c, x, witness) for c in cond.children)
    if isinstance(cond, Or):
        return any(truth(c, x, witness) for c in cond.children)
    if isinstance(cond, Count):
        return cond.lo <= sum(truth(c, x, witness) for c in cond.children) <= cond.hi
    if isinstance(cond, Complements):
        return holds(cond, x)
    raise TypeError(f"not a condition: {cond!r}")


def holds(cond: Scalar, x: np.ndarray, tol: float = FEASIBILITY) -> bool:
    """Whether ``cond`` holds at ``x`` within tolerance: a non-strict comparison may miss by
    ``tol`` (scaled by ``max(1, |constant|)`` as rows are); a strict one must hold exactly,
    as Python decides it (the model keeps a gap of ``strict_gap`` for it)."""
    if isinstance(cond, bool):
        return cond
    if isinstance(cond, Constraint):
        value = float(cond.body.evaluate(x))
        if cond.is_strict:
            return value < 0 if cond.sense == "<" else value > 0
        value /= max(1.0, abs(float(cond.body.const[0])))
        if cond.sense == "==":
            return abs(value) <= tol
        return value <= tol if cond.sense == "<=" else value >= -tol
    if isinstance(cond, Literal):
        value = x[cond.column]
        return value >= 1 - tol if cond.positive else value <= tol
    if isinstance(cond, Not):
        return holds(negate(cond.child), x, tol)
    if isinstance(cond, And):
        return all(holds(c, x, tol) for c in cond.children)
    if isinstance(cond, Or):
        return any(holds(c, x, tol) for c in cond.children)
    if isinstance(cond, Count):
        possible = sum(holds(c, x, tol) for c in cond.children)
        certain = sum(not holds(negate(c), x, tol) for c in cond.children)
        return possible >= cond.lo and certain <= cond.hi
    if isinstance(cond, Complements):
        y, z = float(cond.y.evaluate(x)), float(cond.z.evaluate(x))
        return y >= -tol and z >= -tol and min(y, z) <= tol
    raise TypeError(f"not a condition: {cond!r}")


def leaves(cond: Scalar) -> Iterable[Constraint | Literal | Complements]:
    """Every comparison, literal and complementarity under ``cond``."""
    if isinstance(cond, (Constraint, Literal, Complements)):
        yield cond
    elif isinstance(cond, Condition):
        for child in cond.children:
            yield from leaves(child)


def required_comparisons(conditions: Iterable[Any]) -> list[Constraint]:
    """The comparisons ``conditions`` require outright (top level, or inside a top-level
    And), strict ones relaxed to non-strict: rows every solution satisfies."""
    found: list[Constraint] = []
    stack = list(conditions)
    while stack:
        cond = stack.pop()
        if isinstance(cond, And):
            stack.extend(cond.children)
        elif isinstance(cond, Constraint):
            found.append(Constraint(cond.body, cond.sense + "=") if cond.is_strict else cond)
    return found

