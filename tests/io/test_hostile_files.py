"""Malformed and unusual problem files: the reproducers of what went wrong, each as a test,
and the rules our MPS checker applies where HiGHS would drop part of a file.

A file is either read as HiGHS reads it (checked by solving with HiGHS on the same file) or
refused with one line on stderr that names the file, and the line where there is one.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import highspy
import pytest

from branchwise.cli import main
from branchwise.io import ProblemFileError, load_model, read_mps, read_problem
from tests.file_fuzz import OURS_REFUSE, SAME, compare_readers, highs_verdict
from tests.paths import DATA, MIP

P0033 = MIP / "p0033.mps.gz"


def solve(path: Path, capsys) -> tuple[int, dict | None, str]:
    """``branchwise solve PATH --json``: exit status, the JSON object (if any), stderr."""
    code = main(["solve", str(path), "--json", "--quiet"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def assert_refused(path: Path, capsys, *words: str) -> str:
    """Exit 1, nothing on stdout, one line on stderr naming the file and ``words``."""
    code, _, err = solve(path, capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0], err
    for word in words:
        assert word in lines[0]
    return lines[0]


def assert_as_highs(path: Path, capsys) -> dict:
    """Exit 0 with HiGHS's status and objective on the same file."""
    code, result, err = solve(path, capsys)
    assert code == 0, err
    theirs = highs_verdict(path)
    assert result["status"] == theirs.status == "optimal"
    assert result["objective"] == pytest.approx(theirs.objective, rel=1e-9, abs=1e-9)
    return result


def test_a_column_entry_in_an_undeclared_row_is_refused_with_row_and_line(capsys):
    assert_refused(DATA / "colunkrow.mps", capsys, "line 9", "undeclared row c7")


def test_a_column_that_comes_back_is_refused_by_both_readers(capsys):
    """HiGHS reads a second column named x (and drops all names); ours merged the two."""
    line = assert_refused(DATA / "dupcol.mps", capsys, "line 13", "column x")
    with pytest.raises(ProblemFileError) as error:
        read_mps(DATA / "dupcol.mps")
    assert str(error.value) == line.removeprefix("branchwise: error: ")


def test_truncated_gzip_is_one_line(capsys):
    assert_refused(DATA / "trunc.mps.gz", capsys, "truncated")


def test_truncated_gzip_prints_no_traceback_from_the_command():
    run = subprocess.run([sys.executable, "-m", "branchwise.cli", "solve",
                          str(DATA / "trunc.mps.gz")], capture_output=True, text=True)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "trunc.mps.gz" in run.stderr


def test_latin1_comment_is_read_as_highs_reads_it(capsys):
    assert assert_as_highs(DATA / "latin1_comment.mps", capsys)["objective"] == 3089


def test_latin1_name_is_read_and_spelled_in_latin1(tmp_path, capsys):
    text = (DATA / "latin1_comment.mps").read_bytes().replace(b"C157", b"C15\xfc")
    (tmp_path / "name.mps").write_bytes(text)
    result = assert_as_highs(tmp_path / "name.mps", capsys)
    assert "C15\u00fc" in result["solution"]
    assert read_problem(tmp_path / "name.mps").col_names[0] == "C15\u00fc"


def test_sc_bound_is_a_semicontinuous_column_with_highs_optimum(capsys):
    model = load_model(DATA / "sc.mps")
    (column,) = model.semicontinuous_columns()
    assert (column.name, column.lower, column.upper) == ("z", 0.5, 1.5)
    assert_as_highs(DATA / "sc.mps", capsys)


def test_sc_bound_forces_the_column_off_or_into_its_range(tmp_path, capsys):
    """With z's cost made attractive but its range above what c1 allows with x, y at their
    best, the optimum differs from the continuous reading: HiGHS and we agree on it."""
    text = (DATA / "sc.mps").read_text().replace(" LO bnd       z         0.5",
                                                  " LO bnd       z         1.2")
    (tmp_path / "sc2.mps").write_text(text)
    result = assert_as_highs(tmp_path / "sc2.mps", capsys)
    z = result["solution"]["z"]
    assert z == pytest.approx(0, abs=1e-9) or 1.2 - 1e-9 <= z <= 1.5 + 1e-9


BASE = (DATA / "sc.mps").read_text()


