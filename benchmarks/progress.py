"""A plain text progress bar on stderr (no dependency)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``[####------] 12/70  4m02s  p0033 · highs`` redrawn in place."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.total, self.done, self.width, self.stream = total, 0, width, stream
        self.start = time.perf_counter()

    def show(self, label: str) -> None:
        """Redraw the bar with ``label`` as the run in progress."""
        filled = self.width * self.done // max(1, self.total)
        elapsed = int(time.perf_counter() - self.start)
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"[{bar}] {self.done}/{self.total}  {elapsed // 60}m{elapsed % 60:02d}s  {label}"
        self.stream.write("\r" + line[:100].ljust(100))
        self.stream.flush()

    def step(self, label: str) -> None:
        """Count one run as done and redraw."""
        self.done += 1
        self.show(label)

    def close(self) -> None:
        """End the bar's line."""
        self.stream.write("\n")
        self.stream.flush()
