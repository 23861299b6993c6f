"""Root gap closed by cuts, per instance: how much of the distance from the root LP bound
to the optimum the root cut rounds remove.

    python -m benchmarks.root_gap --subset highs60 --out FILE.md

Each instance is solved to the end of its root (node limit 1) with the default options;
``closed = (bound after cuts - LP bound) / (optimum - LP bound)``, in the minimisation
sense, from the known optimum in ``problems/mip/optimal.csv``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
from pathlib import Path

from benchmarks.instances import collect, subset
from branchwise.io import read_problem
from branchwise.solver import SolveOptions, solve

MIP = Path(__file__).resolve().parents[1] / "problems" / "mip"


def root_gaps(names: list[str], time_limit: float) -> list[tuple[str, float, float, float,
                                                                 float | None]]:
    """(instance, LP bound, bound after cuts, optimum, share closed) per instance."""
    rows = []
    for instance in sorted(collect([MIP], set(names))[0], key=lambda i: i.name):
        problem = read_problem(instance.path)
        report = solve(problem, SolveOptions(time_limit=time_limit, node_limit=1))
        before = report.stats.get("root_bound_before_cuts")
        after = report.stats.get("root_bound")
        optimum, name = instance.known, instance.name
        sign = -1.0 if problem.maximize else 1.0
        closed = None
        if before is not None and after is not None and sign * (optimum - before) > 1e-9:
            closed = (after - before) / (optimum - before)
        rows.append((name, before, after, optimum, closed))
    return rows


def markdown(rows: list, time_limit: float) -> str:
    """The per-instance table with the mean and median share closed."""
    shares = [r[4] for r in rows if r[4] is not None]
    lines = [f"# Root gap closed by cuts ({len(rows)} instances, root only, {time_limit:g} s "
             f"limit, {platform.processor() or platform.machine()}, 2 cores)", "",
             f"Mean {statistics.mean(shares):.2f}, median {statistics.median(shares):.2f} over "
             f"the {len(shares)} instances with a root gap (presolved problems: the LP bound "
             "is the presolved root's).", "",
             "| instance | LP bound | after cuts | optimum | gap closed |",
             "|---|---:|---:|---:|---:|"]
    for name, before, after, optimum, closed in rows:
        cells = [f"{v:.6g}" if v is not None else "—" for v in (before, after, optimum)]
        share = "no gap" if closed is None else f"{max(closed, 0.0):.2f}"  # no "-0.00"
        lines.append(f"| {name} | {' | '.join(cells)} | {share} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", default="highs60", help="a named list in benchmarks/subsets/")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--out", required=True, help="Markdown file to write")
    args = parser.parse_args()
    rows = root_gaps(sorted(subset(args.subset)), args.time_limit)
    Path(args.out).write_text(markdown(rows, args.time_limit))
    print(Path(args.out).read_text())


if __name__ == "__main__":
    main()
