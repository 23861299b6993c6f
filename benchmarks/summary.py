"""The Markdown summary: solved and WRONG counts, shifted geometric means, profile, table."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks import profile_plot
from benchmarks.verdict import solved

#: Shift of the geometric mean of times (seconds) and of node counts.
TIME_SHIFT = 1.0
NODE_SHIFT = 10.0
#: Statuses of rows where the solver did not run at all.
NOT_RUN = ("skipped", "unavailable")
#: Statuses of runs that ended without an answer from the solver.
FAILED = ("error", "killed")
#: The solver the ratios are taken against.
REFERENCE = "highs"


@dataclass
class SolverStats:
    """One solver's totals over a run."""

    name: str
    runs: int = 0
    solved: int = 0
    wrong: int = 0
    unsolved: int = 0
    errors: int = 0
    time_sgm: float | None = None
    nodes_sgm: float | None = None
    time_ratio: float | None = None
    nodes_ratio: float | None = None


def shifted_geomean(values: list[float], shift: float) -> float | None:
    """``exp(mean(log(v + shift))) - shift``, or None for no values."""
    if not values:
        return None
    return math.exp(sum(math.log(v + shift) for v in values) / len(values)) - shift


def is_solved(row: dict) -> bool:
    """The row's search finished and nothing contradicts it."""
    return solved(row["status"], row["agrees"])


def charged_time(row: dict, limit: float) -> float:
    """The time a run counts for: its own if solved, the time limit otherwise."""
    if not is_solved(row):
        return limit
    measured = row.get("time_s") if row.get("time_s") is not None else row.get("wall_s")
    return min(limit, float(measured if measured is not None else limit))


def grid(rows: list[dict]) -> tuple[list[str], dict[tuple[str, str], dict]]:
    """Instance names in first-seen order and the rows keyed by (instance, solver)."""
    names = list(dict.fromkeys(row["instance"] for row in rows))
    return names, {(row["instance"], row["solver"]): row for row in rows}


def common(rows: list[dict], solvers: list[str], test: Callable[[dict], bool]) -> list[str]:
    """Instances where every solver in ``solvers`` has a row that passes ``test``."""
    names, cells = grid(rows)
    return [n for n in names
            if all((n, s) in cells and test(cells[n, s]) for s in solvers)]


def ran_by_all(rows: list[dict], solvers: list[str]) -> list[str]:
    """Instances that every solver ran (none skipped it or was unavailable)."""
    return common(rows, solvers, lambda row: row["status"] not in NOT_RUN)


def solved_by_all(rows: list[dict], solvers: list[str]) -> list[str]:
    """Instances that every solver solved, reporting a node count."""
    return common(rows, solvers, lambda row: is_solved(row) and row.get("nodes") is not None)


def statistics(rows: list[dict], solvers: list[str], limit: float) -> list[SolverStats]:
    """Counts for every solver; means over the instances all of ``solvers`` ran or solved."""
    _, cells = grid(rows)
    ran, all_solved = ran_by_all(rows, solvers), solved_by_all(rows, solvers)
    table = []
    for name in solvers:
        mine = [row for row in rows if row["solver"] == name and row["status"] not in NOT_RUN]
        stats = SolverStats(name, runs=len(mine))
        stats.solved = sum(is_solved(row) for row in mine)
        stats.wrong = sum(row["agrees"] == "WRONG" for row in mine)
        stats.errors = sum(row["status"] in FAILED and row["agrees"] != "WRONG" for row in mine)
        stats.unsolved = stats.runs - stats.solved - stats.wrong - stats.errors
        stats.time_sgm = shifted_geomean([charged_time(cells[n, name], limit) for n in ran],
                                         TIME_SHIFT)
        nodes = [float(cells[n, name]["nodes"]) for n in all_solved]
        stats.nodes_sgm = shifted_geomean(nodes, NODE_SHIFT)
        table.append(stats)
    reference = next((s for s in table if s.name == REFERENCE), None)
    if reference is not None:
        for stats in table:
            stats.time_ratio = _ratio(stats.time_sgm, reference.time_sgm)
            stats.nodes_ratio = _ratio(stats.nodes_sgm, reference.nodes_sgm)
    return table


