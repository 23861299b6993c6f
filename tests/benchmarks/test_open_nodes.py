"""The search's ``on_node`` hook, and the open-nodes benchmark run end to end on a tiny tree
(the benchmark itself measures speed; these check what it counts and writes)."""

from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np

from benchmarks import open_nodes
from branchwise.io import read_problem
from branchwise.solver import SolveOptions, solve
from tests.paths import DATA


def test_knapsack_is_the_open_nodes_reproducer(tmp_path: Path) -> None:
    """The benchmark's instance is the one tests/data/gen_knap.py writes (as a
    minimisation of the negated values)."""
    path = tmp_path / "knap.mps"
    subprocess.run([sys.executable, str(DATA / "gen_knap.py"), "20", "5", "7", str(path)],
                   check=True, capture_output=True)
    written, made = read_problem(path), open_nodes.knapsack(20, 5, 7)
    assert np.array_equal(written.A.toarray(), made.A.toarray())
    assert np.array_equal(written.row_upper, made.row_upper)
    assert np.array_equal(written.c, -made.c) and made.maximize and not written.maximize


def test_on_node_sees_every_node_of_the_search_and_none_of_its_sub_searches() -> None:
    """Called once per node, in order, with the queue's size: from one node to the next
    the open nodes grow by at most one (a node queues at most two children and the next
    one is either the plunge child or taken from the queue). The sub-MIP heuristics run
    searches of their own, which must not reach the hook."""
    calls: list[tuple[int, int]] = []
    report = solve(open_nodes.knapsack(30, 5, 7),
                   SolveOptions(gap=1e-9, on_node=lambda *call: calls.append(call)))
    assert report.status == "optimal" and report.nodes > 20
    assert report.stats["heuristic_lp_iterations"]["rins"] > 0  # sub-searches ran
    assert [nodes for nodes, _ in calls] == list(range(1, report.nodes + 1))
    opened = [open_count for _, open_count in calls]
    assert opened[0] == 0 and max(opened) > 1
    assert all(b - a <= 1 for a, b in zip(opened, opened[1:], strict=False))


def test_benchmark_writes_a_row_per_window_that_matches_the_search(tmp_path: Path) -> None:
    open_nodes.main(["--items", "60", "--nodes", "400", "--window", "100",
                     "--out", str(tmp_path)])
    with (tmp_path / "windows.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == [f.name for f in fields(open_nodes.Window)]
    assert [int(r["nodes"]) for r in rows] == [100, 200, 300, 400]
    opened = [int(r["open_nodes"]) for r in rows]
    assert all(0 < k <= int(r["nodes"]) for k, r in zip(opened, rows, strict=True))
    assert opened[-1] >= 200  # the tree keeps about one node open per node searched
    assert all(float(r["nodes_per_s"]) > 0 and float(r["rss_mib"]) > 0 for r in rows)
    summary = (tmp_path / "summary.md").read_text()
    assert "ended `node_limit` after 400 nodes" in summary
    assert f"{opened[-1]} open as its last node started" in summary
    table = [line for line in summary.splitlines() if line.startswith("| ") and
             line[2].isdigit()]
    assert [int(line.split("|")[1]) for line in table] == [100, 200, 300, 400]
