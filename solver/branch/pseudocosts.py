"""Pseudocosts: what branching on a column has cost the LP bound, per unit and direction.

Shared by the branching rule (which scores candidates with them), the node selector
(which estimates children with them) and the loop (which teaches them each child's LP)."""

from __future__ import annotations

import math

import numpy as np


class Pseudocosts:
    """Average objective gain per unit of bound change, per column and direction."""

    def __init__(self, n: int) -> None:
        self.sum = np.zeros((2, n))
        self.count = np.zeros((2, n), dtype=np.int64)

    def learn(self, col: int, direction: int, parent_value: float, parent_obj: float,
              child_obj: float) -> None:
        """Record the gain a solved child showed over its parent (what the parent
        branched on, as :attr:`Node.branched` holds it, and the child's LP objective)."""
        frac = parent_value - math.floor(parent_value)
        distance = frac if direction == 0 else 1.0 - frac
        self.record(col, direction, child_obj - parent_obj, distance)

    def record(self, col: int, direction: int, gain: float, distance: float) -> None:
        """Learn from one child: ``direction`` 0 is down, 1 is up."""
        if distance > 0 and np.isfinite(gain):
            self.sum[direction, col] += max(gain, 0.0) / distance
            self.count[direction, col] += 1

    def estimates(self, cols: np.ndarray) -> np.ndarray:
        """Per-unit gains (2 × len(cols)), the average over known columns where unknown."""
        known = self.count > 0
        mean = np.array([
            self.sum[d, known[d]].sum() / known[d].sum() if known[d].any() else 1.0
            for d in (0, 1)
        ])
        counts = self.count[:, cols]
        with np.errstate(invalid="ignore", divide="ignore"):
            per_unit = np.where(
                counts > 0, self.sum[:, cols] / np.maximum(counts, 1), mean[:, None])
        return per_unit

    def reliable(self, cols: np.ndarray, threshold: int) -> np.ndarray:
        """Mask of columns observed at least ``threshold`` times in both directions."""
        return self.count[:, cols].min(axis=0) >= threshold
