"""The progress table a search prints, at a steady rate rather than per node."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from branchwise.solver.result import relative_gap

_HEADER = f"{'':1} {'Nodes':>9} {'Open':>8} {'Incumbent':>15} {'Bound':>15} {'Gap':>8} {'Time':>8}"


class SearchLog:
    """Prints one row every ``interval`` seconds, and one when the incumbent improves."""

    def __init__(self, enabled: bool, interval: float, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.interval = interval
        self.stream = stream or sys.stdout
        self._next = 0.0
        self._started = False

    def row(self, elapsed: float, nodes: int, open_nodes: int, incumbent: float | None,
            bound: float, mark: str = "", force: bool = False) -> None:
        """Print a row when due (or when ``force``/``mark`` asks for it)."""
        if not self.enabled or not (force or mark or time.perf_counter() >= self._next):
            return
        if not self._started:
            print(_HEADER, file=self.stream)
            self._started = True
        self._next = time.perf_counter() + self.interval
        gap = relative_gap(incumbent, bound)
        print(
            f"{mark:1} {nodes:>9d} {open_nodes:>8d} {_num(incumbent):>15} {_num(bound):>15} "
            f"{(f'{100 * gap:.2f}%' if gap != float('inf') else 'inf'):>8} {elapsed:>7.1f}s",
            file=self.stream, flush=True,
        )

    def line(self, text: str) -> None:
        """Print a free-form line (start and end of the search)."""
        if self.enabled:
            print(text, file=self.stream, flush=True)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.8g}"
