"""An array that reductions append to many times: amortised O(1) per appended element.

Reformulating n constructs adds columns n times; re-concatenating the whole array each
time made that quadratic (15 s of 40 at 10,000 disjunctions)."""

from __future__ import annotations

import numpy as np


class GrowingArray:
    """A one-dimensional array with spare capacity; :attr:`view` is its current content
    (a view: writes go through, and it is stale after the next :meth:`append`)."""

    __slots__ = ("_data", "_size")

    def __init__(self, initial: np.ndarray) -> None:
        self._data = np.array(initial)
        self._size = self._data.size

    @property
    def view(self) -> np.ndarray:
        return self._data[:self._size]

    def append(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=self._data.dtype)
        end = self._size + values.size
        if end > self._data.size:
            grown = np.empty(max(end, 2 * self._data.size), dtype=self._data.dtype)
            grown[:self._size] = self._data[:self._size]
            self._data = grown
        self._data[self._size:end] = values
        self._size = end
