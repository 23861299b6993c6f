"""The results table: one CSV row per (instance, solver), written as each run ends."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO

#: The CSV columns, in order (documented in benchmarks/README.md).
COLUMNS = (
    "instance", "solver", "status", "agrees", "objective", "bound", "known_optimum",
    "time_s", "wall_s", "nodes", "peak_rss_mib", "note",
)


class Table:
    """A CSV file that gets its header at once and each row as soon as it exists."""

    def __init__(self, path: Path) -> None:
        self.rows: list[dict] = []
        self._file: TextIO = path.open("w", newline="")
        self._writer = csv.DictWriter(self._file, fieldnames=COLUMNS)
        self._writer.writeheader()

    def add(self, row: dict) -> None:
        """Append one row (missing columns left empty) and flush it to disk."""
        full = {column: _cell(row.get(column)) for column in COLUMNS}
        self._writer.writerow(full)
        self._file.flush()
        self.rows.append(row)

    def close(self) -> None:
        """Close the file."""
        self._file.close()


def _cell(value: object) -> str:
    """A CSV cell: empty for None, compact text for floats."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)