def write(out: Path, rows: list[dict], meta: dict) -> list[SolverStats]:
    """Write ``summary.md`` and ``profile.png`` into ``out``; return the per-solver stats."""
    solvers = [s["name"] for s in meta["solvers"] if s["available"]]
    limit = float(meta["time_limit"])
    stats = statistics(rows, solvers, limit)
    ran = ran_by_all(rows, solvers)
    _, cells = grid(rows)
    times = {s: [charged_time(cells[n, s], limit) if is_solved(cells[n, s]) else None
                 for n in ran] for s in solvers}
    note = profile_plot.plot(times, out / "profile.png") if ran else "no instance ran for all"
    text = markdown(rows, meta, stats, note, out)
    (out / "summary.md").write_text(text)
    return stats


#: The folder of a run's trajectory plots (incumbent and bound over time), inside ``out``.
PLOTS = "plots"


def plot_path(out: Path, instance: str, solver: str) -> Path:
    """Where the harness saves the trajectory plot of one run."""
    folder = out / PLOTS
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{instance}.{solver}.png"


def plots_section(out: Path) -> str:
    """Links to every trajectory plot the run saved (none: no section)."""
    plots = sorted((out / PLOTS).glob("*.png")) if (out / PLOTS).is_dir() else []
    if not plots:
        return ""
    links = ", ".join(f"[{p.stem}]({PLOTS}/{p.name})" for p in plots)
    return ("## Incumbent and bound over time\n\nOne plot per run of a solver that "
            f"reports its trajectory (branchwise): {links}")


