"""Command line: run every (instance, solver) pair in its own process, then summarise.

    python -m benchmarks.run --problems problems/mip --solvers branchwise,highs,scip,cbc \\
           --time-limit 60 --out benchmarks/results/NAME
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from benchmarks import instances as found
from benchmarks import machine, summary
from benchmarks.adapters import BUILTIN
from benchmarks.instances import Instance
from benchmarks.progress import Progress
from benchmarks.record import Table
from benchmarks.runner import run_worker
from benchmarks.summary import plot_path
from benchmarks.verdict import verdict
from branchwise.result import plot_trajectory

#: Seconds a probe (import and version of one solver) may take.
PROBE_LIMIT = 120.0


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line of ``python -m benchmarks.run``."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--problems", nargs="+", type=Path, default=[Path("problems/mip")],
                   help="folders and/or problem files (.mps[.gz], .lp, .py, .osil, .nl)")
    p.add_argument("--solvers", default="branchwise,highs,scip,cbc",
                   help=f"comma list; known: {','.join(BUILTIN)} and any --adapter name")
    p.add_argument("--adapter", action="append", default=[], metavar="NAME=MODULE",
                   help="add a solver: a module name or a .py file with an adapter")
    p.add_argument("--instances", help="comma list of instance names to keep")
    p.add_argument("--subset", help="a named list in benchmarks/subsets/ (e.g. highs60)")
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds per run")
    p.add_argument("--gap", type=float, default=1e-6, help="relative gap for every solver")
    p.add_argument("--grace", type=float, default=30.0,
                   help="seconds past the limit before a run is killed")
    p.add_argument("--out", type=Path, required=True, help="folder for the results")
    return p.parse_args(argv)


def adapters(args: argparse.Namespace) -> dict[str, str]:
    """The requested solver names mapped to their adapter modules."""
    known = dict(BUILTIN)
    for item in args.adapter:
        name, _, spec = item.partition("=")
        if not spec:
            raise ValueError(f"--adapter wants NAME=MODULE, got {item!r}")
        known[name] = str(Path(spec).resolve()) if spec.endswith(".py") else spec
    chosen = [s.strip() for s in args.solvers.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise ValueError(f"unknown solver(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return {name: known[name] for name in chosen}


def selection(args: argparse.Namespace) -> set[str] | None:
    """Instance names kept by ``--instances`` and ``--subset`` (both: the intersection)."""
    names = None
    if args.instances:
        names = {n.strip() for n in args.instances.split(",") if n.strip()}
    if args.subset:
        listed = found.subset(args.subset)
        names = listed if names is None else names & listed
    return names


def probe(name: str, spec: str, logs: Path) -> dict:
    """Ask a fresh process whether solver ``name`` is there, its version, suffixes and
    features."""
    answer = run_worker(["--probe", spec], PROBE_LIMIT, logs / f"probe.{name}.log").answer
    answer.setdefault("available", False)
    answer.setdefault("version", "")
    answer.setdefault("suffixes", [])
    answer.setdefault("features", [])
    answer.setdefault("note", answer.get("status", ""))
    return {"name": name, "spec": spec, **answer}


class Session:
    """One benchmark run: its settings and the models converted for the peers."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = args.out / "tmp"
        self.converted: dict[str, tuple[Path | None, str]] = {}

    def file_for(self, instance: Instance, solver: dict) -> tuple[Path | None, str]:
        """The file this solver gets: the instance, its converted MPS, or None and why."""
        missing = sorted(instance.needs - set(solver["features"]))
        if missing:
            return None, f"{solver['name']} cannot solve {' and '.join(missing)}"
        if found.readable(instance.path, solver["suffixes"]):
            return instance.path, ""
        if instance.path.suffix == ".py":
            if instance.name not in self.converted:
                self.converted[instance.name] = found.convert(instance, self.tmp / "models")
            mps, note = self.converted[instance.name]
            if mps is not None and found.readable(mps, solver["suffixes"]):
                return mps, ""
            return None, note or f"{solver['name']} cannot read .mps"
        return None, f"{solver['name']} cannot read {instance.path.name}"

    def run(self, instance: Instance, solver: dict) -> dict:
        """Run one pair (or record why not) and return its CSV row."""
        row = {"instance": instance.name, "solver": solver["name"],
               "known_optimum": instance.known}
        if not solver["available"]:
            answer = {"status": "unavailable", "note": solver["note"]}
        else:
            path, note = self.file_for(instance, solver)
            answer = {"status": "skipped", "note": note} if path is None else self.solve(
                instance, solver, path, row)
        row.update(status=answer["status"], agrees=verdict(answer, instance.known, self.args.gap),
                   objective=answer.get("objective"), bound=answer.get("bound"),
                   time_s=answer.get("time"), nodes=answer.get("nodes"),
                   note=answer.get("note", ""))
        return row

    def solve(self, instance: Instance, solver: dict, path: Path, row: dict) -> dict:
        """Run the worker on ``path``; put wall time and memory in ``row``, return its answer."""
        limit = self.args.time_limit
        command = [solver["spec"], str(path), "--time-limit", str(limit),
                   "--gap", str(self.args.gap), "--tmp", str(self.tmp)]
        log = self.tmp / "logs" / f"{instance.name}.{solver['name']}.log"
        done = run_worker(command, limit + self.args.grace, log)
        row.update(wall_s=done.wall, peak_rss_mib=done.peak_mib)
        if done.answer.get("time") is None:
            done.answer["time"] = done.wall
        trajectory = done.answer.pop("trajectory", None)
        if trajectory:
            plot_trajectory(trajectory, f"{instance.name} · {solver['name']}: "
                            f"{done.answer['status']}", plot_path(self.args.out, instance.name,
                                                                 solver["name"]))
        return done.answer


