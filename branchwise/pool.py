"""The solutions a solve kept (``Model.solve(pool=k)``), in the model's variables.

The search keeps the best points of the reformulated problem that differ in an integer
column (``SolveReport.pool``), but the reformulation's own integers (a tree's leaf
binaries) can tell apart points the user's variables do not: each point is mapped back and
verified on the model, and only the best one per assignment of the model's integer
columns stays. ``Result.solutions`` lists them best first as ``(objective, {variable:
value})``, the result's own solution first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from branchwise.relaxations import Reformulation
from branchwise.result import Result, point_result

if TYPE_CHECKING:
    from branchwise.model import Model


def kept_solutions(model: Model, ref: Reformulation, result: Result,
                   points: list[np.ndarray], count: int) -> list[tuple[float, dict]]:
    """Up to ``count`` verified solutions distinct in the model's integer variables, best
    first: ``result``'s own and those of ``points`` (columns of ``ref.problem``)."""
    candidates = [result] if result.x is not None and result.verified else []
    candidates += [point_result(model, ref, x, result.bound, result.nodes, result.time)
                   for x in points]
    integral = np.flatnonzero(model.integral_columns()[:model.n_vars])
    sign = -1.0 if model.maximize_objective else 1.0
    best: dict[bytes, Result] = {}
    for r in candidates:
        if not r.verified:
            continue
        key = np.round(r.x[integral]).tobytes()
        if key not in best or sign * r.objective < sign * best[key].objective:
            best[key] = r
    ranked = sorted(best.values(), key=lambda r: (r is not result, sign * r.objective))
    return [(r.objective, {v: r[v] for v in model.variables()}) for r in ranked[:count]]
