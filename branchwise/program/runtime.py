"""What the rewritten body of a ``@bw.program`` function calls while it runs.

Every helper does exactly what Python does when its operands are plain values, and
builds logic (``bw.if_then_else``, ``&``, ``|``, ``~``, ``bw.min``, ``bw.piecewise``…)
when an operand involves decision variables. Helpers that can refuse take the line
number of the construct; :class:`ProgramError` gets the file name from the function.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import threading
import types
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import branchwise as bw
from branchwise.expr import Constraint, LinExpr, QuadExpr

#: Environment slots: "has the function returned" (True, False or a condition) and the value.
RETURNED, VALUE = "_bw_returned", "_bw_value"

Signal = tuple[str, int] | None  # ("return" | "break" | "continue", line) from a branch

_MISSING = object()
_state = threading.local()


class ProgramError(TypeError):
    """A construct of a ``@bw.program`` function that cannot become constraints.

    A TypeError, like Python's own complaint when an operation does not accept its
    operands; ``filename`` and ``lineno`` locate the construct and ``str()`` reads
    ``file.py:14: what is wrong; what to write instead``.
    """

    def __init__(self, lineno: int, message: str, filename: str | None = None) -> None:
        super().__init__(message)
        self.lineno, self.message, self.filename = lineno, message, filename

    def __str__(self) -> str:
        return f"{self.filename or '<unknown>'}:{self.lineno}: {self.message}"


# --- what counts as symbolic -------------------------------------------------------------

#: Types of decision-variable expressions.
EXPRESSIONS = (LinExpr, QuadExpr)


@functools.cache
def condition_types() -> tuple[type, ...]:
    """Types of conditions on decision variables (logic is imported on first use)."""
    from branchwise.logic import Condition
    return (Constraint, Condition)


def is_symbolic(value: Any) -> bool:
    """True for an expression or a condition on decision variables."""
    return isinstance(value, EXPRESSIONS) or isinstance(value, condition_types())


# --- local variables and branches ----------------------------------------------------------

class Partial:
    """A variable that some paths through a branch on decision variables leave unassigned."""

    def __init__(self, name: str, lineno: int) -> None:
        self.name, self.lineno = name, lineno

    def error(self) -> ProgramError:
        return ProgramError(self.lineno, (
            f"{self.name!r} is assigned on some paths through this 'if' on a decision "
            "variable but not on others, and it is used afterwards; give it a value before "
            "the 'if' or in every branch"))


class Env(dict):
    """One call's local variables; reading an unassigned or partly assigned one raises."""

    def __getitem__(self, name: str) -> Any:
        value = dict.__getitem__(self, name)
        if type(value) is Partial:
            raise value.error()
        return value

    def __missing__(self, name: str) -> Any:
        raise UnboundLocalError(
            f"cannot access local variable {name!r} where it is not associated with a value")


@contextlib.contextmanager
def _symbolic() -> Iterator[None]:
    """Mark code that runs only under a condition on decision variables."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


def _under(conditional: bool, thunk: Callable[[], Any]) -> Any:
    """``thunk()``, run as conditional code when ``conditional``."""
    if not conditional:
        return thunk()
    with _symbolic():
        return thunk()


_INSTEAD = {
    "'raise'": "to forbid those values, add the opposite condition with m.add(...)",
}


def guard(what: str, lineno: int) -> None:
    """Refuse a side effect (``what``) that would run only under a symbolic condition."""
    if getattr(_state, "depth", 0):
        instead = _INSTEAD.get(what, "compute the value with a conditional expression "
                                     "(a if cond else b) and apply the effect outside the branch")
        raise ProgramError(lineno, f"{what} inside a branch whose condition involves a "
                                   f"decision variable cannot become constraints; {instead}")


def effect(method: Callable, name: str, lineno: int) -> Callable:
    """``method``; refused in a symbolic branch when it is an object's (``list.append``),
    not a module's (``np.add``)."""
    owner = getattr(method, "__self__", None)
    if owner is not None and not isinstance(owner, types.ModuleType):
        guard(f"calling .{name}()", lineno)
    return method


_JUMPS = {
    "break": ("'break' under a condition on a decision variable cannot become constraints; "
              "loop over the whole range with a flag instead: stopped = stopped or cond, "
              "then guard the rest of the body with `if not stopped:`"),
    "continue": ("'continue' under a condition on a decision variable cannot become "
                 "constraints; put the rest of the loop body in an else branch instead"),
}