def report(stats: list[summary.SolverStats], rows: list[dict], out: Path) -> None:
    """The closing lines on the terminal, with a loud warning for every WRONG answer."""
    print(f"results: {out / 'results.csv'}  summary: {out / 'summary.md'}")
    print(f"{'solver':<12}{'runs':>6}{'solved':>8}{'WRONG':>7}{'unsolved':>10}{'errors':>8}"
          f"{'time sgm':>10}")
    for s in stats:
        sgm = "—" if s.time_sgm is None else f"{s.time_sgm:.2f}"
        print(f"{s.name:<12}{s.runs:>6}{s.solved:>8}{s.wrong:>7}{s.unsolved:>10}{s.errors:>8}"
              f"{sgm:>10}")
    wrong = [f"{r['instance']}/{r['solver']}" for r in rows if r["agrees"] == "WRONG"]
    if wrong:
        print(f"WARNING: {len(wrong)} WRONG answer(s): {', '.join(wrong)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark described by ``argv``; 0 when it ran, 2 for bad usage or no instance."""
    args = parse(argv)
    try:
        specs = adapters(args)
        chosen, notes = found.collect(args.problems, selection(args))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if not chosen:
        print("error: no instances to run", file=sys.stderr)
        return 2
    logs = args.out / "tmp" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    solvers = [probe(name, spec, logs) for name, spec in specs.items()]
    for s in solvers:
        if not s["available"]:
            print(f"note: {s['name']} is not available ({s['note']}): skipped", file=sys.stderr)
    table = Table(args.out / "results.csv")
    session = Session(args)
    progress = Progress(len(chosen) * len(solvers))
    for instance in chosen:
        for solver in solvers:
            progress.show(f"{instance.name} · {solver['name']}")
            table.add(session.run(instance, solver))
            progress.step(f"{instance.name} · {solver['name']}")
    progress.close()
    table.close()
    meta = {"name": args.out.name, "command": "python -m benchmarks.run " + shlex.join(
                sys.argv[1:] if argv is None else argv),
            "time_limit": args.time_limit, "gap": args.gap, "grace": args.grace,
            "machine": machine.describe(), "solvers": solvers, "notes": notes}
    (args.out / "run.json").write_text(json.dumps(meta, indent=2) + "\n")
    report(summary.write(args.out, table.rows, meta), table.rows, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
