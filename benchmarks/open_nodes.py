"""Nodes per second and bytes per open node while the search tree grows to 10^5+ open nodes.

    python -m benchmarks.open_nodes --nodes 120000 --out benchmarks/results/open-nodes

The instance is a multi-row 0/1 knapsack made here (``--items`` items, ``--rows`` weight
rows, ``--seed``): weights uniform in [1000, 10000), each value the item's mean weight plus
noise in [-500, 500), each capacity half its row's total weight. Its LP bound stays just
above the best integer points found, so the search branches at nearly every node and the
open nodes grow by about one per node. The search (default options, one thread, the
chosen node selection) runs to ``--nodes``; as every ``--window``-th node starts, a row
records the nodes, the open nodes, the nodes per second over the window just ended (per
wall second, and per CPU second of this process, which other work on a shared machine
disturbs less), the process's resident memory and the bytes per open node: the memory
gained since the first node started, divided by the open nodes.

Memory is the resident set size (``/proc/self/statm``, so Linux only), not tracemalloc:
tracemalloc sees only Python's own allocations, not the HiGHS-side warm-start bases that
open nodes keep (the C++ ``HighsBasis`` objects), and tracing every allocation would slow
the very nodes whose rate is measured in the same run. Resident memory counts everything
the process holds, allocator slack included, so it is what a long search costs.

Writes ``OUT/windows.csv`` (one row per window, each as soon as it exists, so a long run
stopped early keeps its rows) and ``OUT/summary.md`` (machine, instance, result, the table).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import TextIO

import numpy as np
import scipy.sparse as sp

from benchmarks.machine import describe
from branchwise.core.problem import Problem
from branchwise.solver import SolveOptions, solve
from branchwise.solver.result import SolveReport

_PAGE = os.sysconf("SC_PAGE_SIZE")


def knapsack(items: int, rows: int, seed: int) -> Problem:
    """The multi-row 0/1 knapsack described above: maximise value within every row's
    capacity (values and weights of similar size, so no item is clearly in or out)."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(1000, 10000, size=(rows, items)).astype(float)
    values = (weights.mean(axis=0) + rng.integers(-500, 500, size=items)).round()
    capacity = (weights.sum(axis=1) * 0.5).round()
    return Problem(c=values, A=sp.csr_matrix(weights), row_lower=np.full(rows, -np.inf),
                   row_upper=capacity, col_lower=np.zeros(items), col_upper=np.ones(items),
                   integrality=np.ones(items, dtype=bool), maximize=True,
                   name=f"knapsack-{items}x{rows}-seed{seed}")


def resident_bytes() -> int:
    """The process's resident memory now (not its peak), from ``/proc/self/statm``."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * _PAGE


@dataclass
class Window:
    """One row of the table: the state as node ``nodes`` starts."""

    nodes: int
    open_nodes: int
    seconds: float  # since the first node started
    nodes_per_s: float  # over the window that ends here
    nodes_per_cpu_s: float  # the same per CPU second of this process
    rss_mib: float
    bytes_per_open_node: float  # resident memory gained since the first node / open nodes


class Recorder:
    """The search's ``on_node`` hook: keeps a :class:`Window` every ``window`` nodes,
    measured from the first node (so presolve and the root are not in the rates), and
    appends it to the CSV at ``path`` (columns named as the fields, floats to 4 decimals)."""

    def __init__(self, window: int, path: Path) -> None:
        self.window = window
        self.windows: list[Window] = []
        self._file: TextIO = path.open("w", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow([f.name for f in fields(Window)])
        self._start: tuple[float, float, int] | None = None  # wall, CPU, memory at node 1
        self._last = (0.0, 0.0, 1)  # wall and CPU seconds and nodes at the previous row

    def __call__(self, nodes: int, open_nodes: int) -> None:
        if self._start is None:
            self._start = time.perf_counter(), time.process_time(), resident_bytes()
        if nodes % self.window:
            return
        wall = time.perf_counter() - self._start[0]
        cpu = time.process_time() - self._start[1]
        rss = resident_bytes()
        done = nodes - self._last[2]
        per_node = (rss - self._start[2]) / open_nodes if open_nodes else 0.0
        row = Window(nodes, open_nodes, wall, done / max(wall - self._last[0], 1e-9),
                     done / max(cpu - self._last[1], 1e-9), rss / 2**20, per_node)
        self.windows.append(row)
        self._writer.writerow([round(v, 4) for v in astuple(row)])
        self._file.flush()
        self._last = (wall, cpu, nodes)

    def close(self) -> None:
        """Close the CSV."""
        self._file.close()


def run(problem: Problem, nodes: int, window: int, csv_path: Path,
        node_selection: str = "bound") -> tuple[SolveReport, list[Window]]:
    """Search ``problem`` to ``nodes`` nodes (default options otherwise), a row every
    ``window`` nodes into ``csv_path``; the report and the rows."""
    recorder = Recorder(window, csv_path)
    try:
        report = solve(problem, SolveOptions(node_limit=nodes, node_selection=node_selection,
                                             on_node=recorder))
    finally:
        recorder.close()
    return report, recorder.windows


def markdown(problem: Problem, report: SolveReport, windows: list[Window], command: str,
             node_selection: str) -> str:
    """The summary: command, machine, instance, how the run ended, the table."""
    machine = describe()
    lines = [f"# Open nodes at scale: {problem.name}", "",
             f"`{command}`", "",
             f"{machine['date']}; {machine['cpu']}, {machine['cores']} cores (shared, "
             f"noisy), {machine['memory']}; Python {machine['python']}.", "",
             f"Node selection `{node_selection}`, default options otherwise. The search "
             f"ended `{report.status}` after {report.nodes} nodes in {report.time:.1f} s "
             f"(presolve and root included), {windows[-1].open_nodes if windows else 0} "
             f"open as its last node started; incumbent {report.objective}, "
             f"bound {report.bound:.10g}.", "",
             "Rates are per window since the row above (per wall second, and per CPU "
             "second of the process); memory is resident (RSS), per open node since the "
             "first node started.", "",
             "| nodes | open | seconds | nodes/s | nodes/CPU s | RSS MiB | bytes/open node |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for w in windows:
        lines.append(f"| {w.nodes} | {w.open_nodes} | {w.seconds:.1f} | {w.nodes_per_s:.0f} "
                     f"| {w.nodes_per_cpu_s:.0f} | {w.rss_mib:.1f} | "
                     f"{w.bytes_per_open_node:.0f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Generate the knapsack, search it to the node limit, write the CSV and summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--rows", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--nodes", type=int, default=120_000, help="node limit")
    parser.add_argument("--window", type=int, default=10_000,
                        help="a row every this many nodes")
    parser.add_argument("--node-selection", choices=("bound", "estimate"), default="bound")
    parser.add_argument("--out", required=True, help="folder for windows.csv and summary.md")
    args = parser.parse_args(argv)
    if args.window < 1 or args.nodes < 1:
        parser.error("--nodes and --window must be positive")
    problem = knapsack(args.items, args.rows, args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report, windows = run(problem, args.nodes, args.window, out / "windows.csv",
                          args.node_selection)
    command = "python -m benchmarks.open_nodes " + " ".join(
        sys.argv[1:] if argv is None else argv)
    (out / "summary.md").write_text(markdown(problem, report, windows, command,
                                             args.node_selection))
    print((out / "summary.md").read_text())


if __name__ == "__main__":
    main()