def branch(env: Env, test: Any, then: Callable[[Env], Signal],
           orelse: Callable[[Env], Signal] | None, lineno: int) -> Signal:
    """Run an ``if``: one branch on a plain test, both branches merged on a symbolic one."""
    cond = condition(test)
    if cond is True:
        return then(env)
    if cond is False:
        return orelse(env) if orelse else None
    first, second = Env(env), Env(env)
    with _symbolic():
        signals = then(first), orelse(second) if orelse else None
    for signal in signals:
        if signal is not None and signal[0] in _JUMPS:
            raise ProgramError(signal[1], _JUMPS[signal[0]])
    merged = _merge_envs(cond, first, second, lineno)
    env.clear()
    env.update(merged)
    return ("return", lineno) if merged.get(RETURNED) is True else None


def ret(env: Env, value: Any, lineno: int) -> Any:
    """Record ``return value``: the function's result where it had not returned before."""
    returned = env.get(RETURNED, False)
    if returned is not False and (value is None) != (env.get(VALUE) is None):
        raise ProgramError(lineno, (
            "the function returns a value on some paths and None on others (it reaches "
            "its end, or returns nothing) depending on a decision variable; return a number "
            "on every path"))
    if returned is not False:
        value = merge(returned, env.get(VALUE), value, "the return value", lineno)
    env[RETURNED], env[VALUE] = True, value
    return value


def result(env: Env) -> Any:
    """The value the function returned (every path has returned)."""
    return env.get(VALUE)


def _merge_envs(cond: Any, a: Env, b: Env, lineno: int) -> Env:
    """The variables after ``if cond`` whose branches left ``a`` and ``b``."""
    done_a, done_b = a.get(RETURNED, False), b.get(RETURNED, False)
    if done_a is True:
        out = Env(b)
    elif done_b is True:
        out = Env(a)
    else:
        out = Env()
        for name in {**a, **b}:
            out[name] = merge(cond, a.get(name, _MISSING), b.get(name, _MISSING), name, lineno)
    out[RETURNED] = merge_conditions(cond, done_a, done_b)
    if done_a is not False or done_b is not False:
        out[VALUE] = (b[VALUE] if done_a is False else a[VALUE] if done_b is False
                      else merge(cond, a[VALUE], b[VALUE], "the return value", lineno))
    return out


def merge(cond: Any, a: Any, b: Any, name: str, lineno: int) -> Any:
    """The value that is ``a`` where ``cond`` holds and ``b`` elsewhere."""
    if a is b:
        return a
    if a is _MISSING or b is _MISSING or type(a) is Partial or type(b) is Partial:
        return Partial(name, lineno)
    if _is_truth(a) and _is_truth(b):
        return merge_conditions(cond, bool(a) if _is_bool(a) else a,
                                bool(b) if _is_bool(b) else b)
    if _is_number(a) and _is_number(b):
        if not (is_symbolic(a) or is_symbolic(b)) and a == b:
            return a
        return bw.if_then_else(cond, a, b)
    if type(a) in (list, tuple) and type(a) is type(b) and len(a) == len(b):
        return type(a)(merge(cond, x, y, f"{name}[{i}]", lineno)
                       for i, (x, y) in enumerate(zip(a, b, strict=True)))
    if type(a) is type(b) and type(a) in (str, bytes, type(None)) and a == b:
        return a
    raise ProgramError(lineno, (
        f"{name} is {_describe(a)} on one side of this 'if' on a decision variable and "
        f"{_describe(b)} on the other; only numbers, expressions and conditions (or lists "
        "and tuples of them) can depend on a decision variable"))


def merge_conditions(cond: Any, a: Any, b: Any) -> Any:
    """The condition ``a`` where ``cond`` holds and ``b`` elsewhere (True/False folded)."""
    if a is b:
        return a
    if a is True:
        return cond if b is False else cond | b
    if a is False:
        return ~cond if b is True else ~cond & b
    if b is True:
        return ~cond | a
    if b is False:
        return cond & a
    return (cond & a) | (~cond & b)


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _is_truth(value: Any) -> bool:
    return _is_bool(value) or isinstance(value, condition_types())


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number, LinExpr, QuadExpr))


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"a {type(value).__name__}"


# --- conditions ------------------------------------------------------------------------------

def condition(value: Any) -> Any:
    """Python's truth value of ``value``: a bool, or a condition on decision variables."""
    if value is True or value is False:
        return value
    if isinstance(value, condition_types()):
        return value
    if isinstance(value, EXPRESSIONS):
        return _nonzero(value)
    return bool(value)


