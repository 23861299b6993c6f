"""Command line: every (case, peer) pair in its own process, then the summary.

    python -m benchmarks.logic_scale.run --sizes small,medium --time-limit 60 \\
           --out benchmarks/results/logic-scale

A peer is a solver and the model it reads: HiGHS, SCIP and CP-SAT the hand MILP, HiGHS
also branchwise's export (``branchwise convert`` of the user model), Pyomo's GDP
transformations the Pyomo GDP model, branchwise the user model end to end. Each run gets
one thread, the same time limit and gap, as in ``benchmarks.run``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks import machine
from benchmarks.instances import Instance
from benchmarks.logic_scale import cases as found
from benchmarks.logic_scale import report
from benchmarks.logic_scale.cases import Case
from benchmarks.progress import Progress
from benchmarks.record import Table
from benchmarks.run import Session, probe


@dataclass(frozen=True)
class Peer:
    """A solver (its adapter module) and the kind of file it reads."""

    name: str
    adapter: str
    kind: str


#: Every peer, HiGHS on the hand model first: where no optimum is listed, its proven
#: optimum is the reference the others are judged by.
PEERS = (
    Peer("highs", "benchmarks.adapters.highs", "hand"),
    Peer("highs-export", "benchmarks.adapters.highs", "export"),
    Peer("scip", "benchmarks.adapters.scip", "hand"),
    Peer("cpsat", "benchmarks.adapters.cpsat", "hand-int"),
    Peer("gdp-bigm", "benchmarks.adapters.gdp_bigm", "gdp"),
    Peer("gdp-hull", "benchmarks.adapters.gdp_hull", "gdp"),
    Peer("branchwise", "benchmarks.adapters.branchwise", "user"),
)
#: The peer whose optimum is the reference of a case with no known optimum.
REFERENCE = report.HAND


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line of ``python -m benchmarks.logic_scale.run``."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.logic_scale.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--families", default=",".join((*found.FAMILIES, "logic")),
                   help="comma list of families (logic: the models of problems/logic)")
    p.add_argument("--sizes", default="small,medium", help="comma list of small,medium,large")
    p.add_argument("--cases", help="comma list of case names to keep (e.g. jobshop-ft06)")
    p.add_argument("--peers", default=",".join(p.name for p in PEERS),
                   help="comma list of peers")
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds per run")
    p.add_argument("--gap", type=float, default=1e-6, help="relative gap for every peer")
    p.add_argument("--grace", type=float, default=30.0,
                   help="seconds past the limit before a run is killed")
    p.add_argument("--out", type=Path, required=True, help="folder for the results")
    return p.parse_args(argv)


def choose(args: argparse.Namespace) -> tuple[list[Case], list[Peer]]:
    """The cases and peers the command line asks for; ValueError for unknown names."""
    families, sizes = _split(args.families), _split(args.sizes)
    unknown = [f for f in families if f not in (*found.FAMILIES, "logic")]
    unknown += [s for s in sizes if s not in found.SIZES]
    by_name = {p.name: p for p in PEERS}
    unknown += [p for p in _split(args.peers) if p not in by_name]
    if unknown:
        raise ValueError(f"unknown name(s): {', '.join(unknown)}")
    chosen = found.select(families, sizes)
    if args.cases:
        chosen = [c for c in chosen if c.name in set(_split(args.cases))]
    return chosen, [by_name[p] for p in _split(args.peers)]


class PeerSession(Session):
    """The harness's session, with each peer reading the case file of its kind."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.files: dict[str, dict[str, Path]] = {}

    def file_for(self, instance: Instance, solver: dict) -> tuple[Path | None, str]:
        """The case's file of the peer's kind, or None and why."""
        path = self.files[instance.name].get(solver["kind"])
        return (path, "") if path is not None else (None, f"no {solver['kind']} model")


def run_case(session: PeerSession, case: Case, solvers: list[dict], progress: Progress,
             table: Table) -> dict:
    """Write the case's files, run every peer on it and return its formulation facts."""
    files, notes = found.write_files(case, session.tmp / "models")
    session.files[case.name] = files
    facts = {"case": case, "notes": notes, "reference": "known" if case.known is not None
             else None}
    for kind in ("hand", "export"):
        if kind in files:
            facts[kind] = found.formulation(files[kind], session.args.time_limit)
    instance = Instance(case.name, files["user"], case.known)
    for solver in solvers:
        progress.show(f"{case.name} · {solver['name']}")
        row = session.run(instance, solver)
        row.update(family=case.family, size=case.size)
        table.add(row)
        if solver["name"] == REFERENCE and instance.known is None and row["status"] == "optimal":
            instance = dataclasses.replace(instance, known=row["objective"])
            facts["reference"] = REFERENCE
        progress.step(f"{case.name} · {solver['name']}")
    return facts


def main(argv: list[str] | None = None) -> int:
    """Run the suite described by ``argv``; 0 when it ran, 2 for bad usage or no case."""
    args = parse(argv)
    try:
        chosen, peers = choose(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not chosen:
        print("error: no cases to run", file=sys.stderr)
        return 2
    logs = args.out / "tmp" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    solvers = [{**probe(p.name, p.adapter, logs), "kind": p.kind} for p in peers]
    for s in solvers:
        if not s["available"]:
            print(f"note: {s['name']} is not available ({s['note']}): skipped", file=sys.stderr)
    session = PeerSession(args)
    table = Table(args.out / "results.csv")
    progress = Progress(len(chosen) * len(solvers))
    facts = [run_case(session, case, solvers, progress, table) for case in chosen]
    progress.close()
    table.close()
    meta = {"name": args.out.name, "command": "python -m benchmarks.logic_scale.run " +
            shlex.join(sys.argv[1:] if argv is None else argv),
            "time_limit": args.time_limit, "gap": args.gap, "grace": args.grace,
            "machine": machine.describe(), "solvers": solvers,
            "notes": [n for f in facts for n in f["notes"]]}
    (args.out / "run.json").write_text(json.dumps(meta, indent=2) + "\n")
    problems = report.write(args.out, table.rows, facts, meta)
    print(f"results: {args.out / 'results.csv'}  summary: {args.out / 'summary.md'}")
    for line in problems:
        print(f"WARNING: {line}", file=sys.stderr)
    return 0


def _split(text: str) -> list[str]:
    """The items of a comma list."""
    return [item.strip() for item in text.split(",") if item.strip()]


if __name__ == "__main__":
    sys.exit(main())