@pytest.mark.parametrize("change, words", [
    (("    rhs       c1        3.5", "    rhs       c9        3.5"), ["line 14", "RHS", "c9"]),
    (("RHS\n", "RANGES\n    rng       obj       1.0\nRHS\n"), ["line 14", "RANGES", "obj"]),
    ((" UP bnd       y         4", " UP bnd       y         4\n UP bnd       y         5"),
     ["line 18", "second upper bound", "y"]),
    (("    rhs       c1        3.5          c2        1.0",
      "    rhs       c1        3.5          c1        1.0"), ["line 14", "second RHS", "c1"]),
    (("    z         obj       -1.0         c1        2.0",
      "    z         obj       -1.0         obj       2.0"), ["line 12", "second entry", "obj"]),
    (("    x         c2        1.0", "    x         c2        1.0x"), ["line 9", "'1.0x'"]),
    ((" UP bnd       x         4", " UP bnd       w         4"), ["line 16", "undeclared column"]),
    ((" SC bnd       z         1.5", " SI bnd       z         1.5"), ["line 18", "semi-integer"]),
    ((" UP bnd       x         4", " SC bnd       x         4"), ["line 16", "integer column x"]),
    (("ENDATA\n", ""), ["without ENDATA"]),
    (("    rhs       c1        3.5          c2        1.0",
      "    rhs       c1        3.5\n    rhs2      c2        1.0"), ["line 15", "second RHS set"]),
    (("COLUMNS\n", "COLUMNS\n    MARKER                 'MARKER'                 'INTEND'\n"),
     ["line 7", "INTEND outside"]),
])
def test_what_highs_would_drop_or_misread_is_refused_with_the_line(tmp_path, capsys, change,
                                                                   words):
    assert change[0] in BASE
    (tmp_path / "bad.mps").write_text(BASE.replace(*change))
    assert_refused(tmp_path / "bad.mps", capsys, *words)


@pytest.mark.parametrize("name, change, words", [
    ("qmatrix.mps", ("    x         y         0.5\n", ""), ["QMATRIX is not symmetric"]),
    ("qmatrix.mps", ("    y         x         0.5\n", "    y         x         0.5\n" * 2),
     ["line 34", "second QMATRIX entry"]),
    ("quadobj.mps", ("    y         x         0.5\n", "    y         x         0.5\n"
                     "    x         y         0.5\n"), ["line 34", "one triangle"]),
])
def test_quadratic_sections_highs_refuses_or_reads_otherwise_are_refused(tmp_path, capsys,
                                                                        name, change, words):
    text = (DATA / name).read_text()
    assert change[0] in text
    (tmp_path / name).write_text(text.replace(*change))
    assert_refused(tmp_path / name, capsys, *words)


def test_the_two_readers_agree_on_every_shipped_mip_and_the_reproducers():
    mips = sorted(P0033.parent.glob("*.mps.gz"))
    assert {path.name: compare_readers(path) for path in mips} == {p.name: SAME for p in mips}
    for name in ("latin1_comment.mps", "sc.mps", "quadobj.mps", "qmatrix.mps"):
        assert compare_readers(DATA / name) == SAME, name
    for name in ("colunkrow.mps", "dupcol.mps", "trunc.mps.gz"):
        assert compare_readers(DATA / name) == OURS_REFUSE, name


def test_free_format_names_longer_than_eight_characters_are_read(tmp_path, capsys):
    text = BASE.replace(" x ", " a_long_column_name ").replace("    x ", "    a_long_column_name ")
    assert "a_long_column_name" in text
    (tmp_path / "free.mps").write_text(text)
    code, result, err = solve(tmp_path / "free.mps", capsys)
    assert code == 0 and "a_long_column_name" in result["solution"], err


def test_a_gzip_file_that_is_not_gzip_is_one_line(tmp_path, capsys):
    (tmp_path / "plain.mps.gz").write_bytes(gzip.decompress(P0033.read_bytes()))
    assert_refused(tmp_path / "plain.mps.gz", capsys, "gzip")


def test_lp_file_with_bytes_outside_utf8_is_read_as_highs_reads_it(tmp_path, capsys):
    assert main(["convert", str(P0033), str(tmp_path / "p.lp")]) == 0
    capsys.readouterr()
    text = (tmp_path / "p.lp").read_bytes()
    (tmp_path / "q.lp").write_bytes(b"\\ comment \xe9\xfc\n" + text.replace(b"C157", b"C\xe9"))
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    assert highs.readModel(str(tmp_path / "q.lp")) != highspy.HighsStatus.kError
    assert_as_highs(tmp_path / "q.lp", capsys)