def _nonzero(expr: Any) -> Any:
    """``expr != 0`` as a condition: a binary variable is a condition by itself."""
    from branchwise.logic import as_condition
    try:
        return as_condition(expr)
    except TypeError:
        return ~(expr == 0)


def and_(value: Any, *rest: Callable[[], Any]) -> Any:
    """``value and rest[0]() and …``: Python's result on plain values, a condition otherwise."""
    return _short_circuit(value, rest, stop=False, combine=operator.and_)


def or_(value: Any, *rest: Callable[[], Any]) -> Any:
    """``value or rest[0]() or …``: Python's result on plain values, a condition otherwise."""
    return _short_circuit(value, rest, stop=True, combine=operator.or_)


def _short_circuit(value: Any, rest: tuple[Callable[[], Any], ...], stop: bool,
                   combine: Callable[[Any, Any], Any]) -> Any:
    """Python's ``and`` (``stop=False``) or ``or`` (``stop=True``) over lazily evaluated
    operands: a plain truth equal to ``stop`` ends it, symbolic ones are combined."""
    conds: list[Any] = []
    for thunk in rest:
        truth = condition(value)
        if truth is stop:
            return stop if conds else value
        if truth is not (not stop):
            conds.append(truth)
        value = _under(bool(conds), thunk)
    if not conds:
        return value
    truth = condition(value)
    if truth is stop:
        return stop
    return functools.reduce(combine, conds if truth is (not stop) else [*conds, truth])


def not_(value: Any) -> Any:
    """``not value``."""
    truth = condition(value)
    return not truth if truth is True or truth is False else ~truth


def ifexp(test: Any, then: Callable[[], Any], orelse: Callable[[], Any], lineno: int) -> Any:
    """``then() if test else orelse()``; both sides merged when ``test`` is symbolic."""
    cond = condition(test)
    if cond is True:
        return then()
    if cond is False:
        return orelse()
    with _symbolic():
        a, b = then(), orelse()
    return merge(cond, a, b, "the conditional expression", lineno)


def compare(op: str, a: Any, b: Any) -> Any:
    """``a <op> b`` for one comparison operator, written as in Python source."""
    if op == "!=":
        return not_(a == b) if is_symbolic(a) or is_symbolic(b) else a != b
    if op in ("in", "not in"):
        found = _contains(b, a)
        return found if op == "in" else not_(found)
    return _COMPARISONS[op](a, b)


def _contains(container: Any, item: Any) -> Any:
    """``item in container``; a disjunction of equalities when ``item`` is symbolic."""
    if not is_symbolic(item):
        return item in container
    equalities = [item == v for v in container]
    return functools.reduce(operator.or_, equalities) if equalities else False


_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "is": operator.is_, "is not": operator.is_not,
}


def chain(left: Any, ops: tuple[str, ...], rights: tuple[Callable[[], Any], ...]) -> Any:
    """``left op0 r0 op1 r1 …`` with each operand evaluated once, as Python does."""
    operands = [left]

    def step(op: str, thunk: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            right = thunk()
            outcome = compare(op, operands[-1], right)
            operands.append(right)
            return outcome
        return run

    first, *rest = [step(op, thunk) for op, thunk in zip(ops, rights, strict=True)]
    return and_(first(), *rest)


# --- loops, assertions, assignment targets -------------------------------------------------------

_PLAIN_ONLY = {
    "while": ("'while' on a decision variable cannot become constraints; unroll it with a "
              "for loop over a fixed range and an if inside"),
    "assert": ("'assert' on a decision variable cannot be checked while building the model; "
               "add the condition to the model with m.add(...) instead"),
    "filter": ("a comprehension filter (for … if cond) on a decision variable cannot drop "
               "items; keep every item and choose its value: sum(v if cond else 0 for v in …)"),
}


def plain_test(test: Any, construct: str, lineno: int) -> bool:
    """The test of a ``while``, ``assert`` or comprehension filter: it must be plain."""
    cond = condition(test)
    if cond is True or cond is False:
        return cond
    raise ProgramError(lineno, _PLAIN_ONLY[construct])


def plain_key(key: Any, lineno: int) -> Any:
    """The index of an item assignment, which must not depend on a decision variable."""
    if is_symbolic(key) or (type(key) is tuple and any(map(is_symbolic, key))):
        raise ProgramError(lineno, (
            "assigning to an element chosen by a decision variable cannot become "
            "constraints; build the new value with a conditional expression for every "
            "index instead"))
    return key


def setvar(env: Env, name: str, value: Any) -> Any:
    """``(name := value)``."""
    env[name] = value
    return value

