"""A user's callbacks on a model's solve: ``on_incumbent(res)`` with a :class:`Result` in
the model's variables for every new verified incumbent, in order of improvement, and
``on_progress(stats)`` at the log's rate; True from either stops the search (status
``interrupted``, the incumbent kept).

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

from branchwise.core.tolerances import FEASIBILITY
from branchwise.relaxations import Reformulation
from branchwise.result import Result
from branchwise.solver import SolveReport

if TYPE_CHECKING:
    from branchwise.model import Model


class Watch:
    """The user's two callbacks for one ``Model.solve``."""

    def __init__(self, model: Model, on_incumbent: Callable[[Result], Any] | None,
                 on_progress: Callable[[dict], Any] | None) -> None:
        self.model = model
        self.on_incumbent, self.on_progress = on_incumbent, on_progress
        #: The first exception a callback raised (the solve re-raises it).
        self.error: Exception | None = None
        self._best: float | None = None

    def options(self, ref: Reformulation) -> dict[str, Any]:
        """The search's callbacks (``SolveOptions`` fields) that serve the user's."""
        found: dict[str, Any] = {}
        if self.on_incumbent is not None:
            found["on_incumbent"] = lambda x, progress: self.incumbent(ref, x, progress)
        if self.on_progress is not None:
            found["on_progress"] = lambda progress: self._call(self.on_progress, progress)
        return found

    def incumbent(self, ref: Reformulation, x: np.ndarray, progress: dict) -> bool:
        """Pass a point of ``ref.problem`` on as a Result, if it verifies on the model and
        improves on the last one passed on; True to stop."""
        if self.on_incumbent is None or self.error is not None:
            return self.error is not None
        report = SolveReport("feasible", x, progress["objective"], progress["bound"],
                             progress["nodes"], progress["time"],
                             verified=bool(ref.problem.violation(x)[0] <= FEASIBILITY))
        values, witness = ref.invert(np.array(x, dtype=float))  # invert writes into it
        result = Result(self.model, report, values, witness)
        if not result.verified or not self._improves(result.objective):
            return False
        self._best = result.objective
        return self._call(self.on_incumbent, result)

    def start(self, ref: Reformulation, report: SolveReport) -> bool:
        """Pass a completed MIP start on as the first incumbent; True to stop."""
        nothing_proven = np.inf if self.model.maximize_objective else -np.inf
        return self.incumbent(ref, report.x, {"objective": report.objective,
                                              "bound": nothing_proven, "nodes": 0,
                                              "time": 0.0})

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
