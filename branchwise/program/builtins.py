"""Builtins and indexing inside a ``@bw.program`` function, for decision variables too.

``min``/``max``/``any``/``all``/``sum``/``bool`` build logic when an item involves decision
variables; ``range`` and ``print`` refuse what cannot become constraints; indexing a
constant table by an integer expression is a lookup (``bw.piecewise`` through the
table's points).
"""

from __future__ import annotations

import builtins
import functools
import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

import branchwise as bw
from branchwise.core.tolerances import INTEGRALITY
from branchwise.expr import LinExpr, integral_terms
from branchwise.program.runtime import (
    ProgramError,
    condition,
    condition_types,
    guard,
    is_symbolic,
)

# --- builtins that take decision variables -----------------------------------------------------

def builtin(func: Any, lineno: int) -> Any:
    """``func`` itself, or a version that also takes decision variables if it is a builtin."""
    handler = _BUILTINS.get(id(func))
    return func if handler is None else functools.partial(handler, lineno)


def _items(args: tuple) -> list:
    return list(args[0]) if len(args) == 1 else list(args)


def _extreme(name: str, lineno: int, *args: Any, **kwargs: Any) -> Any:
    """``min``/``max`` of numbers, or ``bw.min``/``bw.max`` when an item is symbolic."""
    plain = getattr(builtins, name)
    items = _items(args)
    if not any(map(is_symbolic, items)):
        return plain(items, **kwargs) if len(args) == 1 else plain(*args, **kwargs)
    if kwargs:
        raise ProgramError(lineno, (
            f"{name}() with key= or default= over decision variables cannot become "
            f"constraints; compute the values first and call {name}() on them"))
    return items[0] if len(items) == 1 else getattr(bw, name)(*items)


def _any(items: Any) -> Any:
    """Python's ``any``; a disjunction when an item is symbolic."""
    return _fold(items, builtins.any, empty=False, combine=operator.or_)


def _all(items: Any) -> Any:
    """Python's ``all``; a conjunction when an item is symbolic."""
    return _fold(items, builtins.all, empty=True, combine=operator.and_)


def _fold(items: Any, plain: Callable[[list], bool], empty: bool,
          combine: Callable[[Any, Any], Any]) -> Any:
    """``plain(items)`` on plain values; otherwise the items that are not ``empty`` (the
    neutral truth), decided at once by one plain ``not empty``, else ``combine``d."""
    items = list(items)
    if not any(map(is_symbolic, items)):
        return plain(items)
    truths = [t for t in map(condition, items) if t is not empty]
    if not truths or any(t is (not empty) for t in truths):
        return empty if not truths else not empty
    return functools.reduce(combine, truths)


def _sum(lineno: int, items: Any, start: Any = 0) -> Any:
    """Python's ``sum``; a condition on decision variables counts as 1 where it holds."""
    items = list(items)
    if not any(isinstance(i, condition_types()) for i in items):
        return builtins.sum(items, start)
    return builtins.sum((bw.if_then_else(i, 1, 0) if isinstance(i, condition_types()) else i
                         for i in items), start)


def _range(lineno: int, *args: Any) -> range:
    if any(map(is_symbolic, args)):
        raise ProgramError(lineno, (
            "range() over a decision variable cannot be unrolled; loop over the largest "
            "range it can take and guard the body with an if (for k in range(N): if k < n: …)"))
    return range(*args)


def _bool(lineno: int, *args: Any) -> Any:
    return condition(args[0]) if args and is_symbolic(args[0]) else bool(*args)


def _print(lineno: int, *args: Any, **kwargs: Any) -> None:
    guard("print()", lineno)
    print(*args, **kwargs)


_BUILTINS: dict[int, Callable[..., Any]] = {
    id(builtins.min): functools.partial(_extreme, "min"),
    id(builtins.max): functools.partial(_extreme, "max"),
    id(builtins.any): lambda lineno, items: _any(items),
    id(builtins.all): lambda lineno, items: _all(items),
    id(builtins.sum): _sum,
    id(builtins.range): _range,
    id(builtins.bool): _bool,
    id(builtins.print): _print,
}


# --- indexing: a constant table indexed by an integer decision variable is a lookup ------------

_TABLES = (list, tuple, range, dict, np.ndarray)


def index(obj: Any, keys: tuple, lineno: int) -> Any:
    """``obj[keys[0]][keys[1]]…``, a table lookup from the first symbolic key on."""
    for pos, key in enumerate(keys):
        if type(key) is tuple and any(map(is_symbolic, key)):
            if not isinstance(obj, np.ndarray):
                raise ProgramError(lineno, _LOOKUP_HELP)
            return index(obj, key + keys[pos + 1:], lineno)
        if is_symbolic(key):
            return _lookup(obj, key, keys[pos + 1:], lineno)
        obj = obj[key]
    return obj


_LOOKUP_HELP = (
    "indexing by a decision variable works on a constant list, tuple, dict or numpy array "
    "of numbers (a lookup table), not on one that holds decision variables; for those "
    "write sum(bw.if_then_else(i == k, xs[k], 0) for k in range(len(xs)))")


def _lookup(table: Any, key: Any, rest: tuple, lineno: int) -> Any:
    """``table[key][rest…]`` for an integer expression ``key``: one value per key value."""
    if not isinstance(table, _TABLES) or is_symbolic(table):
        raise ProgramError(lineno, _LOOKUP_HELP)
    lo, hi = _integer_range(key, lineno)
    values = []
    for k in range(lo, hi + 1):
        try:
            item = table[k]
        except (IndexError, KeyError):
            raise ProgramError(lineno, (
                f"the index can be {k}, which the table does not have (it has {len(table)} "
                "entries); bound the index variable to the table's positions")) from None
        values.append(index(item, rest, lineno))
    if not any(map(is_symbolic, rest)) and not all(
            isinstance(v, (int, float, np.number)) for v in values):
        raise ProgramError(lineno, _LOOKUP_HELP)
    if lo == hi:
        return values[0]
    if not any(map(is_symbolic, values)):
        return bw.piecewise(key, list(range(lo, hi + 1)), [float(v) for v in values])
    out = values[-1]
    for k in range(hi - 1, lo - 1, -1):
        out = bw.if_then_else(key <= k, values[k - lo], out)
    return out


def _integer_range(key: Any, lineno: int) -> tuple[int, int]:
    """The least and greatest value of an integer-valued scalar expression, from the
    model's proven bounds (derived columns such as ``min(i, 3)`` included)."""
    from branchwise.relaxations.analysis.bounds import model_bounds

    if not isinstance(key, LinExpr) or key.shape != ():
        raise ProgramError(lineno, "an index must be a single integer expression")
    model = key.model
    if not (float(key.const[0]).is_integer()
            and (model is None or integral_terms(key, model.integral_columns()))):
        raise ProgramError(lineno, (
            "an index must be integer-valued: use integer variables (m.integer) with "
            "integer coefficients"))
    if model is None:
        return int(key.const[0]), int(key.const[0])
    lo, hi = model_bounds(model, model.definitions).interval(key)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ProgramError(lineno, "an index must have finite bounds: give its variables lb and ub")
    return math.ceil(lo - INTEGRALITY), math.floor(hi + INTEGRALITY)
