"""Ablation: solve a set of instances with each engine component (or each subsolver
choice) switched in turn.

    python -m benchmarks.ablation --instances p0033,lseu --time-limit 30 --out FILE.md
    python -m benchmarks.ablation --problems problems/minlp --configurations subsolvers \
           --instances nvs03,du-opt5 --time-limit 60 --out FILE.md

Runs in one process (the engine is single-threaded), instance by instance with every
configuration in turn, the fastest of ``--repeat`` runs counting; reports solved counts
and the shifted geometric mean of time (shift 1 s, unsolved at the limit) and of nodes,
each as a ratio to the default configuration of the same run.
"""

from __future__ import annotations

import argparse
import platform
from dataclasses import replace
from pathlib import Path

from benchmarks.instances import collect
from benchmarks.summary import shifted_geomean
from branchwise.io import load_problem
from branchwise.solver import SolveOptions, solve

ROOT = Path(__file__).resolve().parents[1]
#: Named sets of configurations: a name and the options each changes from the default.
CONFIGURATIONS = {
    "components": {
        "default": {},
        "no presolve": {"presolve": False},
        "no propagation": {"propagation": False},
        "no cuts": {"cut_rounds": 0},
        "no diving": {"dive_frequency": 0},
        "no strong branching": {"reliability": 0},
    },
    "node selection": {
        "default": {},
        "best estimate": {"node_selection": "estimate"},
    },
    # How the nonlinear parts are relaxed (default: HiGHS QP for a quadratic objective,
    # outer approximation for rows, SLSQP at the root and where the integers are fixed).
    "subsolvers": {
        "default": {},
        "quadratic objective by outer approximation": {"quadratic_objective": "outer"},
        "NLP at every node": {"node_nlp": True},
        "no root NLP": {"root_nlp": False},
    },
}


def run(problems: Path, instances: list[str], time_limit: float,
        configurations: dict[str, dict], repeat: int = 1,
        ) -> dict[str, list[tuple[str, str, float, int]]]:
    """(instance, status, seconds, nodes) per configuration; answers checked against optima.

    Instance by instance, every configuration runs in turn, ``repeat`` times, and the
    fastest run counts: on a shared machine, load then falls on all configurations alike."""
    found = {i.name: i for i in collect([problems], set(instances))[0]}
    results: dict[str, list[tuple[str, str, float, int]]] = {label: [] for label in configurations}
    for name in instances:
        for _ in range(repeat):
            for label, changes in configurations.items():
                options = replace(SolveOptions(time_limit=time_limit), **changes)
                report = solve(load_problem(found[name].path), options)
                optimum = found[name].known
                if report.status == "optimal" and abs(report.objective - optimum) > 1e-5 * max(
                        1.0, abs(optimum)):
                    raise AssertionError(f"{label}: {name} gave {report.objective}, "
                                         f"not {optimum}")
                run = (name, report.status, report.time, report.nodes)
                rows = results[label]
                if rows and rows[-1][0] == name:
                    rows[-1] = min(rows[-1], run, key=lambda r: (r[1] != "optimal", r[2]))
                else:
                    rows.append(run)
    return results


def markdown(results: dict, time_limit: float) -> str:
    """The ablation table, each configuration against the default of the same run."""
    def means(rows):
        times = [t if s == "optimal" else time_limit for _, s, t, _ in rows]
        nodes = [n for _, _, _, n in rows]
        return (sum(s == "optimal" for _, s, _, _ in rows),
                shifted_geomean(times, 1.0), shifted_geomean(nodes, 10.0))

    base = means(results["default"])
    lines = [f"# Ablation ({len(results['default'])} instances, {time_limit:g} s limit, "
             f"{platform.processor() or platform.machine()}, 2 cores, one process)", "",
             "| configuration | solved | time sgm (s) | time vs default | nodes sgm | "
             "nodes vs default |", "|---|---:|---:|---:|---:|---:|"]
    for label, rows in results.items():
        solved, time, nodes = means(rows)
        lines.append(f"| {label} | {solved} | {time:.2f} | {time / base[1]:.2f} | {nodes:.0f} |"
                     f" {nodes / base[2]:.2f} |")
    lines += ["", "| instance | " + " | ".join(results) + " |",
              "|---|" + "---:|" * len(results)]
    for i, name in enumerate(r[0] for r in results["default"]):
        cells = [f"{rows[i][2]:.2f}" if rows[i][1] == "optimal" else "limit"
                 for rows in results.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default="problems/mip",
                        help="folder with the instances and their optimal.csv")
    parser.add_argument("--instances", required=True, help="comma list of instance names")
    parser.add_argument("--configurations", choices=sorted(CONFIGURATIONS),
                        default="components")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per instance and configuration; the fastest counts")
    parser.add_argument("--out", required=True, help="Markdown file to write")
    args = parser.parse_args()
    results = run(ROOT / args.problems, args.instances.split(","), args.time_limit,
                  CONFIGURATIONS[args.configurations], args.repeat)
    Path(args.out).write_text(markdown(results, args.time_limit))
    print(Path(args.out).read_text())


if __name__ == "__main__":
    main()
