"""What a model declares besides rows and conditions: SOS sets and semicontinuous columns.

Plain records; the reductions in ``relaxations/`` lower them, the model checks them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(eq=False)
class SOSSet:
    """``sos1``: at most one column nonzero; ``sos2``: at most two, adjacent in this order."""

    kind: str
    columns: np.ndarray
    name: str

    def excess(self, x: np.ndarray) -> float:
        """How far ``x`` is from satisfying the set: the size of its disallowed entries."""
        values = np.abs(x[self.columns])
        if self.kind == "sos1":
            return float(np.sort(values)[-2])
        return float(values.sum() - (values[:-1] + values[1:]).max())


@dataclass(eq=False)
class Semicontinuous:
    """Column ``column`` is 0 or lies in ``[lower, upper]``."""

    column: int
    lower: float
    upper: float
    name: str

    def excess(self, value: float) -> float:
        """Distance from ``value`` to the set {0} ∪ [lower, upper], scaled like a bound."""
        outside = max(self.lower - value, value - self.upper, 0.0)
        scale = max(1.0, abs(self.lower) if np.isfinite(self.lower) else 0.0)
        return min(abs(value), outside / scale)
