"""The benchmark harness end to end on tiny files, and the verdict that flags WRONG answers."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

from benchmarks import run, summary
from benchmarks.adapters import BUILTIN
from benchmarks.adapters.cbc import parse_log
from benchmarks.instances import needs, subset
from benchmarks.verdict import INFEASIBLE, verdict
from tests.paths import MINLP, ROOT

DATA = ROOT / "tests" / "data" / "bench"
#: The CSV columns benchmarks/README.md documents.
CSV_COLUMNS = [
    "instance", "solver", "status", "agrees", "objective", "bound", "known_optimum",
    "time_s", "wall_s", "nodes", "peak_rss_mib", "note",
]
#: Solvers whose answers on the tiny files must all agree with the known optimum.
TRUSTED = ("branchwise", "highs", "scip", "cbc", "discopt")

WRONG_ADAPTER = '''
from benchmarks.adapters.base import Outcome
SUFFIXES = (".mps", ".mps.gz")
def version():
    return "fake 0"
def solve(path, limits):
    return Outcome("optimal", objective=12345.0, bound=12345.0, nodes=0, time=0.0)
'''

BROKEN_ADAPTER = '''
SUFFIXES = (".mps", ".mps.gz")
def version():
    return "broken 0"
def solve(path, limits):
    raise NotImplementedError("engine in progress")
'''

HANGING_ADAPTER = '''
import time
SUFFIXES = (".mps",)
def version():
    return "hang 0"
def solve(path, limits):
    time.sleep(600)
'''


def _adapter(tmp_path: Path, name: str, text: str) -> str:
    """Write a fake adapter module and return its ``--adapter`` argument."""
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    return f"{name}={path}"


def _rows(out: Path) -> tuple[list[str], list[dict]]:
    """Header and rows of the results CSV."""
    with (out / "results.csv").open(newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One harness run: every builtin solver, a wrong fake and a missing one, tiny files
    (MPS, gzipped MPS, an infeasible one, a maximisation and a ``.py`` model)."""
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "out"
    argv = ["--problems", str(DATA), "--solvers", ",".join([*BUILTIN, "fake", "ghost"]),
            "--adapter", _adapter(tmp, "fake", WRONG_ADAPTER),
            "--adapter", "ghost=benchmarks.adapters.no_such_solver",
            "--time-limit", "10", "--out", str(out)]
    assert run.main(argv) == 0
    return out, argv


def test_csv_has_one_row_per_pair_with_documented_columns(full_run: tuple[Path, str]) -> None:
    out, _ = full_run
    header, rows = _rows(out)
    assert header == CSV_COLUMNS
    assert len(rows) == 4 * (len(BUILTIN) + 2)
    assert {r["instance"] for r in rows} == {"tiny_cover", "tiny_infeasible", "tiny_max",
                                             "tiny_model"}


def test_peers_get_the_converted_model(full_run: tuple[Path, str]) -> None:
    out, _ = full_run
    assert (out / "tmp" / "models" / "tiny_model.mps").exists()


def test_real_solvers_agree_or_are_unavailable(full_run: tuple[Path, str]) -> None:
    _, rows = _rows(full_run[0])
    for row in rows:
        if row["solver"] in TRUSTED and row["status"] != "unavailable":
            assert row["agrees"] == "yes", row


def test_branchwise_runs_or_reports_an_error(full_run: tuple[Path, str]) -> None:
    _, rows = _rows(full_run[0])
    mine = [r for r in rows if r["solver"] == "branchwise"]
    assert len(mine) == 4
    for row in mine:
        assert row["agrees"] == "yes" or (row["status"] == "error" and row["note"]), row


def test_fake_wrong_answers_are_flagged(full_run: tuple[Path, str]) -> None:
    out, _ = full_run
    _, rows = _rows(out)
    assert all(r["agrees"] == "WRONG" for r in rows if r["solver"] == "fake")
    text = (out / "summary.md").read_text()
    assert "WARNING: 4 WRONG answer(s)" in text
    assert "**WRONG**" in text


def test_missing_solver_is_skipped_with_a_note(full_run: tuple[Path, str]) -> None:
    _, rows = _rows(full_run[0])
    ghost = [r for r in rows if r["solver"] == "ghost"]
    assert ghost and all(r["status"] == "unavailable" and r["note"] for r in ghost)


def test_summary_has_counts_means_machine_and_table(full_run: tuple[Path, str]) -> None:
    out, _ = full_run
    text = (out / "summary.md").read_text()
    for part in ("## Solvers", "## Results", "## Per instance", "- machine:", "- date:",
                 "| solver | runs | solved | WRONG | unsolved | errors | time sgm (s) "
                 "| time vs HiGHS | nodes sgm | nodes vs HiGHS |",
                 "| instance | optimum |", "Performance profile"):
        assert part in text
    if importlib.util.find_spec("matplotlib") is not None:
        assert (out / "profile.png").stat().st_size > 0


