"""HiGHS on the hand model and on branchwise's export over several random seeds: the
formulation comparison of the logic suite without one run's luck.

    python -m benchmarks.logic_scale.seeds --sizes small --seeds 5 --time-limit 60 \\
           --out benchmarks/results/logic-scale-seeds

One HiGHS run on these models depends on its random seed (and on the order of the
columns, which changes HiGHS's choices the same way): on the hand model of the 6x6 job
shop six seeds took from 0 to 211 nodes. ``run.py`` gives each peer one
run; this tool gives HiGHS ``--seeds`` runs on each of the two files (seed 0, 1, ...; one
thread, the time limit and gap of the suite) and reports the shifted geometric mean (shift
1 s, a run not solved counted at the limit) per file and their ratio, which is what the
logic issue's bar "HiGHS on the export no slower than on the hand model" is judged by.
Runs go one after another in this process (HiGHS is started fresh for each).
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from pathlib import Path

import highspy

from benchmarks import machine
from benchmarks.logic_scale import cases as found

#: The shift of the shifted geometric mean, as in the suite's summaries.
SHIFT = 1.0


def highs_time(path: Path, seed: int, time_limit: float, gap: float) -> tuple[float, bool]:
    """Seconds HiGHS takes on ``path`` with ``seed`` (one thread), and whether it proved
    the optimum within the limit."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", seed)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(gap))
    h.readModel(str(path))
    started = time.perf_counter()
    h.run()
    elapsed = time.perf_counter() - started
    return elapsed, h.getModelStatus() == highspy.HighsModelStatus.kOptimal


def shifted_mean(times: list[float]) -> float:
    """The shifted geometric mean of ``times`` (shift :data:`SHIFT`)."""
    return math.exp(sum(math.log(t + SHIFT) for t in times) / len(times)) - SHIFT


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line of ``python -m benchmarks.logic_scale.seeds``."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.logic_scale.seeds",
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--families", default=",".join(found.FAMILIES))
    p.add_argument("--sizes", default="small")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--gap", type=float, default=1e-6)
    p.add_argument("--out", type=Path, required=True)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Write every case's files, time HiGHS on hand and export per seed, and report."""
    args = parse(argv)
    chosen = found.select(args.families.split(","), args.sizes.split(","))
    models = args.out / "models"
    rows = []
    for case in chosen:
        if case.module is None:
            continue  # problems/logic has no hand model
        files, notes = found.write_files(case, models)
        if "export" not in files:
            print(f"{case.name}: no export ({'; '.join(notes)})")
            continue
        row = {"case": case.name, "size": case.size}
        for kind in ("hand", "export"):
            runs = [highs_time(files[kind], seed, args.time_limit, args.gap)
                    for seed in range(args.seeds)]
            row[f"{kind}_times"] = " ".join(f"{t:.3f}" for t, _ in runs)
            row[f"{kind}_solved"] = sum(ok for _, ok in runs)
            row[kind] = shifted_mean([t if ok else args.time_limit for t, ok in runs])
        row["ratio"] = (row["export"] + SHIFT) / (row["hand"] + SHIFT)
        rows.append(row)
        print(f"{case.name}: hand {row['hand']:.3f} s, export {row['export']:.3f} s, "
              f"shifted ratio {row['ratio']:.2f}", flush=True)
    _write(args, rows)


def _write(args: argparse.Namespace, rows: list[dict]) -> None:
    """``seeds.csv`` and ``summary.md`` in ``args.out``."""
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "seeds.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["case"])
        writer.writeheader()
        writer.writerows(rows)
    lines = [
        f"# HiGHS on hand model and export over {args.seeds} seeds",
        "",
        f"- command: `python -m benchmarks.logic_scale.seeds --families {args.families} "
        f"--sizes {args.sizes} --seeds {args.seeds} --time-limit {args.time_limit:g} "
        f"--out {args.out}`",
        "- date {date}, {cpu}, {cores} cores, {memory}, {os}, Python {python}".format(
            **machine.describe()),
        f"- HiGHS {highspy.Highs().version()}, one thread, seeds 0..{args.seeds - 1}, "
        f"relative gap {args.gap:g}",
        "",
        "Per file: shifted geometric mean of seconds over the seeds (shift 1 s, a run not "
        "solved counted at the limit). Ratio: (export + 1) / (hand + 1), the ratio of the "
        "shifted times (above 1: the export is slower).",
        "",
        "| case | hand (s) | export (s) | ratio | hand runs (s) | export runs (s) |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['case']} | {r['hand']:.3f} | {r['export']:.3f} | "
                     f"{r['ratio']:.2f} | {r['hand_times']} | {r['export_times']} |")
    if rows:
        overall = math.exp(sum(math.log(r["ratio"]) for r in rows) / len(rows))
        worst = max(rows, key=lambda r: r["ratio"])
        lines += ["", f"Geometric mean of the ratios: {overall:.2f}; largest "
                      f"{worst['ratio']:.2f} ({worst['case']})."]
    (args.out / "summary.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
