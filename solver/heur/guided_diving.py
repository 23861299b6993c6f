"""Guided diving: a fractional dive steered toward the incumbent's values."""

from __future__ import annotations

import numpy as np

from branchwise.solver.heur.heuristics import FractionalDiving
from branchwise.solver.plugins import HeuristicContext


class GuidedDiving(FractionalDiving):
    """Dive like :class:`FractionalDiving`, but round the fractional column closest to its
    incumbent value, first in the incumbent's direction (SCIP's guided diving)."""

    name = "guided-diving"
    priority = 600
    _target: np.ndarray | None = None

    def should_run(self, context: HeuristicContext) -> bool:
        """Like fractional diving, once an incumbent exists."""
        return self.incumbent.x is not None and super().should_run(context)

    def run(self, context: HeuristicContext) -> np.ndarray | None:
        """Dive toward the incumbent as it is when the dive starts."""
        self._target = self.incumbent.x
        return super().run(context)

    def _pick(self, x: np.ndarray, fractional: np.ndarray) -> tuple[int, bool]:
        """The fractional column nearest its incumbent value, rounded toward that value."""
        target = self._target[fractional]
        pick = int(np.argmin(np.abs(x[fractional] - target)))
        col = int(fractional[pick])
        return col, bool(target[pick] > x[col])
