"""The progress table a search prints, at a steady rate rather than per node."""

from __future__ import annotations

import math
import sys
import time
from typing import TextIO

from branchwise.solver.result import relative_gap

_HEADER = f"{'':1} {'Nodes':>9} {'Open':>8} {'Incumbent':>15} {'Bound':>15} {'Gap':>8} {'Time':>8}"


class SearchLog:
    """Prints one row every ``interval`` seconds, and one when the incumbent improves.

    On a terminal it also keeps a status line under the table that rewrites itself several
    times a second (incumbent, bound, gap, open nodes, time against ``time_limit``); rows
    and lines are printed over it. Anywhere else (a file, a pipe) the table stays plain."""

    def __init__(self, enabled: bool, interval: float, stream: TextIO | None = None,
                 time_limit: float = math.inf) -> None:
        self.enabled = enabled
        self.interval = interval
        self.stream = stream or sys.stdout
        self.time_limit = time_limit
        self.live = enabled and _is_terminal(self.stream)
        self._next = 0.0
        self._next_status = 0.0
        self._status_shown = False
        self._started = False

    def row(self, elapsed: float, nodes: int, open_nodes: int, incumbent: float | None,
            bound: float, mark: str = "", force: bool = False) -> None:
        """Print a row when due (or when ``force``/``mark`` asks for it); on a terminal,
        refresh the status line when it is due."""
        if not self.enabled:
            return
        if not (force or mark or time.perf_counter() >= self._next):
            self._status(elapsed, open_nodes, incumbent, bound)
            return
        self._clear_status()
        if not self._started:
            print(_HEADER, file=self.stream)
            self._started = True
        self._next = time.perf_counter() + self.interval
        gap = relative_gap(incumbent, bound)
        print(
            f"{mark:1} {nodes:>9d} {open_nodes:>8d} {_num(incumbent):>15} {_num(bound):>15} "
            f"{_percent(gap):>8} {elapsed:>7.1f}s",
            file=self.stream, flush=True,
        )

    def line(self, text: str) -> None:
        """Print a free-form line (start and end of the search)."""
        if self.enabled:
            self._clear_status()
            print(text, file=self.stream, flush=True)

    def _status(self, elapsed: float, open_nodes: int, incumbent: float | None,
                bound: float) -> None:
        """Rewrite the terminal's status line, at most every :data:`STATUS_INTERVAL` s."""
        if not self.live or time.perf_counter() < self._next_status:
            return
        self._next_status = time.perf_counter() + STATUS_INTERVAL
        limit = f" of {self.time_limit:.0f}s" if math.isfinite(self.time_limit) else ""
        text = (f"  incumbent {_num(incumbent)}  bound {_num(bound)}  "
                f"gap {_percent(relative_gap(incumbent, bound))}  open {open_nodes}  "
                f"{elapsed:.1f}s{limit}")
        self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()
        self._status_shown = True

    def _clear_status(self) -> None:
        if self._status_shown:
            self.stream.write("\r\x1b[K")
            self._status_shown = False


#: Seconds between two rewrites of the terminal's status line.
STATUS_INTERVAL = 0.2


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _percent(gap: float) -> str:
    return f"{100 * gap:.2f}%" if gap != float("inf") else "inf"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.8g}"