def test_errors_and_hangs_become_rows(tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["--problems", str(DATA / "tiny_max.mps"), "--solvers", "broken,hang",
            "--adapter", _adapter(tmp_path, "broken", BROKEN_ADAPTER),
            "--adapter", _adapter(tmp_path, "hang", HANGING_ADAPTER),
            "--time-limit", "1", "--grace", "1", "--out", str(out)]
    assert run.main(argv) == 0
    rows = {r["solver"]: r for r in _rows(out)[1]}
    assert rows["broken"]["status"] == "error"
    assert "NotImplementedError: engine in progress" in rows["broken"]["note"]
    assert rows["hang"]["status"] == "killed"
    assert float(rows["hang"]["wall_s"]) < 10


def test_instance_filter_and_missing_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["--problems", str(DATA), str(tmp_path / "minlp"), "--instances", "tiny_max",
            "--solvers", "highs", "--time-limit", "5", "--out", str(out)]
    assert run.main(argv) == 0
    assert [r["instance"] for r in _rows(out)[1]] == ["tiny_max"]


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert run.main(["--solvers", "nosuch", "--out", str(tmp_path / "a")]) == 2
    assert run.main(["--subset", "nosuch", "--out", str(tmp_path / "b")]) == 2
    assert run.main(["--problems", str(tmp_path), "--out", str(tmp_path / "c")]) == 2


@pytest.mark.parametrize(
    ("outcome", "known", "expected"),
    [
        ({"status": "optimal", "objective": 3089.0, "bound": 3089.0}, 3089.0, "yes"),
        ({"status": "optimal", "objective": 3089.01, "bound": 3089.0}, 3089.0, "WRONG"),
        ({"status": "time_limit", "objective": 3100.0, "bound": 3000.0}, 3089.0, "unsolved"),
        ({"status": "time_limit", "objective": 3000.0, "bound": 2900.0}, 3089.0, "WRONG"),
        ({"status": "time_limit", "objective": None, "bound": 3200.0}, 3089.0, "WRONG"),
        ({"status": "infeasible"}, 3089.0, "WRONG"),
        ({"status": "error"}, 3089.0, "unsolved"),
        ({"status": "optimal", "objective": 5.0, "bound": 5.0}, None, "unknown"),
        ({"status": "infeasible"}, INFEASIBLE, "yes"),
        ({"status": "optimal", "objective": 1.0}, INFEASIBLE, "WRONG"),
        ({"status": "time_limit", "objective": 8.0, "bound": 9.5, "sense": "max"}, 9.0,
         "unsolved"),
        ({"status": "time_limit", "objective": 8.0, "bound": 8.5, "sense": "max"}, 9.0,
         "WRONG"),
    ],
)
def test_verdict(outcome: dict, known: float | str | None, expected: str) -> None:
    assert verdict(outcome, known, 1e-6) == expected


def test_verdict_tolerance_follows_the_gap() -> None:
    answer = {"status": "optimal", "objective": 1000.5, "bound": 1000.0}
    assert verdict(answer, 1000.0, 1e-6) == "WRONG"
    assert verdict(answer, 1000.0, 1e-3) == "yes"


def test_shifted_geometric_mean() -> None:
    assert summary.shifted_geomean([0.0, 0.0], 1.0) == pytest.approx(0.0)
    assert summary.shifted_geomean([1.0, 7.0], 1.0) == pytest.approx(3.0)
    assert summary.shifted_geomean([], 1.0) is None


def test_cbc_log_at_time_limit() -> None:
    log = ("Result - Stopped on time limit\n\nObjective value:                4.00000000\n"
           "Lower bound:                    0.000\nEnumerated nodes:               239211\n")
    outcome = parse_log(log, 3.0, "min")
    assert (outcome.status, outcome.objective, outcome.bound, outcome.nodes) == (
        "time_limit", 4.0, 0.0, 239211)


def test_highs60_subset_lists_35_instances_present() -> None:
    names = subset("highs60")
    assert len(names) == 35
    assert all((ROOT / "problems" / "mip" / f"{n}.mps.gz").exists() for n in names)




def test_minlp_convex_subset_is_the_convex_column() -> None:
    with (MINLP / "optimal.csv").open(newline="") as f:
        convex = {row["name"] for row in csv.DictReader(f) if row["convex"] == "yes"}
    assert subset("minlp-convex") == convex
    assert all(any(MINLP.glob(f"{name}.*")) for name in convex)


def test_quadratic_sections_are_what_an_mps_file_needs() -> None:
    assert needs(MINLP / "tltr.mps") == {"quadratic constraints"}
    assert needs(ROOT / "tests" / "data" / "quadobj.mps") == {"quadratic objective"}
    assert needs(ROOT / "problems" / "mip" / "p0033.mps.gz") == frozenset()
    assert needs(MINLP / "nvs03.osil") == frozenset()


def test_minlp_files_go_to_the_solvers_that_take_them(tmp_path: Path) -> None:
    """OSiL and QCMATRIX files: SCIP and branchwise solve them, HiGHS and CBC skip them
    with a note (never a WRONG answer or a crash); optima come from optimal.csv."""
    out = tmp_path / "out"
    argv = ["--problems", str(MINLP), "--instances", "nvs03,tltr",
            "--solvers", "branchwise,scip,highs,cbc", "--time-limit", "10", "--out", str(out)]
    assert run.main(argv) == 0
    rows = {(r["instance"], r["solver"]): r for r in _rows(out)[1]}
    assert len(rows) == 8
    for instance in ("nvs03", "tltr"):
        assert rows[instance, "scip"]["agrees"] == "yes"
        assert float(rows[instance, "scip"]["known_optimum"]) == pytest.approx(
            float(rows[instance, "scip"]["objective"]), rel=1e-6)
        for peer in ("highs", "cbc"):
            assert rows[instance, peer]["status"] == "skipped" and rows[instance, peer]["note"]
    assert "quadratic constraints" in rows["tltr", "highs"]["note"]
    assert rows["nvs03", "branchwise"]["agrees"] == "yes"
    tltr = rows["tltr", "branchwise"]
    assert tltr["agrees"] == "yes" or (tltr["status"] == "error"
                                       and "NonconvexError" in tltr["note"]), tltr
