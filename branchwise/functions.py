"""``abs``, ``max``, ``min``, ``if_then_else``, ``piecewise`` and ``steps`` of expressions.

Each call returns an ordinary expression over a new derived column that the model records
with its *definition*: a node below that knows its value on plain floats, its interval,
its convexity and monotonicity, and the linear inequalities it always satisfies. Its rows
come from ``relaxations/``. Calls on plain numbers return plain numbers, so the same code
runs on floats and on variables; arrays are handled element by element.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from branchwise.core.tolerances import FEASIBILITY
from branchwise.expr import Constraint, LinExpr, as_expression
from branchwise.logic import (
    Condition,
    and_,
    as_condition,
    elementwise,
    not_,
    or_,
    same_model,
    shape_of,
    truth,
)

if TYPE_CHECKING:
    from branchwise.model import Model

Interval = tuple[float, float]


class Definition:
    """A derived column ``y = f(operands)``; subclasses say what ``f`` is."""

    kind = ""
    #: "convex", "concave" or None: the direction in which ``y >= f`` / ``y <= f`` is a
    #: convex set, so the definition may be relaxed where only that side matters.
    convexity: str | None = None

    def __init__(self, operands: Sequence[LinExpr]) -> None:
        self.operands = tuple(operands)
        self.column = -1

    @property
    def model(self) -> Model | None:
        return next((o.model for o in self.operands if o.model is not None), None)

    def value(self, *args: float) -> float:
        raise NotImplementedError

    def evaluate(self, x: np.ndarray, witness: dict | None = None) -> float:
        """``f`` at the column values ``x`` on plain floats."""
        return self.value(*(float(o.evaluate(x)) for o in self.operands))

    def interval(self, *bounds: Interval) -> Interval:
        """Bounds on ``f`` given bounds on each operand."""
        raise NotImplementedError

    def monotone(self, k: int) -> int:
        """+1 when ``f`` never decreases as operand ``k`` grows, else 0."""
        return 0

    def integral(self, operands: Sequence[bool]) -> bool:
        """True when ``f`` is an integer whenever the operands flagged True are."""
        return False

    def valid_inequalities(self, y: LinExpr) -> list[Constraint]:
        """Linear inequalities between ``y`` and the operands that every point satisfies."""
        return []

    def __repr__(self) -> str:
        return f"{self.kind}({', '.join(str(o) for o in self.operands)})"


class Max(Definition):
    """The largest operand."""

    kind, convexity = "max", "convex"

    def value(self, *args: float) -> float:
        return max(args)

    def interval(self, *bounds: Interval) -> Interval:
        return max(b[0] for b in bounds), max(b[1] for b in bounds)

    def monotone(self, k: int) -> int:
        return 1

    def integral(self, operands: Sequence[bool]) -> bool:
        return all(operands)

    def valid_inequalities(self, y: LinExpr) -> list[Constraint]:
        return [y >= a for a in self.operands]


class Min(Definition):
    """The smallest operand."""

    kind, convexity = "min", "concave"

    def value(self, *args: float) -> float:
        return min(args)

    def interval(self, *bounds: Interval) -> Interval:
        return min(b[0] for b in bounds), min(b[1] for b in bounds)

    def monotone(self, k: int) -> int:
        return 1

    def integral(self, operands: Sequence[bool]) -> bool:
        return all(operands)

    def valid_inequalities(self, y: LinExpr) -> list[Constraint]:
        return [y <= a for a in self.operands]


class Abs(Definition):
    """The absolute value of the one operand."""

    kind, convexity = "abs", "convex"

    def value(self, *args: float) -> float:
        return abs(args[0])

    def interval(self, *bounds: Interval) -> Interval:
        lo, hi = bounds[0]
        if lo >= 0:
            return lo, hi
        if hi <= 0:
            return -hi, -lo
        return 0.0, max(-lo, hi)

    def integral(self, operands: Sequence[bool]) -> bool:
        return all(operands)

    def valid_inequalities(self, y: LinExpr) -> list[Constraint]:
        e = self.operands[0]
        return [y >= e, y >= -e]


class IfThenElse(Definition):
    """The first operand where ``cond`` holds, else the second."""

    kind = "if"

    def __init__(self, cond: Condition | Constraint, a: LinExpr, b: LinExpr) -> None:
        super().__init__((a, b))
        self.cond = cond

    @property
    def model(self) -> Model | None:
        return self.cond.model if self.cond.model is not None else super().model

    def value(self, *args: float) -> float:
        taken, a, b = args
        return a if taken else b

    def evaluate(self, x: np.ndarray, witness: dict | None = None) -> float:
        a, b = (float(o.evaluate(x)) for o in self.operands)
        return self.value(truth(self.cond, x, witness), a, b)

    def interval(self, *bounds: Interval) -> Interval:
        return min(b[0] for b in bounds), max(b[1] for b in bounds)

    def integral(self, operands: Sequence[bool]) -> bool:
        return all(operands)

    def __repr__(self) -> str:
        a, b = self.operands
        return f"if_then_else({self.cond}, {a}, {b})"


class Piecewise(Definition):
    """Linear interpolation through ``(xs[i], ys[i])``; undefined (NaN) outside the xs."""

    kind = "pw"

    def __init__(self, operands: Sequence[LinExpr], xs: np.ndarray, ys: np.ndarray) -> None:
        super().__init__(operands)
        self.xs, self.ys = xs, ys
        slopes = np.diff(ys) / np.diff(xs)
        self.slopes = slopes
        self.convexity = ("convex" if np.all(np.diff(slopes) >= 0) else
                          "concave" if np.all(np.diff(slopes) <= 0) else None)

    def value(self, *args: float) -> float:
        x = args[0]
        slack = FEASIBILITY * max(1.0, abs(x))
        if not self.xs[0] - slack <= x <= self.xs[-1] + slack:
            return math.nan
        return float(np.interp(x, self.xs, self.ys))

    def interval(self, *bounds: Interval) -> Interval:
        lo, hi = max(bounds[0][0], self.xs[0]), min(bounds[0][1], self.xs[-1])
        if lo > hi:
            return float(self.ys.min()), float(self.ys.max())
        inside = self.ys[(self.xs > lo) & (self.xs < hi)]
        ends = np.interp([lo, hi], self.xs, self.ys)
        values = np.concatenate([inside, ends])
        return float(values.min()), float(values.max())

    def lines(self) -> list[tuple[float, float]]:
        """(slope, intercept) of each segment."""
        return [(float(s), float(y - s * x))
                for s, x, y in zip(self.slopes, self.xs[:-1], self.ys[:-1], strict=True)]

    def valid_inequalities(self, y: LinExpr) -> list[Constraint]:
        x = self.operands[0]
        rows = [x >= float(self.xs[0]), x <= float(self.xs[-1])]
        if self.convexity == "convex":
            rows += [y >= s * x + c for s, c in self.lines()]
        elif self.convexity == "concave":
            rows += [y <= s * x + c for s, c in self.lines()]
        return rows

    def __repr__(self) -> str:
        return f"piecewise({self.operands[0]}, {self.xs.tolist()}, {self.ys.tolist()})"


class Steps(Definition):
    """``values[i]`` where ``cuts[i-1] <= x < cuts[i]``: a step function of one operand."""

    kind = "steps"

    def __init__(self, operands: Sequence[LinExpr], cuts: np.ndarray,
                 values: np.ndarray) -> None:
        super().__init__(operands)
        self.cuts, self.values = cuts, values

    def segment(self, x: float) -> int:
        """The index of the step that holds ``x``."""
        return bisect.bisect_right(self.cuts.tolist(), x)

    def value(self, *args: float) -> float:
        return float(self.values[self.segment(args[0])])

    def evaluate(self, x: np.ndarray, witness: dict | None = None) -> float:
        v = float(self.operands[0].evaluate(x))
        taken = witness.get(self) if witness else None
        if taken is not None and self.contains(taken, v):
            return float(self.values[taken])
        return self.value(v)

    def contains(self, i: int, x: float) -> bool:
        """True when ``x`` lies in step ``i`` within tolerance."""
        slack = FEASIBILITY * max(1.0, abs(x))
        above = i == 0 or x >= self.cuts[i - 1] - slack
        below = i == len(self.cuts) or x <= self.cuts[i] + slack
        return above and below

    def interval(self, *bounds: Interval) -> Interval:
        lo, hi = bounds[0]
        reach = [v for i, v in enumerate(self.values)
                 if (i == 0 or self.cuts[i - 1] <= hi) and (i == len(self.cuts) or
                                                           self.cuts[i] > lo)]
        reach = reach or list(self.values)
        return float(min(reach)), float(max(reach))

    def integral(self, operands: Sequence[bool]) -> bool:
        return bool(np.all(self.values == np.round(self.values)))

    def __repr__(self) -> str:
        return f"steps({self.operands[0]}, {self.cuts.tolist()}, {self.values.tolist()})"


# --- the public functions -----------------------------------------------------------------

def abs_(e: Any) -> Any:
    """``|e|`` (what ``abs(expr)`` calls)."""
    return elementwise(lambda v: _define(Abs, [v]), e)


def max_(*args: Any) -> Any:
    """The largest of the arguments; one array or list argument: the largest of its
    elements; several array arguments: element by element (as ``numpy.maximum``)."""
    return _extremum(Max, args, "max")


def min_(*args: Any) -> Any:
    """The smallest of the arguments, with the same argument rules as :func:`max_`."""
    return _extremum(Min, args, "min")


def if_then_else(cond: Any, a: Any, b: Any) -> Any:
    """``a`` where ``cond`` holds, else ``b`` (element by element for arrays).

    ``cond`` is a comparison, a binary variable, a logical combination or a bool; when
    ``a`` and ``b`` are conditions the result is the condition ``(cond & a) | (~cond & b)``.
    """
    return elementwise(_if_then_else, cond, a, b)


def piecewise(x: Any, xs: Sequence[float], ys: Sequence[float]) -> Any:
    """The continuous piecewise-linear function through the points ``(xs[i], ys[i])``.

    ``xs`` must increase strictly; ``x`` is restricted to ``[xs[0], xs[-1]]`` (add end
    points to extend the function).
    """
    xs_arr, ys_arr = _points(xs, ys)
    return elementwise(lambda v: _define(Piecewise, [v], xs_arr, ys_arr), x)


def steps(x: Any, cuts: Sequence[float], values: Sequence[float]) -> Any:
    """``values[i]`` where ``cuts[i-1] <= x < cuts[i]`` (``values`` has one more entry than
    ``cuts``, which must increase strictly): a step function, discontinuous at the cuts."""
    cuts_arr = np.asarray(cuts, dtype=float).ravel()
    values_arr = np.asarray(values, dtype=float).ravel()
    if values_arr.size != cuts_arr.size + 1:
        raise ValueError(f"steps needs len(values) == len(cuts) + 1, got {values_arr.size} "
                         f"values and {cuts_arr.size} cuts")
    if not (np.all(np.isfinite(cuts_arr)) and np.all(np.isfinite(values_arr))):
        raise ValueError("steps needs finite cuts and values")
    if np.any(np.diff(cuts_arr) <= 0):
        raise ValueError("the cuts of steps must increase strictly")
    return elementwise(lambda v: _define(Steps, [v], cuts_arr, values_arr), x)


# --- helpers --------------------------------------------------------------------------------

def _define(cls: type[Definition], operands: Sequence[Any], *params: Any) -> Any:
    """The derived column for ``cls(operands, *params)``, or its value on constants."""
    if all(_is_number(o) for o in operands):
        return _constant_value(cls(_constants(operands), *params), operands)
    exprs = [_linear(o, cls.kind) for o in operands]
    node = cls(exprs, *params)
    if same_model(exprs) is None:
        return LinExpr.constant(_constant_value(node, [float(e.const[0]) for e in exprs]))
    return node.model.derive(node)


def _constant_value(node: Definition, values: Sequence[Any]) -> float:
    value = node.value(*(float(v) for v in values))
    if math.isnan(value):
        raise ValueError(f"{node.kind} is undefined at {list(values)}")
    return value


def _constants(values: Sequence[Any]) -> list[LinExpr]:
    return [LinExpr.constant(float(v)) for v in values]


def _extremum(cls: type[Max] | type[Min], args: tuple[Any, ...], name: str) -> Any:
    if not args:
        raise TypeError(f"bw.{name} needs at least one argument")
    if len(args) == 1:
        items = _elements(args[0])
        if not items:
            raise ValueError(f"bw.{name} of an empty sequence")
        return _fold(cls, items)
    return elementwise(lambda *vs: _fold(cls, list(vs)), *args)


def _fold(cls: type[Max] | type[Min], items: list[Any]) -> Any:
    """One max/min node over the items, with the plain numbers folded into one constant."""
    pick = max if cls is Max else min
    numbers = [float(i) for i in items if _is_number(i)]
    exprs = [i for i in items if not _is_number(i)]
    if not exprs:
        return pick(numbers)
    operands = exprs + ([pick(numbers)] if numbers else [])
    return exprs[0] if len(operands) == 1 else _define(cls, operands)


def _elements(value: Any) -> list[Any]:
    """The scalar items of a list, tuple, array or array expression (a scalar: itself)."""
    shape = shape_of(value)
    if isinstance(value, (list, tuple)):
        return [e for v in value for e in _elements(v)]
    if shape == ():
        return [value.item() if isinstance(value, np.ndarray) else value]
    if isinstance(value, np.ndarray):
        return [float(v) for v in value.ravel()]
    return [value[index] for index in np.ndindex(*shape)]


def _if_then_else(cond: Any, a: Any, b: Any) -> Any:
    cond = as_condition(cond)
    if isinstance(cond, bool):
        return a if cond else b
    if _is_logical(a) and _is_logical(b) and not (isinstance(a, bool) and isinstance(b, bool)):
        return or_(and_(cond, a), and_(not_(cond), b))
    if a is b:
        return a
    return _define_if(cond, _linear(a, "if_then_else"), _linear(b, "if_then_else"))


def _define_if(cond: Condition | Constraint, a: LinExpr, b: LinExpr) -> LinExpr:
    model = same_model([cond, a, b])
    return model.derive(IfThenElse(cond, a, b))


def _is_logical(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_, Condition, Constraint))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def _linear(value: Any, where: str) -> LinExpr:
    expr = as_expression(value)
    if not isinstance(expr, LinExpr):
        raise NotImplementedError(f"{where} takes linear expressions, not quadratic ones")
    if expr.shape != ():
        raise ValueError(f"{where} got an array operand where a scalar was expected")
    return expr


def _points(xs: Sequence[float], ys: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints checked: finite, as many ys as xs, at least two, xs strictly increasing."""
    xs_arr = np.asarray(xs, dtype=float).ravel()
    ys_arr = np.asarray(ys, dtype=float).ravel()
    if xs_arr.size != ys_arr.size or xs_arr.size < 2:
        raise ValueError("piecewise needs as many ys as xs, and at least two points")
    if not (np.all(np.isfinite(xs_arr)) and np.all(np.isfinite(ys_arr))):
        raise ValueError("piecewise needs finite breakpoints")
    if np.any(np.diff(xs_arr) <= 0):
        raise ValueError("the xs of piecewise must increase strictly")
    return xs_arr, ys_arr
