"""The one clock every phase of a solve reads: reformulation, bound tightening, presolve,
root cuts, heuristics, sub-MIPs and NLP solves all stop at the same deadline, so a time
limit holds however the time is split between them."""

from __future__ import annotations

import math
import time


class Deadline:
    """A moment on ``time.perf_counter()``'s clock after which work stops.

    Phases ask :meth:`expired` between steps (an item, a round, a dive step) and hand
    :meth:`remaining` to the subsolvers that take a time limit of their own."""

    __slots__ = ("at",)

    def __init__(self, seconds: float = math.inf) -> None:
        self.at = time.perf_counter() + seconds

    def remaining(self) -> float:
        """Seconds left (negative once past; inf without a limit)."""
        return self.at - time.perf_counter()

    def expired(self) -> bool:
        return time.perf_counter() >= self.at

    def within(self, seconds: float) -> Deadline:
        """The earlier of this deadline and ``seconds`` from now (a phase's own budget)."""
        inner = Deadline(seconds)
        inner.at = min(inner.at, self.at)
        return inner

    def __repr__(self) -> str:
        return f"Deadline(remaining={self.remaining():.3f}s)"


class TimeLimitReached(Exception):
    """Raised by a phase that cannot return a partial result when its deadline passes."""


NO_DEADLINE = Deadline()
