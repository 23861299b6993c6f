"""What a model file says, as plain arrays and expression trees; :func:`build` makes the Model.

The OSiL and quadratic-MPS readers only parse: they fill a :class:`ModelData`, and the
``bw.Model`` is built here, once for both, through the modeling API, so that solving a file
goes through ``Model.solve`` and its answer is verified on the model the file describes.
Linear parts become one sparse product ``A @ x``; each quadratic part one ``QuadExpr`` made
from coordinate arrays; nonlinear parts are expression trees turned into ``bw`` expressions.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from branchwise.core.tolerances import INFINITY
from branchwise.expr import LinExpr, QuadExpr, Rows, Var
from branchwise.model import Model

#: An expression tree: ``("number", value)``, ``("variable", column, coef)`` or
#: ``(operator, *operands)`` with an operator of :data:`OPERATORS`.
Tree = tuple

#: Row index of the objective in :attr:`ModelData.quadratic` and :attr:`ModelData.nonlinear`.
OBJECTIVE = -1


@dataclass
class ModelData:
    """Columns, rows and objective of a model file.

    Rows are ``row_lower <= A x + quadratic + nonlinear <= row_upper``; the objective is
    ``c·x + objective_constant + quadratic + nonlinear``. ``quadratic`` holds coordinate arrays
    ``(row, i, j, value)`` for the terms ``value·x_i·x_j`` (row :data:`OBJECTIVE` for the
    objective, repeats add up); ``nonlinear`` maps a row to the trees added to it. Bounds at
    or beyond ``INFINITY`` (1e20) are infinite, as HiGHS and SCIP read them.
    """

    name: str
    col_names: list[str]
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    c: np.ndarray
    row_names: list[str]
    row_lower: np.ndarray
    row_upper: np.ndarray
    A: sp.csr_matrix
    maximize: bool = False
    objective_constant: float = 0.0
    semicontinuous: np.ndarray | None = None
    quadratic: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.zeros(0, np.int64),) * 3 + (np.zeros(0),))
    nonlinear: dict[int, list[Tree]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("col_lower", "col_upper", "row_lower", "row_upper"):
            bounds = np.asarray(getattr(self, name), dtype=float)
            huge = np.abs(bounds) >= INFINITY
            setattr(self, name, np.where(huge, np.copysign(np.inf, bounds), bounds))


def build(data: ModelData) -> Model:
    """The ``bw.Model`` that ``data`` describes: one variable per column with the file's
    name, one constraint per row (a ranged row is two: ``name[lower]`` and ``name[upper]``;
    a row free on both sides is dropped) and the objective."""
    model = Model(data.name)
    variables = _variables(model, data)
    n = len(variables)
    x = LinExpr(model, Rows.identity(0, n), np.zeros(n), (n,))  # every column, as a vector
    linear = data.A @ x
    quadratic = _quadratic_by_row(data.quadratic)
    for i, name in enumerate(data.row_names):
        body = _body(model, linear[i], quadratic.get(i), data.nonlinear.get(i, []), variables)
        _add_row(model, name, body, float(data.row_lower[i]), float(data.row_upper[i]))
    objective = _body(model, data.c @ x + data.objective_constant, quadratic.get(OBJECTIVE),
                      data.nonlinear.get(OBJECTIVE, []), variables)
    (model.maximize if data.maximize else model.minimize)(objective)
    return model


def _variables(model: Model, data: ModelData) -> list[Var]:
    """One scalar variable per column, named as in the file, in column order."""
    semicontinuous = (np.zeros(len(data.col_names), dtype=bool) if data.semicontinuous is None
                      else data.semicontinuous)
    made = []
    for name, lower, upper, integer, semi in zip(
            data.col_names, data.col_lower, data.col_upper, data.integer, semicontinuous,
            strict=True):
        if integer:
            made.append(model.integer(name, float(lower), float(upper)))
        else:
            made.append(model.continuous(name, float(lower), float(upper), semicontinuous=semi))
    return made


def _quadratic_by_row(terms: tuple[np.ndarray, ...]) -> dict[int, tuple[np.ndarray, ...]]:
    """The coordinate arrays ``(i, j, value)`` of each row's quadratic terms."""
    rows, i, j, value = (np.asarray(a) for a in terms)
    if rows.size == 0:
        return {}
    order = np.argsort(rows, kind="stable")
    keys, starts = np.unique(rows[order], return_index=True)
    groups = np.split(order, starts[1:])
    return {int(k): (i[g].astype(np.int64), j[g].astype(np.int64), value[g].astype(float))
            for k, g in zip(keys, groups, strict=True)}


def _body(model: Model, linear: LinExpr, quadratic: tuple[np.ndarray, ...] | None,
          trees: list[Tree], variables: list[Var]) -> Any:
    """A row's (or the objective's) expression: linear part, quadratic terms, trees."""
    body: Any = linear
    if quadratic is not None:
        body = QuadExpr(model, *quadratic, linear)
    for tree in trees:
        body = body + expression(tree, variables)
    return body


def _add_row(model: Model, name: str, body: Any, lower: float, upper: float) -> None:
    """``lower <= body <= upper`` as one or two constraints (none when both are infinite)."""
    if lower == upper:
        model.add(body == upper, name=name)
    elif math.isinf(lower) and math.isinf(upper):
        return
    elif math.isinf(lower):
        model.add(body <= upper, name=name)
    elif math.isinf(upper):
        model.add(body >= lower, name=name)
    else:
        model.add(body >= lower, name=f"{name}[lower]")
        model.add(body <= upper, name=f"{name}[upper]")


# --- expression trees --------------------------------------------------------------------

def _power(base: Any, exponent: Any) -> Any:
    """``base ** exponent`` for a constant exponent, ``exp(exponent·ln base)`` for a constant
    positive base; a variable base and exponent together are refused."""
    if isinstance(exponent, float):
        return base ** exponent
    if isinstance(base, float) and base > 0:
        return _function("exp")(exponent * math.log(base))
    raise ValueError("power with a variable exponent needs a constant positive base")


def _function(name: str) -> Callable[[Any], Any]:
    """``bw.<name>`` (exp, log, sqrt), or an error saying this branchwise lacks it."""
    import branchwise

    found = getattr(branchwise, name, None)
    if found is None:
        raise NotImplementedError(f"this version of branchwise has no bw.{name} for "
                                  "nonlinear expressions")
    return found


def _sum(*operands: Any) -> Any:
    return functools.reduce(operator.add, operands, 0.0)


def _product(*operands: Any) -> Any:
    return functools.reduce(operator.mul, operands, 1.0)


#: What each operator of a tree does to its operands, numbers or expressions alike.
OPERATORS: dict[str, Callable[..., Any]] = {
    "plus": operator.add,
    "sum": _sum,
    "minus": operator.sub,
    "negate": operator.neg,
    "times": operator.mul,
    "product": _product,
    "divide": operator.truediv,
    "power": _power,
    "square": lambda a: a ** 2,
    "sqrt": lambda a: math.sqrt(a) if isinstance(a, float) else _function("sqrt")(a),
    "ln": lambda a: math.log(a) if isinstance(a, float) else _function("log")(a),
    "exp": lambda a: math.exp(a) if isinstance(a, float) else _function("exp")(a),
}


def expression(tree: Tree, variables: list[Var]) -> Any:
    """The ``bw`` expression (or the float, when it has no variable) a tree stands for."""
    op, *args = tree
    if op == "number":
        return float(args[0])
    if op == "variable":
        column, coef = args
        return coef * variables[column] if coef != 1 else variables[column]
    return OPERATORS[op](*(expression(a, variables) for a in args))
