"""A user's callbacks on a model's solve: ``on_incumbent(res)`` with a :class:`Result` in
the model's variables for every new verified incumbent, in order of improvement, and
``on_progress(stats)`` at the log's rate; True from either stops the search (status
``interrupted``, the incumbent kept). ``lazy(sol)`` sees every candidate incumbent and
returns the linear constraints (in the model's variables) it wants added: they join the
LP for good, and a candidate that breaks one is rejected.

The search calls back with points of the reformulated problem (:mod:`branchwise.solver.watch`);
here each is mapped to the model's variables and verified there before the user sees it.
A solve may run more than one search (a retry without native SOS sets), so only points
that beat the last one reported are passed on. An exception a callback raises stops the
search; ``Model.solve`` re-raises it once the result is made (as the exception's
``result`` attribute where it can hold one), so nothing is left half done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from branchwise.core.tolerances import FEASIBILITY, bound_excess
from branchwise.expr import Constraint, LinExpr, Rows
from branchwise.relaxations import Reformulation
from branchwise.result import Result, point_result
from branchwise.solver import SolveReport

if TYPE_CHECKING:
    from branchwise.model import Model


class Watch:
    """The user's two callbacks for one ``Model.solve``."""

    def __init__(self, model: Model, on_incumbent: Callable[[Result], Any] | None,
                 on_progress: Callable[[dict], Any] | None,
                 lazy: Callable[[Result], Any] | None = None) -> None:
        self.model = model
        self.on_incumbent, self.on_progress, self.lazy = on_incumbent, on_progress, lazy
        #: The first exception a callback raised (the solve re-raises it).
        self.error: Exception | None = None
        self._best: float | None = None

    def options(self, ref: Reformulation) -> dict[str, Any]:
        """The search's callbacks (``SolveOptions`` fields) that serve the user's."""
        found: dict[str, Any] = {}
        if self.on_incumbent is not None or self.lazy is not None:  # (stops on lazy's error)
            found["on_incumbent"] = lambda x, progress: self.incumbent(ref, x, progress)
        if self.lazy is not None:
            found["lazy"] = lambda x: self.lazy_rows(ref, x)
        if self.on_progress is not None:
            found["on_progress"] = lambda progress: self._call(self.on_progress, progress)
        return found

    def incumbent(self, ref: Reformulation, x: np.ndarray, progress: dict) -> bool:
        """Pass a point of ``ref.problem`` on as a Result, if it verifies on the model and
        improves on the last one passed on; True to stop."""
        if self.on_incumbent is None or self.error is not None:
            return self.error is not None
        result = point_result(self.model, ref, x, progress["bound"], progress["nodes"],
                              progress["time"])
        if not result.verified or not self._improves(result.objective):
            return False
        self._best = result.objective
        return self._call(self.on_incumbent, result)

    def lazy_rows(self, ref: Reformulation, x: np.ndarray
                  ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray] | None:
        """The rows over ``ref.problem``'s columns of the constraints ``lazy`` returns for a
        candidate (None once a callback has failed: the search is stopping)."""
        if self.error is not None:
            return None
        candidate = point_result(self.model, ref, x, self._nothing_proven())
        try:
            return lazy_matrix(self.model, self.lazy(candidate), ref.problem.n_cols)
        except Exception as error:  # kept: Model.solve re-raises it
            self.error = error
            return None

    def breaks_lazy(self, result: Result) -> bool:
        """True when ``lazy`` returns, for the final ``result``, a row it breaks (a point
        the search never showed it: a polished or re-solved one)."""
        if self.lazy is None or result.x is None or self.error is not None:
            return False
        rows = lazy_matrix(self.model, self.lazy(result), self.model.n_vars)
        return broken(rows, result.x[:self.model.n_vars])

    def rejects_start(self, ref: Reformulation, report: SolveReport) -> bool:
        """True when ``lazy``'s rows cut off a completed start (its completion never asked)."""
        if self.lazy is None:
            return False
        rows = self.lazy_rows(ref, report.x)
        return rows is not None and broken(rows, report.x)

    def start(self, ref: Reformulation, report: SolveReport) -> bool:
        """Pass a completed MIP start on as the first incumbent; True to stop."""
        return self.incumbent(ref, report.x, {"objective": report.objective,
                                              "bound": self._nothing_proven(), "nodes": 0,
                                              "time": 0.0})

    def _nothing_proven(self) -> float:
        """The bound of a point met before anything is proven (the sense's infinity)."""
        return np.inf if self.model.maximize_objective else -np.inf

    def _improves(self, objective: float) -> bool:
        if self._best is None:
            return True
        return objective > self._best if self.model.maximize_objective else \
            objective < self._best

    def _call(self, callback: Callable[[Any], Any], argument: Any) -> bool:
        """The callback's wish to stop; an exception is kept and stops the search."""
        if self.error is not None:
            return True
        try:
            return bool(callback(argument))
        except Exception as error:  # kept: Model.solve re-raises it
            self.error = error
            return True

    def reraise(self, result: Result) -> None:
        """Raise the exception a callback raised, with ``result`` attached, if any."""
        if self.error is None:
            return
        try:
            self.error.result = result  # type: ignore[attr-defined]
        except AttributeError:
            pass
        raise self.error


def lazy_matrix(model: Model, constraints: Any, width: int
                ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Linear constraints on the model's declared variables as rows ``lower <= A x <=
    upper`` over ``width`` columns; anything else is refused in one line."""
    items = [] if constraints is None else list(
        [constraints] if isinstance(constraints, Constraint) else constraints)
    blocks, lowers, uppers = [], [], []
    for c in items:
        if not (isinstance(c, Constraint) and isinstance(c.body, LinExpr)
                and c.sense in ("<=", ">=", "==")):
            raise ValueError(f"lazy constraints must be linear <=, >= or == comparisons of "
                             f"the model's variables, not {c!r}")
        columns = c.body.rows.indices
        if columns.size and (columns.max() >= model.n_vars or any(
                model.is_derived(int(j)) for j in np.unique(columns))):
            raise ValueError(f"lazy constraint {c} reads a derived column (abs, max, "
                             "if_then_else, ...): write it on the model's variables")
        lower, upper = c.row_bounds()
        blocks.append(c.body.rows)
        lowers.append(np.ravel(lower))
        uppers.append(np.ravel(upper))
    if not blocks:
        return sp.csr_matrix((0, width)), np.zeros(0), np.zeros(0)
    rows = Rows.stack(blocks)
    matrix = sp.csr_matrix((rows.data, rows.indices, rows.indptr), shape=(rows.n_rows, width))
    return matrix, np.concatenate(lowers), np.concatenate(uppers)


def broken(rows: tuple[sp.csr_matrix, np.ndarray, np.ndarray], x: np.ndarray) -> bool:
    """True when ``x`` breaks a row ``lower <= A x <= upper`` beyond the tolerance."""
    matrix, lower, upper = rows
    return bool(np.any(bound_excess(matrix @ x, lower, upper) > FEASIBILITY))
