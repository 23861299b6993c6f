"""MIP starts: values a user gives for some or all variables, completed into a point of
the reformulated problem whose objective then prunes the search.

Even a start that gives every variable leaves the reformulation's own columns open (the
leaf binaries of a decision tree, the indicators of a disjunction), so full and partial
starts take one path: the given columns are fixed and the rest is solved as a short
sub-MIP (its LP settles the continuous part). A completed start is a verified point of the
problem; its objective becomes the search's cutoff (``SolveOptions.cutoff``), and where
the search finds nothing better the start is the answer. A start that cannot be completed
(a value outside its bounds, a fraction on an integer, a row broken) is reported, and the
search goes on without it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from branchwise.core.problem import Problem
from branchwise.core.tolerances import FEASIBILITY, INTEGRALITY, bound_excess
from branchwise.expr import LinExpr, Var, VarArray
from branchwise.solver import SolveOptions, SolveReport, solve

if TYPE_CHECKING:
    from branchwise.model import Model

#: Share of the time left that completing a partial start may take (at least a second,
#: never more than is left); without a time limit, this many seconds.
START_SHARE = 0.1
START_SECONDS_UNLIMITED = 10.0

#: What became of a start (``Result.report.stats["start"]``).
ACCEPTED, INFEASIBLE, NOT_COMPLETED = "accepted", "infeasible", "not completed"


@dataclass
class Start:
    """A start after completion: ``outcome`` is :data:`ACCEPTED` (``report`` holds the
    completed, verified point of the problem), :data:`INFEASIBLE` or
    :data:`NOT_COMPLETED` (the time for it ran out), with a line saying why."""

    outcome: str
    why: str
    report: SolveReport | None = None


def start_values(model: Model, start: Mapping[Any, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The model columns a start gives and their values. Keys are the model's variables
    (``Var``, ``VarArray`` or slices of one), values numbers or arrays of the key's shape;
    anything else is refused in one line (ValueError)."""
    columns, values = [], []
    for key, value in start.items():
        cols = _columns_of(model, key)
        try:
            given = np.broadcast_to(np.asarray(value, dtype=float), cols.shape)
        except (TypeError, ValueError):
            raise ValueError(f"start value for {_name(key)} must be a number or an array of "
                             f"shape {cols.shape}, not {value!r}") from None
        if not np.all(np.isfinite(given)):
            raise ValueError(f"start value for {_name(key)} must be finite")
        columns.append(cols.ravel())
        values.append(given.ravel())
    if not columns:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    columns_, values_ = np.concatenate(columns), np.concatenate(values)
    unique, first = np.unique(columns_, return_index=True)
    if unique.size < columns_.size:
        again = np.setdiff1d(np.arange(columns_.size), first)[0]
        raise ValueError(f"start gives variable {model.column_names()[columns_[again]]!r} "
                         "more than once")
    return columns_, values_


def _columns_of(model: Model, key: Any) -> np.ndarray:
    """The columns of a start key, shaped like it."""
    if isinstance(key, (Var, VarArray)) or (isinstance(key, LinExpr) and _is_selection(key)):
        if key.model is not model:
            raise ValueError(f"start key {_name(key)} belongs to another model")
        if isinstance(key, Var):
            return np.array(key.index)
        if isinstance(key, VarArray):
            return key.columns
        return key.rows.indices.reshape(key.shape)
    raise ValueError(f"start keys must be the model's variables (Var, VarArray or a slice "
                     f"of one), not {_name(key)}")


def _is_selection(expr: LinExpr) -> bool:
    """True when every element of ``expr`` is one variable with coefficient 1."""
    return bool(expr.rows.n_rows > 0 and np.all(expr.rows.lengths() == 1)
                and np.all(expr.rows.data == 1.0) and not np.any(expr.const))


def _name(key: Any) -> str:
    return repr(key) if not isinstance(key, (Var, VarArray)) else repr(key.name)


def complete_start(problem: Problem, columns: np.ndarray, values: np.ndarray,
                   options: SolveOptions) -> Start:
    """The start fixed on ``problem`` (the model columns come first in it) and the rest
    solved within the start's share of the time (module docstring)."""
    lower, upper = problem.col_lower[columns], problem.col_upper[columns]
    outside = bound_excess(values, lower, upper)
    if columns.size and np.max(outside) > FEASIBILITY:
        k = int(np.argmax(outside))
        return Start(INFEASIBLE, f"{problem.col_names[columns[k]]} = {values[k]:g} is outside "
                                 f"its bounds [{lower[k]:g}, {upper[k]:g}]")
    integral = problem.integrality[columns].astype(bool)
    fraction = np.abs(values - np.round(values))
    if np.any(integral & (fraction > INTEGRALITY)):
        k = int(np.flatnonzero(integral & (fraction > INTEGRALITY))[0])
        return Start(INFEASIBLE, f"{problem.col_names[columns[k]]} = {values[k]:g} is not "
                                 "integral")
    fixed = np.where(integral, np.round(values), np.clip(values, lower, upper))
    col_lower, col_upper = problem.col_lower.copy(), problem.col_upper.copy()
    col_lower[columns] = col_upper[columns] = fixed
    remaining = options.deadline.remaining()
    budget = (START_SECONDS_UNLIMITED if math.isinf(remaining)
              else min(remaining, max(1.0, START_SHARE * remaining)))
    report = solve(replace(problem, col_lower=col_lower, col_upper=col_upper),
                   options.nested(time_limit=max(budget, 0.0)))
    if report.x is not None and report.verified:
        return Start(ACCEPTED, f"objective {report.objective:.10g}", report)
    if report.status == "infeasible":
        return Start(INFEASIBLE, "no point of the model takes these values")
    return Start(NOT_COMPLETED, f"completing it ended {report.status!r} with no point")
