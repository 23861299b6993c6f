"""What the OSiL reader accepts beyond the SCIP-checked files, and what it refuses.

(The values of every instance and of ``tests/data/features.osil`` are compared with SCIP's
reading in ``test_minlp_readers.py``.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from branchwise.io import ProblemFileError, load_problem, read_osil
from branchwise.io.osil import parse_osil
from tests.paths import DATA

FEATURES = DATA / "features.osil"


def test_mult_repeats_variables_and_constraints(tmp_path: Path):
    """SCIP refuses ``mult`` on <var> and <con>; the oracle is the same file written out."""
    text = FEATURES.read_text()
    repeated = text.replace('<var name="u" lb="1" ub="2"/>\n      <var name="v" lb="1" ub="2"/>',
                            '<var mult="2" lb="1" ub="2"/>')
    repeated = repeated.replace('<con name="upper" ub="10"/>\n      <con name="lower" lb="-20"/>',
                                '<con mult="2" lb="-20" ub="10"/>')
    written = text.replace('<con name="lower" lb="-20"/>', '<con name="lower" lb="-20" ub="10"/>')
    written = written.replace('<con name="upper" ub="10"/>', '<con name="upper" lb="-20" ub="10"/>')
    assert repeated != text and written != text
    (tmp_path / "repeated.osil").write_text(repeated)
    (tmp_path / "written.osil").write_text(written)
    a, b = parse_osil(tmp_path / "repeated.osil"), parse_osil(tmp_path / "written.osil")
    assert a.col_names == ["x", "y", "b", "n", "x4", "x5"]
    assert a.row_names == ["ranged", "c1", "c2", "pow2", "bilinear"]
    for field in ("col_lower", "col_upper", "integer", "c", "row_lower", "row_upper"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert (a.A != b.A).nnz == 0 and a.nonlinear == b.nonlinear
    for mine, theirs in zip(a.quadratic, b.quadratic, strict=True):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("change, message", [
    (("<ln><variable idx=\"0\"/></ln>", "<sin><variable idx=\"0\"/></sin>"),
     "nonlinear operator <sin> is not supported"),
    (('type="I"', 'type="S"'), "type 'S'"),
    (("</objectives>", '<obj maxOrMin="min"/></objectives>'), "2 objectives"),
    (("</instanceData>", "<matrices/></instanceData>"), "OSiL element <matrices>"),
    (('idxTwo="3" coef="2"', 'idxTwo="9" coef="2"'), "idxTwo refers to index 9"),
    (('<nl idx="4">', '<nl idx="7">'), "<nl> refers to row 7"),
    (("<start><el>0</el>", "<start><base64BinaryData/><el>0</el>"), "base64"),
    (('<number value="1.5"/>', '<number value="1.5"/><number value="2"/>'),
     "<power> takes 2 operand"),
    (('<power><number value="2"/><variable idx="1" coef="0.5"/>',
      '<power><variable idx="0"/><variable idx="1" coef="0.5"/>'), "variable exponent"),
    (("</osil>", ""), "not well-formed XML"),
])
def test_refused_input_is_named(tmp_path: Path, change: tuple[str, str], message: str):
    text = FEATURES.read_text()
    assert change[0] in text
    (tmp_path / "bad.osil").write_text(text.replace(*change, 1))
    with pytest.raises(ProblemFileError, match=message.replace("(", r"\(")) as error:
        read_osil(tmp_path / "bad.osil")
    assert "bad.osil" in str(error.value)


def test_unknown_file_type_lists_every_readable_one(tmp_path: Path):
    (tmp_path / "model.nl").write_text("g3 0 1 0\n")
    with pytest.raises(ProblemFileError, match=r"model\.nl: cannot read this file type") as error:
        load_problem(tmp_path / "model.nl")
    assert ".osil" in str(error.value) and ".mps.gz" in str(error.value)
