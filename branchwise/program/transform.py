"""Rewrite the AST of a ``@bw.program`` function so its logic runs on decision variables.

The rewritten function keeps its local variables in one dictionary (``_bw_env``) and
turns every ``if`` into two nested functions, its branches, handed to the run-time
helper ``branch`` (see :mod:`branchwise.program.runtime`). A branch reports how it ended
(``return``, ``break`` or ``continue``) with a small signal its caller acts on.
Expressions whose meaning changes on decision variables (``and``/``or``/``not``,
conditional expressions, chained comparisons, ``!=``/``in``, indexing, some builtins,
mutating calls) become calls of run-time helpers. Line numbers are kept throughout.
"""

from __future__ import annotations

import ast

from branchwise.program.runtime import ProgramError

ENV, RT, SIG = "_bw_env", "_bw_rt", "_bw_sig"

#: Builtins whose calls go through ``program_builtins.builtin``.
DISPATCHED = frozenset({"min", "max", "any", "all", "sum", "range", "bool", "print"})
#: Method names taken for mutation: refused inside a branch on a decision variable.
MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "add", "update",
                      "discard", "setdefault", "popitem", "sort", "reverse"})

_OPERATORS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
              ast.GtE: ">=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in",
              ast.NotIn: "not in"}

_REFUSED = {
    ast.FunctionDef: "a nested 'def' is not supported in @bw.program; define the helper at "
                     "module level (with @bw.program if it has logic)",
    ast.AsyncFunctionDef: "'async def' is not supported in @bw.program",
    ast.ClassDef: "a class definition is not supported in @bw.program; define it at "
                  "module level",
    ast.Global: "'global' is not supported in @bw.program; pass the value in as an "
                "argument and return the result",
    ast.Nonlocal: "'nonlocal' is not supported in @bw.program; pass the value in as an "
                  "argument and return the result",
    ast.AsyncFor: "'async for' is not supported in @bw.program",
    ast.AsyncWith: "'async with' is not supported in @bw.program",
    ast.Match: "'match' is not supported in @bw.program; write it with if/elif",
    ast.Yield: "a generator (yield) cannot become constraints; return a list instead",
    ast.YieldFrom: "a generator (yield from) cannot become constraints; return a list instead",
    ast.Await: "'await' is not supported in @bw.program",
}


def transform(func: ast.FunctionDef, class_name: str | None) -> ast.FunctionDef:
    """``func`` rewritten in place: locals in ``_bw_env``, branches through the run time."""
    params = [a.arg for a in _arguments(func.args)]
    exprs = _Expressions(_local_names(func) | set(params), class_name)
    body = _Statements(exprs).block(func.body, _Frame(main=True, loop=False))
    head = _parse(f"{ENV} = {RT}.Env()")[0]
    head.value.args = [ast.Dict([ast.Constant(p) for p in params],
                                [ast.Name(p, ast.Load()) for p in params])]
    tail = ast.Return(_rt("ret", _env(), ast.Constant(None),
                          ast.Constant(func.end_lineno or func.lineno)))
    func.body = [ast.copy_location(head, func), *body, ast.copy_location(tail, func)]
    func.decorator_list, func.returns = [], None
    for a in _arguments(func.args):
        a.annotation = None
    func.args.defaults = [ast.Constant(None) for _ in func.args.defaults]
    func.args.kw_defaults = [d and ast.Constant(None) for d in func.args.kw_defaults]
    return func


# --- helpers that build nodes -----------------------------------------------------------------

def _parse(source: str) -> list[ast.stmt]:
    return ast.parse(source).body


def _rt(name: str, *args: ast.expr) -> ast.Call:
    """``_bw_rt.name(*args)``."""
    return ast.Call(ast.Attribute(ast.Name(RT, ast.Load()), name, ast.Load()), list(args), [])


def _plain_test(test: ast.expr, construct: str, lineno: int) -> ast.Call:
    """``_bw_rt.plain_test(test, construct, lineno)``: a test that must not be symbolic."""
    return _rt("plain_test", test, ast.Constant(construct), ast.Constant(lineno))


def _env() -> ast.Name:
    return ast.Name(ENV, ast.Load())


def _thunk(body: ast.expr) -> ast.Lambda:
    """``lambda: body``."""
    node = ast.parse("lambda: None", mode="eval").body
    node.body = body
    return node


def _def(name: str, body: list[ast.stmt]) -> ast.FunctionDef:
    """``def name(_bw_env): body``."""
    node = _parse(f"def {name}({ENV}): pass")[0]
    node.body = body
    return node


