"""Wall-clock time per engine component, for the log and the result's statistics."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class Timers:
    """Accumulates seconds under component names (``lp``, ``cuts``, ``heuristic:diving``…)."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)

    @contextmanager
    def timing(self, component: str) -> Iterator[None]:
        """Add the time spent inside the ``with`` block to ``component``."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[component] += time.perf_counter() - started

    def add(self, component: str, seconds: float) -> None:
        """Add ``seconds`` measured elsewhere to ``component``."""
        self.seconds[component] += seconds

    def as_dict(self) -> dict[str, float]:
        return {name: round(value, 4) for name, value in sorted(self.seconds.items())}
