"""The suite's summary: peers that contradict each other (loudly), shifted geometric means
per family and size, the per-case outcomes, and the hand model beside branchwise's export
(size, root LP bound, HiGHS's time on each). Also ``formulations.csv``."""

from __future__ import annotations

import csv
from itertools import combinations
from pathlib import Path

from benchmarks import summary
from benchmarks.summary import charged_time, grid, is_solved, num
from benchmarks.verdict import AGREEMENT, FINISHED, NO_OPTIMUM

#: The two peers whose time ratio separates formulation from engine.
HAND, EXPORT = "highs", "highs-export"
FORMULATION_COLUMNS = (
    "case", "family", "size", "dimensions", "hand_rows", "hand_cols", "hand_integers",
    "hand_root", "export_rows", "export_cols", "export_integers", "export_root", "optimum",
    "optimum_source",
)


def contradictions(rows: list[dict], maximize: bool, gap: float) -> list[str]:
    """Where two peers on one case cannot both be right: two finished searches with other
    answers, or one peer's proven bound cutting off another's solution."""
    sign = -1.0 if maximize else 1.0
    found = []
    for a, b in combinations(rows, 2):
        for x, y in ((a, b), (b, a)):
            obj, bound = y.get("objective"), x.get("bound")
            if x["status"] in NO_OPTIMUM and obj is not None:
                found.append(f"{x['solver']} says {x['status']}, {y['solver']} has a solution "
                             f"{obj:.10g}")
            elif bound is not None and obj is not None and sign * (bound - obj) > _slack(obj,
                                                                                      gap):
                found.append(f"{x['solver']}'s bound {bound:.10g} cuts off {y['solver']}'s "
                             f"solution {obj:.10g}")
        if a["status"] == b["status"] == "optimal" and abs(a["objective"] - b["objective"]) > (
                _slack(a["objective"], gap)):
            found.append(f"{a['solver']} proves {a['objective']:.10g}, {b['solver']} proves "
                         f"{b['objective']:.10g}")
    return list(dict.fromkeys(found))


def write(out: Path, rows: list[dict], facts: list[dict], meta: dict) -> list[str]:
    """Write ``summary.md`` and ``formulations.csv``; return every WRONG answer and every
    contradiction between peers, one line each."""
    solvers = [s["name"] for s in meta["solvers"] if s["available"]]
    _, cells = grid(rows)
    problems = [f"{r['instance']}/{r['solver']}: WRONG ({r['status']} "
                f"{num(r.get('objective'), '.10g')}, optimum {num(r['known_optimum'], '.10g')})"
                for r in rows if r["agrees"] == "WRONG"]
    for fact in facts:
        case = fact["case"]
        mine = [cells[case.name, s] for s in solvers if (case.name, s) in cells]
        problems.extend(f"{case.name}: {line}" for line in contradictions(
            [r for r in mine if r["status"] in (*FINISHED, "time_limit")],
            _maximize(fact), meta["gap"]))
    _write_formulations(out / "formulations.csv", facts, cells)
    parts = [
        f"# Logic benchmark {meta['name']}",
        summary.setting(meta),
        "Timings come from a shared machine (2 cores, other work running at the same time): "
        "they are noisy, and ratios below about 1.5x are within the noise.",
        "## Peers",
        summary.solver_table(meta),
        _peer_legend(),
        _problems_section(problems),
        "## Shifted geometric mean of time per family and size",
        _family_table(rows, facts, solvers, float(meta["time_limit"])),
        "## Per case",
        _case_table(rows, facts, solvers),
        "## Hand model and branchwise's export",
        _formulation_table(facts, cells),
        summary.failures(rows),
        summary.plots_section(out),
    ]
    (out / "summary.md").write_text("\n\n".join(p for p in parts if p) + "\n")
    return problems


def _slack(value: float, gap: float) -> float:
    """The agreement tolerance around ``value``, as :func:`benchmarks.verdict.verdict` has it."""
    return max(AGREEMENT, gap) * max(1.0, abs(value))


def _maximize(fact: dict) -> bool:
    """Whether the case maximises (as HiGHS read its export or hand model)."""
    return next((fact[k].maximize for k in ("export", "hand") if k in fact), False)


def _peer_legend() -> str:
    """What each peer solves."""
    return "\n".join([
        "- `highs`, `scip`: the hand-written MILP; `cpsat`: the same with integer start "
        "times (integer-data families only; CP-SAT needs integer columns)",
        "- `highs-export`: HiGHS on `branchwise convert` of the user model (formulation "
        "quality apart from engine strength)",
        "- `gdp-bigm`, `gdp-hull`: the model as a Pyomo GDP user writes it, Pyomo's "
        "transformation, HiGHS (time includes the transformation)",
        "- `branchwise`: the user model end to end (`Model.solve`, compile included)",
        f"- a case with no known optimum is judged against `{HAND}`'s proven optimum "
        "(column `optimum`, source `highs`); every pair of peers is also checked against "
        "each other",
    ])


def _problems_section(problems: list[str]) -> str:
    """Every WRONG answer and contradiction, loudly; one line when there is none."""
    if not problems:
        return "No answer contradicts a known or reference optimum, and no two peers " \
               "contradict each other."
    return "\n".join([f"## WARNING: {len(problems)} wrong answer(s) or disagreement(s)", "",
                      *(f"- **{line}**" for line in problems)])