def _signal(kind: str, lineno: int) -> ast.Return:
    """``return (kind, lineno)``: how a branch ended."""
    return ast.Return(ast.Tuple([ast.Constant(kind), ast.Constant(lineno)], ast.Load()))


def _arguments(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]


def _refuse(node: ast.AST) -> None:
    message = _REFUSED.get(type(node))
    if message is not None:
        raise ProgramError(node.lineno, message)


# --- which names are local ----------------------------------------------------------------------

def _local_names(func: ast.FunctionDef) -> set[str]:
    """Names the function body binds in its own scope (not in lambdas or comprehensions)."""
    names: set[str] = set()
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        _refuse(node)
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.NamedExpr):
            names.add(node.target.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(_imported(node))
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                             ast.GeneratorExp)):
            stack.extend(n for n in ast.walk(node) if isinstance(n, ast.NamedExpr))
        else:
            stack.extend(ast.iter_child_nodes(node))
    return names


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    return [alias.asname or alias.name.split(".")[0] for alias in node.names]


def _bound(target: ast.expr) -> set[str]:
    """Names bound by a comprehension or lambda target."""
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


# --- expressions ----------------------------------------------------------------------------------

class _Expressions(ast.NodeTransformer):
    """Rewrites expressions: locals to ``_bw_env[...]``, logic to run-time helpers."""

    def __init__(self, local: set[str], class_name: str | None) -> None:
        self.local = local
        self.shadowed: frozenset[str] = frozenset()
        self.class_name = class_name

    def generic_visit(self, node: ast.AST) -> ast.AST:
        _refuse(node)
        return super().generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.expr:  # noqa: N802 (ast.NodeTransformer names)
        if node.id.startswith("_bw_"):
            raise ProgramError(node.lineno, f"names starting with _bw_ are reserved by "
                                            f"@bw.program; rename {node.id!r}")
        if node.id in self.local and node.id not in self.shadowed:
            return ast.copy_location(ast.Subscript(_env(), ast.Constant(node.id), node.ctx), node)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:  # noqa: N802
        if self.class_name and node.attr.startswith("__") and not node.attr.endswith("__"):
            node.attr = f"_{self.class_name.lstrip('_')}{node.attr}"
        return self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.expr:  # noqa: N802
        first, *rest = [self.visit(v) for v in node.values]
        name = "and_" if isinstance(node.op, ast.And) else "or_"
        return ast.copy_location(_rt(name, first, *map(_thunk, rest)), node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:  # noqa: N802
        if isinstance(node.op, ast.Not):
            return ast.copy_location(_rt("not_", self.visit(node.operand)), node)
        return self.generic_visit(node)

    def visit_IfExp(self, node: ast.IfExp) -> ast.expr:  # noqa: N802
        call = _rt("ifexp", self.visit(node.test), _thunk(self.visit(node.body)),
                   _thunk(self.visit(node.orelse)), ast.Constant(node.lineno))
        return ast.copy_location(call, node)

    def visit_Compare(self, node: ast.Compare) -> ast.expr:  # noqa: N802
        left = self.visit(node.left)
        rights = [self.visit(c) for c in node.comparators]
        ops = [_OPERATORS[type(op)] for op in node.ops]
        if len(ops) > 1:
            call = _rt("chain", left, ast.Tuple([ast.Constant(op) for op in ops], ast.Load()),
                       ast.Tuple([_thunk(r) for r in rights], ast.Load()))
        elif ops[0] in ("!=", "in", "not in"):
            call = _rt("compare", ast.Constant(ops[0]), left, rights[0])
        else:
            node.left, node.comparators = left, rights
            return node
        return ast.copy_location(call, node)

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:  # noqa: N802
        if not isinstance(node.ctx, ast.Load):
            node.value = self.visit(node.value)
            node.slice = self.visit(node.slice)
            if not _has_slice(node.slice):
                node.slice = _rt("plain_key", node.slice, ast.Constant(node.lineno))
            return node
        keys, base = [], node
        while isinstance(base, ast.Subscript) and not _has_slice(base.slice):
            keys.insert(0, base.slice)
            base = base.value
        if not keys:
            return self.generic_visit(node)
        call = _rt("index", self.visit(base), ast.Tuple([self.visit(k) for k in keys], ast.Load()),
                   ast.Constant(node.lineno))
        return ast.copy_location(call, node)

    def visit_Call(self, node: ast.Call) -> ast.expr:  # noqa: N802
        self.generic_visit(node)
        line = ast.Constant(node.lineno)
        if isinstance(node.func, ast.Name) and node.func.id in DISPATCHED:
            node.func = _rt("builtin", node.func, line)
        elif isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
            node.func = _rt("effect", node.func, ast.Constant(node.func.attr), line)
        return node

    def visit_NamedExpr(self, node: ast.NamedExpr) -> ast.expr:  # noqa: N802
        call = _rt("setvar", _env(), ast.Constant(node.target.id), self.visit(node.value))
        return ast.copy_location(call, node)

    def visit_Lambda(self, node: ast.Lambda) -> ast.expr:  # noqa: N802
        node.args = self.visit(node.args)
        node.body = self._in_scope({a.arg for a in _arguments(node.args)}, node.body)
        return node

    def _in_scope(self, names: set[str], node: ast.expr) -> ast.expr:
        """``node`` transformed where ``names`` are bound by an inner scope."""
        saved = self.shadowed
        self.shadowed = saved | names
        try:
            return self.visit(node)
        finally:
            self.shadowed = saved

    def _comprehension(self, node: ast.AST, parts: tuple[str, ...]) -> ast.expr:
        saved = self.shadowed
        try:
            for gen in node.generators:
                gen.iter = self.visit(gen.iter)
                self.shadowed = self.shadowed | _bound(gen.target)
                gen.ifs = [_plain_test(self.visit(c), "filter", c.lineno)
                           for c in gen.ifs]
            for part in parts:
                setattr(node, part, self.visit(getattr(node, part)))
        finally:
            self.shadowed = saved
        return node

    def visit_ListComp(self, node: ast.ListComp) -> ast.expr:  # noqa: N802
        return self._comprehension(node, ("elt",))

    visit_SetComp = visit_GeneratorExp = visit_ListComp  # noqa: N815

    def visit_DictComp(self, node: ast.DictComp) -> ast.expr:  # noqa: N802
        return self._comprehension(node, ("key", "value"))


def _has_slice(key: ast.expr) -> bool:
    return isinstance(key, ast.Slice) or (
        isinstance(key, ast.Tuple) and any(isinstance(e, ast.Slice) for e in key.elts))


# --- statements -----------------------------------------------------------------------------------

class _Frame:
    """Where statements run: the function itself or a branch, and directly in a loop or not."""

    def __init__(self, main: bool, loop: bool) -> None:
        self.main, self.loop = main, loop


class _Statements:
    """Rewrites statements; each ``if`` becomes branch functions and a call of ``branch``."""

    def __init__(self, exprs: _Expressions) -> None:
        self.exprs = exprs
        self.count = 0

    def block(self, body: list[ast.stmt], frame: _Frame) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for node in body:
            _refuse(node)
            handler = getattr(self, f"_{type(node).__name__.lower()}", None)
            new = handler(node, frame) if handler else [self.exprs.visit(node)]
            out.extend(ast.copy_location(n, node) for n in new)
        return out or [ast.Pass()]

    def _guard(self, targets: list[ast.expr], what: str, lineno: int) -> list[ast.stmt]:
        """A side-effect guard when any target is an item or an attribute."""
        if not any(isinstance(n, (ast.Subscript, ast.Attribute))
                   for t in targets for n in ast.walk(t)):
            return []
        return [ast.Expr(_rt("guard", ast.Constant(what), ast.Constant(lineno)))]

    def _assign(self, node: ast.Assign, frame: _Frame) -> list[ast.stmt]:
        guard = self._guard(node.targets, "assigning to an item or attribute", node.lineno)
        return [*guard, self.exprs.visit(node)]

    def _augassign(self, node: ast.AugAssign, frame: _Frame) -> list[ast.stmt]:
        guard = self._guard([node.target], "assigning to an item or attribute", node.lineno)
        return [*guard, self.exprs.visit(node)]

    def _annassign(self, node: ast.AnnAssign, frame: _Frame) -> list[ast.stmt]:
        if node.value is None:
            return []
        return self._assign(ast.copy_location(ast.Assign([node.target], node.value), node), frame)

    def _delete(self, node: ast.Delete, frame: _Frame) -> list[ast.stmt]:
        guard = self._guard(node.targets, "deleting an item or attribute", node.lineno)
        return [*guard, self.exprs.visit(node)]

    def _raise(self, node: ast.Raise, frame: _Frame) -> list[ast.stmt]:
        guard = ast.Expr(_rt("guard", ast.Constant("'raise'"), ast.Constant(node.lineno)))
        return [guard, self.exprs.visit(node)]

    def _assert(self, node: ast.Assert, frame: _Frame) -> list[ast.stmt]:
        node.test = _plain_test(self.exprs.visit(node.test), "assert", node.lineno)
        node.msg = node.msg and self.exprs.visit(node.msg)
        return [node]

    def _import(self, node: ast.Import | ast.ImportFrom, frame: _Frame) -> list[ast.stmt]:
        return [node, *(_parse(f"{ENV}[{name!r}] = {name}")[0] for name in _imported(node))]

    _importfrom = _import

    def _return(self, node: ast.Return, frame: _Frame) -> list[ast.stmt]:
        value = self.exprs.visit(node.value) if node.value else ast.Constant(None)
        record = _rt("ret", _env(), value, ast.Constant(node.lineno))
        if frame.main:
            return [ast.Return(record)]
        return [ast.Expr(record), _signal("return", node.lineno)]

    def _break(self, node: ast.Break, frame: _Frame) -> list[ast.stmt]:
        return [node if frame.loop else _signal("break", node.lineno)]

    def _continue(self, node: ast.Continue, frame: _Frame) -> list[ast.stmt]:
        return [node if frame.loop else _signal("continue", node.lineno)]

    def _for(self, node: ast.For, frame: _Frame) -> list[ast.stmt]:
        node.target = self.exprs.visit(node.target)
        node.iter = self.exprs.visit(node.iter)
        node.body = self.block(node.body, _Frame(frame.main, loop=True))
        node.orelse = self.block(node.orelse, frame) if node.orelse else []
        return [node]

    def _while(self, node: ast.While, frame: _Frame) -> list[ast.stmt]:
        node.test = _plain_test(self.exprs.visit(node.test), "while", node.lineno)
        node.body = self.block(node.body, _Frame(frame.main, loop=True))
        node.orelse = self.block(node.orelse, frame) if node.orelse else []
        return [node]

    def _with(self, node: ast.With, frame: _Frame) -> list[ast.stmt]:
        node.items = [self.exprs.visit(item) for item in node.items]
        node.body = self.block(node.body, frame)
        return [node]

    def _try(self, node: ast.Try, frame: _Frame) -> list[ast.stmt]:
        node.body = self.block(node.body, frame)
        for handler in node.handlers:
            handler.type = handler.type and self.exprs.visit(handler.type)
            keep = _parse(f"{ENV}[{handler.name!r}] = {handler.name}") if handler.name else []
            handler.body = keep + self.block(handler.body, frame)
        node.orelse = self.block(node.orelse, frame) if node.orelse else []
        node.finalbody = self.block(node.finalbody, frame) if node.finalbody else []
        return [node]

    _trystar = _try

    def _if(self, node: ast.If, frame: _Frame) -> list[ast.stmt]:
        self.count += 1
        branch = _Frame(main=False, loop=False)
        then = _def(f"_bw_then_{self.count}", self.block(node.body, branch))
        defs, orelse = [then], ast.Constant(None)
        if node.orelse:
            defs.append(_def(f"_bw_else_{self.count}", self.block(node.orelse, branch)))
            orelse = ast.Name(defs[-1].name, ast.Load())
        call = _rt("branch", _env(), self.exprs.visit(node.test), ast.Name(then.name, ast.Load()),
                   orelse, ast.Constant(node.lineno))
        run = ast.Assign([ast.Name(SIG, ast.Store())], call)
        return [*defs, run, *self._dispatch(node, frame)]

    def _dispatch(self, node: ast.If, frame: _Frame) -> list[ast.stmt]:
        """Act on the signal of the branch that ran: break, continue or return."""
        body = node.body + node.orelse
        if not (_jumps(body) or any(isinstance(n, ast.Return) for s in body for n in ast.walk(s))):
            return []
        done = f"{RT}.result({ENV})" if frame.main else SIG
        acts = (f"    if {SIG}[0] == 'break':\n        break\n"
                f"    if {SIG}[0] == 'continue':\n        continue\n") if frame.loop else ""
        return _parse(f"if {SIG} is not None:\n{acts}    return {done}")


def _jumps(body: list[ast.stmt]) -> bool:
    """True when ``body`` has a break/continue that leaves it (not one of an inner loop)."""
    for node in body:
        if isinstance(node, (ast.Break, ast.Continue)):
            return True
        if isinstance(node, (ast.For, ast.While)):
            inner = [node.orelse]
        else:
            inner = [getattr(node, f, []) for f in ("body", "orelse", "finalbody")]
            inner += [h.body for h in getattr(node, "handlers", [])]
        if any(_jumps(b) for b in inner if isinstance(b, list)):
            return True
    return False
