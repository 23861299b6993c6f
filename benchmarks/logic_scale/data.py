"""Where the suite's instance data lives, and the seeded generator of the data that has no
public source (``python -m benchmarks.logic_scale.data`` rewrites those files).

Generated data is written once and committed, so a change of numpy's random streams
cannot change an instance; each family's ``generate(rng)`` says what it draws.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np

#: problems/logic_scale: instance data, its README and the known optima.
DATA = Path(__file__).resolve().parents[2] / "problems" / "logic_scale"
#: The seed of every generated instance.
SEED = 20261126
#: Families whose data is generated here (job-shop data comes from the OR-Library).
GENERATED = ("lotsizing", "tariff", "relu", "facility", "flowshop", "unitcommit")


def read_table(path: Path) -> np.ndarray:
    """A CSV of numbers with one header line, as a 2-D float array."""
    return np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)


def write_table(path: Path, header: str, rows: np.ndarray) -> None:
    """Write ``rows`` under ``header``, integers without a decimal point."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [header] + [",".join(f"{v:.10g}" for v in row) for row in np.atleast_2d(rows)]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    """Rewrite every generated family's files from :data:`SEED`."""
    for offset, family in enumerate(GENERATED):
        module = importlib.import_module(f"benchmarks.logic_scale.{family}")
        module.generate(np.random.default_rng(SEED + offset))


if __name__ == "__main__":
    main()