def _family_table(rows: list[dict], facts: list[dict], solvers: list[str],
                  limit: float) -> str:
    """Per family and size: each peer's time sgm (solved/runs), and export / hand."""
    lines = ["| family | size | cases | " + " | ".join(solvers) + " | export / hand |",
             "|---|---|---:|" + "---:|" * (len(solvers) + 1)]
    groups = dict.fromkeys((f["case"].family, f["case"].size) for f in facts)
    for family, size in groups:
        mine = [r for r in rows if (r["family"], r["size"]) == (family, size)]
        ran = [s for s in solvers if any(r["solver"] == s for r in mine)
               and all(r["status"] not in summary.NOT_RUN for r in mine if r["solver"] == s)]
        stats = {s.name: s for s in summary.statistics(mine, ran, limit)}
        cells = [f"{stats[s].time_sgm:.2f} ({stats[s].solved}/{stats[s].runs})"
                 if s in stats else "—" for s in solvers]
        ratio = None
        if HAND in stats and EXPORT in stats:
            ratio = stats[EXPORT].time_sgm / max(stats[HAND].time_sgm, 1e-9)
        count = len({r["instance"] for r in mine})
        lines.append(f"| {family} | {size} | {count} | " + " | ".join(cells)
                     + f" | {num(ratio, '.2f')} |")
    lines += ["", "Cells: shifted geometric mean of seconds (shift 1 s; a run not solved "
              f"counts as the {limit:g} s limit) over the group's cases, then solved/runs. "
              "`—`: the peer does not run on this group. export / hand: HiGHS on branchwise's "
              "export over HiGHS on the hand model (above 1: the export is slower)."]
    return "\n".join(lines)


def _case_table(rows: list[dict], facts: list[dict], solvers: list[str]) -> str:
    """Per case: the optimum and each peer's outcome."""
    _, cells = grid(rows)
    lines = ["| case | dimensions | optimum | " + " | ".join(solvers) + " |",
             "|---|---|---:|" + "---:|" * len(solvers)]
    for fact in facts:
        case = fact["case"]
        optimum = _optimum(fact, cells)
        outcome = [_outcome(cells.get((case.name, s))) for s in solvers]
        lines.append(f"| {case.name} | {case.describe()} | {num(optimum, '.10g')} | "
                     + " | ".join(outcome) + " |")
    lines += ["", "Cells: seconds when solved and in agreement; the status with incumbent / "
              "bound when stopped; **WRONG** when the answer contradicts the optimum; `=x`: "
              "the objective of a peer not judged (it is the reference, where no optimum is "
              "known); `—` when the peer has no model to read."]
    return "\n".join(lines)


def _outcome(row: dict | None) -> str:
    """One peer's outcome on one case, in a few characters."""
    if row is None or row["status"] in summary.NOT_RUN:
        return "—"
    if row["agrees"] == "WRONG":
        return f"**WRONG** ({row['status']} {num(row.get('objective'), '.6g')})"
    if is_solved(row):
        seconds = row["time_s"] if row.get("time_s") is not None else row["wall_s"]
        extra = f" =`{row['objective']:.6g}`" if row["agrees"] == "unknown" else ""
        return f"{float(seconds):.2f}{extra}"
    if row["status"] in summary.FAILED:
        return row["status"]
    return f"{row['status']} {num(row.get('objective'), '.6g')} / {num(row.get('bound'), '.6g')}"


def _optimum(fact: dict, cells: dict) -> float | str | None:
    """The case's known optimum, else its reference peer's proven optimum."""
    case = fact["case"]
    if case.known is not None:
        return case.known
    reference = cells.get((case.name, HAND))
    return reference["objective"] if fact["reference"] == HAND and reference else None


def _formulation_table(facts: list[dict], cells: dict) -> str:
    """Per case: rows x cols x integers and root LP bound of hand and export, HiGHS's
    time on each and their ratio."""
    lines = ["| case | hand rows x cols x ints | export rows x cols x ints | root LP hand | "
             "root LP export | optimum | HiGHS hand (s) | HiGHS export (s) | export / hand |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for fact in facts:
        case = fact["case"]
        hand, export = fact.get("hand"), fact.get("export")
        times = [cells.get((case.name, s)) for s in (HAND, EXPORT)]
        seconds = [charged_time(r, float("inf")) if r and is_solved(r) else None for r in times]
        ratio = seconds[1] / max(seconds[0], 1e-9) if None not in seconds else None
        lines.append(
            f"| {case.name} | {_size(hand)} | {_size(export)} | "
            f"{num(hand.root if hand else None, '.6g')} | "
            f"{num(export.root if export else None, '.6g')} | "
            f"{num(_optimum(fact, cells), '.6g')} | {num(seconds[0], '.2f')} | "
            f"{num(seconds[1], '.2f')} | {num(ratio, '.2f')} |")
    lines += ["", "Sizes as HiGHS reads the MPS files (before its presolve); root LP: the "
              "optimum of the file's LP relaxation (HiGHS, integrality dropped). Times: "
              "`—` when not solved within the limit."]
    return "\n".join(lines)


def _size(formulation) -> str:
    """``rows x cols x integers`` or ``—``."""
    if formulation is None:
        return "—"
    return f"{formulation.rows} x {formulation.cols} x {formulation.integers}"


def _write_formulations(path: Path, facts: list[dict], cells: dict) -> None:
    """One CSV row per case: the two formulations side by side."""
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FORMULATION_COLUMNS)
        writer.writeheader()
        for fact in facts:
            case = fact["case"]
            row = {"case": case.name, "family": case.family, "size": case.size,
                   "dimensions": case.describe(), "optimum": _optimum(fact, cells),
                   "optimum_source": fact["reference"] or ""}
            for kind in ("hand", "export"):
                if kind in fact:
                    form = fact[kind]
                    row.update({f"{kind}_rows": form.rows, f"{kind}_cols": form.cols,
                                f"{kind}_integers": form.integers, f"{kind}_root": form.root})
            writer.writerow(row)
