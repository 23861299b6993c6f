"""Our MPS reader (used for files with quadratic sections) against HiGHS's reader.

On every MIP of ``problems/mip`` and on files exercising OBJSENSE, free N rows, RANGES,
every bound type and QUADOBJ/QMATRIX, the arrays we read are HiGHS's. Which files go to our
reader, and the errors for what it refuses, are checked too.
"""

from __future__ import annotations

from pathlib import Path

import highspy
import numpy as np
import pytest

from branchwise.io import ProblemFileError, load_model, load_problem, read_mps, read_problem
from branchwise.io.mps import parse_mps, quadratic_sections
from branchwise.model import Model
from tests.paths import DATA, ROOT

MIP = sorted((ROOT / "problems" / "mip").glob("*.mps.gz"))
QUADRATIC = [DATA / "quadobj.mps", DATA / "qmatrix.mps"]


def assert_read_as_highs_reads(path: Path) -> None:
    ours, highs = parse_mps(path), read_problem(path)
    assert ours.col_names == highs.col_names and ours.row_names == highs.row_names
    for mine, theirs in [(ours.col_lower, highs.col_lower), (ours.col_upper, highs.col_upper),
                         (ours.integer, highs.integrality), (ours.c, highs.c),
                         (ours.row_lower, highs.row_lower), (ours.row_upper, highs.row_upper)]:
        np.testing.assert_array_equal(mine, theirs)
    assert (ours.A != highs.A).nnz == 0
    assert ours.objective_constant == highs.objective_offset
    assert ours.maximize == highs.maximize


@pytest.mark.parametrize("path", MIP + QUADRATIC + [DATA / "general_int.mps"],
                         ids=lambda p: p.name)
def test_arrays_are_those_highs_reads(path: Path):
    assert_read_as_highs_reads(path)


def test_bounds_beyond_1e20_are_infinite(tmp_path: Path):
    text = (DATA / "quadobj.mps").read_text()
    for old, new in [(" UP BND       x         4.0", " UP BND       x         1e30"),
                     ("RHS       need      -2.0 ", "RHS       need      -1e25")]:
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "huge.mps").write_text(text)
    assert_read_as_highs_reads(tmp_path / "huge.mps")
    assert np.isinf(parse_mps(tmp_path / "huge.mps").col_upper[0])


@pytest.mark.parametrize("path", QUADRATIC, ids=lambda p: p.name)
def test_quadratic_objective_is_highs_one(path: Path):
    model, highs = load_model(path), read_problem(path)
    assert isinstance(model, Model)
    lower, upper, _ = model.column_bounds()
    rng = np.random.default_rng(3)
    for _ in range(5):
        x = rng.uniform(np.maximum(lower, -5), np.minimum(upper, 5))
        expected = highs.c @ x + 0.5 * x @ (highs.Q @ x) + highs.objective_offset
        assert float(model.objective.evaluate(x)) == pytest.approx(expected, rel=1e-12)


def test_only_files_with_quadratic_sections_come_to_our_reader():
    assert quadratic_sections(DATA / "quadobj.mps") == {"QUADOBJ"}
    assert quadratic_sections(ROOT / "problems" / "minlp" / "tltr.mps") == {"QCMATRIX"}
    assert quadratic_sections(MIP[0]) == set()
    assert load_model(MIP[0]) is None
    assert load_problem(DATA / "quadobj.mps").Q is not None


def test_semicontinuous_column_keeps_its_range(tmp_path: Path):
    text = (DATA / "quadobj.mps").read_text().replace(" UP BND       x         4.0",
                                                      " SC BND       x         4.0")
    (tmp_path / "sc.mps").write_text(text)
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.readModel(str(tmp_path / "sc.mps"))
    lp = highs.getLp()
    (sc,) = [j for j, kind in enumerate(lp.integrality_)
             if kind == highspy.HighsVarType.kSemiContinuous]
    (column,) = read_mps(tmp_path / "sc.mps").semicontinuous_columns()
    assert (column.name, column.lower, column.upper) == (
        lp.col_names_[sc], lp.col_lower_[sc], lp.col_upper_[sc])


@pytest.mark.parametrize("change, message", [
    (("ENDATA", "SOS\n S1 SOS\n    x 1\nENDATA"), "MPS section SOS is not supported"),
    (("    y         y         -1.0", "    y         w         -1.0"), "line 34: a QUADOBJ line"),
    ((" FR BND       y", " XX BND       y"), "bound type XX is not supported"),
    (("RHS\n", "RHS\n    RHS       nowhere   1.0\n"), "undeclared row nowhere"),
    (("ENDATA", ""), "without ENDATA"),
])
def test_refused_input_is_named(tmp_path: Path, change: tuple[str, str], message: str):
    text = (DATA / "quadobj.mps").read_text()
    assert change[0] in text
    (tmp_path / "bad.mps").write_text(text.replace(*change))
    with pytest.raises(ProblemFileError, match=message) as error:
        read_mps(tmp_path / "bad.mps")
    assert "bad.mps" in str(error.value)