def markdown(rows: list[dict], meta: dict, stats: list[SolverStats], profile_note: str,
             out: Path | None = None) -> str:
    """The whole summary as Markdown text."""
    solvers = [s["name"] for s in meta["solvers"] if s["available"]]
    ran, all_solved = ran_by_all(rows, solvers), solved_by_all(rows, solvers)
    parts = [
        f"# Benchmark {meta['name']}",
        setting(meta),
        "## Solvers",
        solver_table(meta),
        "## Results",
        _stats_table(stats),
        f"Time: shifted geometric mean (shift {TIME_SHIFT:g} s) over the {len(ran)} instances "
        "every solver ran; a run not solved (limit, error, WRONG) counts as the time limit. "
        f"Nodes: shifted geometric mean (shift {NODE_SHIFT:g}) over the {len(all_solved)} "
        "instances every solver solved (nodes as each solver counts them: CBC does not count "
        "the root). Ratios are to HiGHS (below 1: faster/fewer).",
        _wrong_section(rows),
        failures(rows),
        "## Performance profile",
        profile_note or "![performance profile](profile.png)",
        "## Per instance",
        _instance_table(rows, solvers),
        "" if out is None else plots_section(out),
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def setting(meta: dict) -> str:
    """The command, limits and machine of the run."""
    m = meta["machine"]
    lines = [
        f"- command: `{meta['command']}`",
        f"- date: {m['date']}",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM, {m['os']}, "
        f"Python {m['python']}",
        f"- limits: {meta['time_limit']:g} s per run, relative gap {meta['gap']:g}, one thread, "
        f"each run in a fresh process killed at {meta['time_limit'] + meta['grace']:g} s",
        "- agreement: objective within max(1e-6, gap) x max(1, |optimum|) of the known optimum",
    ]
    lines.extend(f"- note: {note}" for note in meta.get("notes", []))
    return "\n".join(lines)


def solver_table(meta: dict) -> str:
    """Name, version and availability of each solver."""
    lines = ["| solver | version | note |", "|---|---|---|"]
    for s in meta["solvers"]:
        note = s["note"] if s["available"] else f"not available: {s['note']}"
        lines.append(f"| {s['name']} | {s['version'] or '—'} | {note} |")
    return "\n".join(lines)


def _stats_table(stats: list[SolverStats]) -> str:
    """One line of counts and means per solver."""
    lines = [
        "| solver | runs | solved | WRONG | unsolved | errors | time sgm (s) | time vs HiGHS "
        "| nodes sgm | nodes vs HiGHS |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in stats:
        wrong = f"**{s.wrong}**" if s.wrong else "0"
        lines.append(
            f"| {s.name} | {s.runs} | {s.solved} | {wrong} | {s.unsolved} | {s.errors} "
            f"| {num(s.time_sgm, '.2f')} | {num(s.time_ratio, '.2f')} "
            f"| {num(s.nodes_sgm, '.0f')} | {num(s.nodes_ratio, '.2f')} |"
        )
    return "\n".join(lines)


def _wrong_section(rows: list[dict]) -> str:
    """Every WRONG answer, loudly; empty when there is none."""
    wrong = [row for row in rows if row["agrees"] == "WRONG"]
    if not wrong:
        return "No answer contradicts a known optimum."
    lines = [f"## WARNING: {len(wrong)} WRONG answer(s)", "",
             "| instance | solver | status | objective | bound | known optimum |",
             "|---|---|---|---:|---:|---:|"]
    lines.extend(
        f"| {r['instance']} | {r['solver']} | {r['status']} | {num(r.get('objective'), '.10g')} "
        f"| {num(r.get('bound'), '.10g')} | {num(r['known_optimum'], '.10g')} |" for r in wrong
    )
    return "\n".join(lines)


def failures(rows: list[dict]) -> str:
    """The distinct error messages per solver; empty when every run ended normally."""
    seen = dict.fromkeys((r["solver"], r.get("note") or r["status"])
                         for r in rows if r["status"] in FAILED)
    if not seen:
        return ""
    lines = ["## Errors", ""]
    lines.extend(f"- {solver}: {note}" for solver, note in seen)
    return "\n".join(lines)


def _instance_table(rows: list[dict], solvers: list[str]) -> str:
    """Per instance: the known optimum and each solver's time or outcome."""
    names, cells = grid(rows)
    lines = ["| instance | optimum | " + " | ".join(solvers) + " |",
             "|---|---:|" + "---:|" * len(solvers)]
    for name in names:
        known = next((cells[name, s]["known_optimum"] for s in solvers if (name, s) in cells), "")
        row = [_cell(cells.get((name, s))) for s in solvers]
        lines.append(f"| {name} | {num(known, '.10g')} | " + " | ".join(row) + " |")
    lines.append("")
    lines.append("Cells: seconds when solved; `limit` when stopped without an answer; "
                 "**WRONG** when the answer contradicts the known optimum; `error`/`killed` "
                 "when the run failed; `—` when the solver cannot read the file.")
    return "\n".join(lines)


def _cell(row: dict | None) -> str:
    """One solver's outcome on one instance, in a few characters."""
    if row is None or row["status"] == "skipped":
        return "—"
    if row["agrees"] == "WRONG":
        return f"**WRONG** ({row['status']} {num(row.get('objective'), '.6g')})"
    if is_solved(row):
        return f"{float(row['time_s'] if row.get('time_s') is not None else row['wall_s']):.2f}"
    if row["status"] in (*FAILED, "unavailable"):
        return row["status"]
    return "limit"


def _ratio(value: float | None, reference: float | None) -> float | None:
    """value / reference, or None when either is missing or the reference is zero."""
    if value is None or not reference:
        return None
    return value / reference


def num(value: object, spec: str) -> str:
    """A number formatted with ``spec``, text as it is, ``—`` for None."""
    if value is None or value == "":
        return "—"
    if isinstance(value, (int, float)):
        return format(value, spec)
    return str(value)
