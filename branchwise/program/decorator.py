"""``@bw.program``: an ordinary Python function that also runs on decision variables.

On plain numbers the decorated function *is* the original: the wrapper checks its
arguments and calls the untouched function object. When an argument holds a
decision-variable expression (or the plain call meets one another way, through a global,
a closure or ``self``, and a condition refuses to be True/False), the function's body is
read from its source (a file, a notebook cell, a method), rewritten once
(:mod:`branchwise.program.transform`), compiled with the original file name and line
numbers, cached, and run instead:

* every local variable lives in one dictionary, the *environment*;
* each ``if`` becomes two nested functions, its branches, given with the evaluated test
  to the run-time helper ``branch`` (:mod:`branchwise.program.runtime`). A plain
  True/False test runs one branch on the environment, exactly as Python would. A test
  on decision variables runs both branches on copies and merges them: each variable
  becomes ``bw.if_then_else(cond, then_value, else_value)``, True/False flags become
  conditions;
* ``return`` records in the environment whether the function has returned (True, False
  or a condition) and with what value, so early returns in either branch merge like
  any other variable; a branch that ends in break/continue/return says so to its
  caller, and break/continue under a symbolic condition is refused;
* ``and``/``or``/``not``, conditional expressions, chained comparisons, ``!=``/``in``,
  ``min``/``max``/``sum``/``any``/``all`` and indexing call helpers that do what Python
  does on plain values and build logic on decision variables; a constant table indexed
  by an integer expression becomes a lookup (:mod:`branchwise.program.builtins`).

What cannot become constraints raises :class:`ProgramError` (a TypeError) whose message
starts with ``file:line:`` and says what to write instead.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import types
from collections.abc import Callable
from typing import Any, TypeVar

from branchwise.program import builtins as program_builtins
from branchwise.program import runtime as program_runtime
from branchwise.program.runtime import ProgramError, is_symbolic
from branchwise.program.transform import transform

__all__ = ["ProgramError", "program"]

F = TypeVar("F", bound=Callable[..., Any])

_PLAIN = frozenset({int, float, bool, str, type(None)})


def program(fn: F) -> F:
    """Make ``fn`` accept decision variables: its logic becomes constraints (see API.md)."""
    if not isinstance(fn, types.FunctionType):
        raise TypeError(f"@bw.program decorates a function (def or lambda), "
                        f"not a {type(fn).__name__}")
    symbolic = _Symbolic(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for value in args:
            if type(value) not in _PLAIN and _holds_expression(value):
                return symbolic(*args, **kwargs)
        if kwargs and any(map(_holds_expression, kwargs.values())):
            return symbolic(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except TypeError as error:
            if not _from_condition(error):
                raise
        return symbolic(*args, **kwargs)  # decision variables reached fn another way

    return wrapper  # type: ignore[return-value]


def _holds_expression(value: Any) -> bool:
    """True when ``value``, or an item of it if it is a list, tuple or dict, is symbolic."""
    if is_symbolic(value):
        return True
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, (list, tuple)):
        return False
    return any(map(is_symbolic, value))


def _from_condition(error: TypeError) -> bool:
    """True when ``error`` is a branchwise condition refusing to be True/False."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    frame = tb.tb_frame if tb else None
    return (frame is not None and frame.f_code.co_name == "__bool__"
            and frame.f_globals.get("__name__", "").startswith("branchwise."))


class _Symbolic:
    """``fn`` rewritten for decision variables, compiled on first use."""

    def __init__(self, fn: types.FunctionType) -> None:
        self.fn = fn
        self.filename = fn.__code__.co_filename
        self.factory: Callable[..., Callable] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fn = self.fn
        try:
            if self.factory is None:
                self.factory = _compile(fn)
            cells = [cell.cell_contents for cell in fn.__closure__ or ()]
            rewritten = self.factory(_Runtime, *cells)
            rewritten.__defaults__ = fn.__defaults__
            rewritten.__kwdefaults__ = fn.__kwdefaults__
            return rewritten(*args, **kwargs)
        except ProgramError as error:
            error.filename = error.filename or self.filename
            raise


class _Runtime:
    """The helpers the rewritten code calls as ``_bw_rt.<name>``."""

    Env = program_runtime.Env
    branch, ret, result = program_runtime.branch, program_runtime.ret, program_runtime.result
    and_, or_, not_ = program_runtime.and_, program_runtime.or_, program_runtime.not_
    ifexp, compare, chain = program_runtime.ifexp, program_runtime.compare, program_runtime.chain
    plain_test, plain_key = program_runtime.plain_test, program_runtime.plain_key
    setvar = program_runtime.setvar
    guard, effect = program_runtime.guard, program_runtime.effect
    builtin, index = program_builtins.builtin, program_builtins.index


def _compile(fn: types.FunctionType) -> Callable[..., Callable]:
    """A factory ``(runtime, *closure values) -> rewritten fn``, compiled from fn's source."""
    node, filename = _source_def(fn)
    parts = fn.__qualname__.split(".")
    class_name = parts[-2] if len(parts) > 1 and parts[-2] != "<locals>" else None
    rewritten = transform(node, class_name)
    factory = ast.parse(f"def _bw_factory(_bw_rt, {', '.join(fn.__code__.co_freevars)}): pass")
    factory.body[0].body = [rewritten, ast.Return(ast.Name(rewritten.name, ast.Load()))]
    code = compile(ast.fix_missing_locations(factory), filename, "exec", dont_inherit=True)
    namespace: dict[str, Any] = {}
    exec(code, fn.__globals__, namespace)
    return namespace["_bw_factory"]


def _source_def(fn: types.FunctionType) -> tuple[ast.FunctionDef, str]:
    """The ``def`` of ``fn`` parsed from its source (a lambda becomes a def), and its file."""
    code = fn.__code__
    filename = code.co_filename
    try:
        lines, first = inspect.getsourcelines(fn)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        raise ProgramError(code.co_firstlineno, (
            f"cannot read the source of {fn.__qualname__}: @bw.program rewrites the function "
            "from its source to turn its logic into constraints; define it with def in a "
            "file or a notebook cell"), filename) from None
    ast.increment_lineno(tree, first - 1)
    if fn.__name__ == "<lambda>":
        found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)
                 and n.lineno == code.co_firstlineno and _names(n.args) == _params(code)]
        node = _lambda_def(found[0]) if len(found) == 1 else None
    else:
        node = tree.body[0] if tree.body else None
        if isinstance(node, ast.AsyncFunctionDef):
            raise ProgramError(node.lineno, "'async def' is not supported in @bw.program",
                               filename)
    if not (isinstance(node, ast.FunctionDef) and _names(node.args) == _params(code)
            and node.name in (fn.__name__, "lambda_")):
        raise ProgramError(code.co_firstlineno, (
            f"the source of {fn.__qualname__} does not match the function (was the file "
            "edited after it was imported, or are there several lambdas on the line?); "
            "reload it, or define it with def"), filename)
    return node, filename


def _names(args: ast.arguments) -> list[str]:
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]


def _params(code: types.CodeType) -> list[str]:
    return list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])


def _lambda_def(node: ast.Lambda) -> ast.FunctionDef:
    """``lambda args: body`` as ``def lambda_(args): return body``, at the same line."""
    func = ast.parse("def lambda_(): pass").body[0]
    func.args, func.body = node.args, [ast.copy_location(ast.Return(node.body), node)]
    return ast.copy_location(func, node)
