"""A Dolan–Moré performance profile of solve times, drawn with matplotlib if it is there."""

from __future__ import annotations

import math
from pathlib import Path

#: Times below this count as this much, so ratios of near-zero times stay meaningful.
FLOOR = 0.01


def ratios(times: dict[str, list[float | None]]) -> dict[str, list[float]]:
    """Each solver's time over the best time per instance; unsolved (None) is infinite."""
    count = len(next(iter(times.values()), []))
    result: dict[str, list[float]] = {solver: [] for solver in times}
    for i in range(count):
        solved = [max(FLOOR, t[i]) for t in times.values() if t[i] is not None]
        best = min(solved) if solved else math.inf
        for solver, t in times.items():
            result[solver].append(math.inf if t[i] is None else max(FLOOR, t[i]) / best)
    return result


def plot(times: dict[str, list[float | None]], path: Path) -> str:
    """Draw the profile into ``path`` (PNG); returns a note, empty when it was drawn."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: no performance profile (pip install -e '.[bench]')"
    table = ratios(times)
    finite = [r for rs in table.values() for r in rs if math.isfinite(r)]
    if not finite:
        return "no solver solved an instance that every solver ran: no performance profile"
    top = max(2.0, max(finite) * 1.2)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for solver, rs in table.items():
        xs = sorted(r for r in rs if math.isfinite(r))
        ys = [(k + 1) / len(rs) for k in range(len(xs))]
        ax.step([1.0, *xs, top], [0.0, *ys, ys[-1] if ys else 0.0], where="post", label=solver)
    ax.set_xscale("log", base=2)
    ax.set_xlim(1.0, top)
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel("time / best time (log scale)")
    ax.set_ylabel("fraction of instances solved")
    ax.set_title("Performance profile")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return ""
