"""Problem files in and out: MPS/LP reading and writing, solution files, .py model files."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from branchwise.core.problem import Problem
from branchwise.io import (
    ProblemFileError,
    load_model,
    load_problem,
    load_python_problem,
    read_problem,
    write_problem,
    write_solution,
)
from branchwise.solver import SolveReport
from tests.oracle import oracle_solve
from tests.paths import DATA, ROOT

P0033 = ROOT / "problems" / "mip" / "p0033.mps.gz"


def assert_same_problem(a: Problem, b: Problem) -> None:
    """Every array, name and flag of two problems is equal."""
    for field in ("c", "row_lower", "row_upper", "col_lower", "col_upper", "integrality"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    assert (a.A != b.A).nnz == 0
    assert (a.Q is None) == (b.Q is None)
    if a.Q is not None:
        assert (a.Q != b.Q).nnz == 0
    assert a.objective_offset == b.objective_offset
    assert a.maximize == b.maximize
    assert a.col_names == b.col_names and a.row_names == b.row_names


def mixed_problem(quadratic: bool = False) -> Problem:
    """A maximisation with every kind of column and row a file has to carry."""
    A = sp.csr_matrix(np.array([
        [1.0, 3.0, 0.0, 6.0, 0.0],
        [2.0, 0.0, 5.0, 0.0, 0.0],
        [0.0, 4.0, 0.0, 0.0, 8.0],
        [0.1, 0.0, 1 / 3, 0.0, -2.5],
    ]))
    Q = sp.csr_matrix(np.array([[-2.0, 0.5, 0, 0, 0], [0.5, -1.0, 0, 0, 0]] + [[0.0] * 5] * 3))
    return Problem(
        c=np.array([1.0, -2.0, 0.5, 3.0, 1e-7]),
        A=A,
        row_lower=np.array([-np.inf, 1.0, 2.0, -4.0]),        # <=, >=, =, ranged
        row_upper=np.array([10.0, np.inf, 2.0, 7.25]),
        col_lower=np.array([0.0, 0.0, -3.0, -np.inf, 2.0]),   # binary, integer [0, inf),
        col_upper=np.array([1.0, np.inf, 7.0, 5.0, 2.0]),     # integer [-3, 7], (-inf, 5], fixed
        integrality=np.array([True, True, True, False, False]),
        objective_offset=4.5,
        Q=Q if quadratic else None,
        maximize=True,
        col_names=["b", "n", "m", "y", "fixed"],
        row_names=["le", "ge", "eq", "range"],
    )


def test_p0033_is_all_binary():
    p = read_problem(P0033)
    assert (p.n_rows, p.n_cols, p.A.nnz) == (16, 33, 98)
    assert p.integrality.all()
    np.testing.assert_array_equal(p.col_lower, 0.0)
    np.testing.assert_array_equal(p.col_upper, 1.0)
    assert not p.maximize and p.Q is None and p.name == "p0033"


def test_marker_integers_without_bounds_are_binary_and_explicit_bounds_stay():
    p = read_problem(DATA / "general_int.mps")
    assert p.col_names == ["B", "N", "M", "P", "Y"]
    np.testing.assert_array_equal(p.integrality, [True, True, True, True, False])
    np.testing.assert_array_equal(p.col_lower, [0.0, 0.0, -3.0, 0.0, 0.0])
    np.testing.assert_array_equal(p.col_upper, [1.0, 10.0, 7.0, np.inf, np.inf])
    np.testing.assert_array_equal(p.row_lower, [-np.inf, 3.0, 4.0])
    np.testing.assert_array_equal(p.row_upper, [12.5, np.inf, 4.0])
    np.testing.assert_array_equal(p.A.toarray(), [
        [1, 1, 0, 0, 1],
        [0, 1, 1, 0, 0],
        [0, 0, 1, 1, -1],
    ])
    np.testing.assert_array_equal(p.c, [-1.0, -2.0, 1.0, 0.5, 1.0])


def test_lp_file_with_sense_offset_and_quadratic_objective():
    p = read_problem(DATA / "small_qp.lp")
    assert p.maximize and p.objective_offset == 1.5
    np.testing.assert_array_equal(p.c, [3.0, 2.0])
    np.testing.assert_array_equal(p.Q.toarray(), [[-2.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(p.integrality, [False, True])
    assert p.objective_value(np.array([1.5, 1.0])) == 5.75


@pytest.mark.parametrize("quadratic", [False, True])
def test_write_then_read_mps_gives_the_same_arrays(tmp_path, quadratic):
    original = mixed_problem(quadratic)
    write_problem(original, tmp_path / "mixed.mps")
    assert_same_problem(read_problem(tmp_path / "mixed.mps"), original)


@pytest.mark.parametrize("quadratic", [False, True])
def test_write_then_read_lp_gives_the_same_arrays_without_ranged_rows(tmp_path, quadratic):
    original = mixed_problem(quadratic)
    original.row_upper[3] = np.inf          # LP files split a ranged row in two
    write_problem(original, tmp_path / "mixed.lp")
    assert_same_problem(read_problem(tmp_path / "mixed.lp"), original)


def test_lp_file_splits_a_ranged_row(tmp_path):
    write_problem(mixed_problem(), tmp_path / "mixed.lp")
    back = read_problem(tmp_path / "mixed.lp")
    assert back.n_rows == 5
    np.testing.assert_array_equal(back.A.toarray()[3], back.A.toarray()[4])


def test_lp_keyword_as_a_name_is_refused_and_leaves_no_file(tmp_path):
    problem = mixed_problem()
    problem.col_names[1] = "st"              # a section keyword where a name should be
    message = one_line_error(write_problem, problem, tmp_path / "kw.lp")
    assert "kw.lp" in message and ".mps" in message
    assert not (tmp_path / "kw.lp").exists()
    write_problem(problem, tmp_path / "kw.mps")
    assert read_problem(tmp_path / "kw.mps").col_names[1] == "st"


def test_p0033_round_trip_through_mps(tmp_path):
    original = read_problem(P0033)
    write_problem(original, tmp_path / "p.mps")
    assert_same_problem(read_problem(tmp_path / "p.mps"), original)


def one_line_error(call, *args) -> str:
    """Run ``call``; it must raise a one-line ProblemFileError, whose message is returned."""
    with pytest.raises(ProblemFileError) as caught:
        call(*args)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_malformed_file_is_a_one_line_error_naming_it_and_prints_nothing(capfd):
    message = one_line_error(read_problem, DATA / "malformed.mps")
    assert message.startswith(str(DATA / "malformed.mps"))
    assert "NOSUCHTYPE" in message
    assert capfd.readouterr() == ("", "")


def test_missing_file_and_unknown_types_are_errors(tmp_path):
    assert "no such file" in one_line_error(read_problem, tmp_path / "absent.mps")
    (tmp_path / "p.txt").write_text("min\n")
    assert "p.txt" in one_line_error(read_problem, tmp_path / "p.txt")
    assert "p.csv" in one_line_error(write_problem, mixed_problem(), tmp_path / "p.csv")
    assert issubclass(ProblemFileError, ValueError)


def test_sections_highs_cannot_represent_are_refused_not_dropped(tmp_path):
    qcp = tmp_path / "qcp.mps"
    qcp.write_text(textwrap.dedent("""\
        NAME QCP
        ROWS
         N obj
         L q
        COLUMNS
            x obj 1 q 1
        RHS
            rhs q 4
        QCMATRIX q
            x x 1
        ENDATA
        """))
    assert "qcp.mps" in one_line_error(read_problem, qcp)


def test_first_highs_prints_no_banner_on_stdout():
    code = "from branchwise.core.highs_session import new_highs; new_highs(); print('clean')"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout == "clean\n"


#: Solves a MILP with branchwise, then HiGHS itself with ``threads`` = 1, then 2, a solve
#: in between: each must run as in a process where branchwise never ran.
USER_HIGHS_AFTER_A_SOLVE = """
import highspy
import branchwise as bw

def user_model_status(threads):
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    h.addVar(0, 10)
    h.changeColCost(0, -1)
    h.changeColIntegrality(0, highspy.HighsVarType.kInteger)
    return h.run(), h.getModelStatus()

m = bw.Model()
x = m.integer("x", 0, 10, shape=3)
m.add(x[0] + 2 * x[1] + 3 * x[2] <= 7)
m.maximize(x[0] + 3 * x[1] + 2 * x[2])
for threads in (1, 2):
    assert m.solve().objective == 10.0
    print(threads, *user_model_status(threads))
"""


def test_users_own_highs_runs_after_a_solve_with_any_thread_count():
    # HiGHS sizes one thread scheduler per process; a user's threads=1 model used to fail
    # (kError) after branchwise's solve had left it at the machine's default.
    run = subprocess.run([sys.executable, "-c", USER_HIGHS_AFTER_A_SOLVE],
                         capture_output=True, text=True, check=True)
    assert run.stdout.splitlines() == [f"{threads} HighsStatus.kOk HighsModelStatus.kOptimal"
                                       for threads in (1, 2)]


def report(x, objective, status="optimal") -> SolveReport:
    """A finished search's report, as the engine would hand it over."""
    return SolveReport(status=status, x=x, objective=objective, bound=objective or -np.inf,
                       nodes=3, time=0.1, verified=x is not None)


def test_solution_file_format(tmp_path):
    p = read_problem(DATA / "general_int.mps")
    x = np.array([1.0, 10.0, -3.0, 7.0, 0.1 + 0.2])
    write_solution(tmp_path / "sol.txt", p.col_names, report(x, -20.5))
    lines = (tmp_path / "sol.txt").read_text().splitlines()
    assert lines[0] == "objective -20.5"
    assert lines[1] == "# status optimal"
    pairs = [line.split() for line in lines[2:]]
    assert [name for name, _ in pairs] == p.col_names
    assert [float(value) for _, value in pairs] == list(x)   # exact: repr round-trips


def test_solution_file_without_solution(tmp_path):
    p = read_problem(DATA / "general_int.mps")
    write_solution(tmp_path / "sol.txt", p.col_names, report(None, None, status="infeasible"))
    assert (tmp_path / "sol.txt").read_text() == "objective none\n# status infeasible\n"


DUCK_MODEL = """
import numpy as np
from branchwise.core.problem import Problem

class Tiny:
    def to_problem(self):
        return Problem(c=np.array([1.0]), A=np.zeros((0, 1)), row_lower=[], row_upper=[],
                       col_lower=[2.0], col_upper=[5.0], integrality=[True])
"""


def test_python_file_with_model_or_build(tmp_path):
    (tmp_path / "helper.py").write_text(DUCK_MODEL)     # a sibling import must work
    (tmp_path / "with_model.py").write_text("from helper import Tiny\nmodel = Tiny()\n")
    (tmp_path / "with_build.py").write_text("from helper import Tiny\ndef build():\n"
                                            "    return Tiny()\n")
    for name in ("with_model.py", "with_build.py"):
        assert type(load_python_problem(tmp_path / name)).__name__ == "Tiny"
        p = load_problem(tmp_path / name)
        assert p.n_cols == 1 and p.col_lower[0] == 2.0 and p.name == Path(name).stem


def test_python_file_guarded_main_does_not_run(tmp_path):
    (tmp_path / "guarded.py").write_text(DUCK_MODEL + "model = Tiny()\n"
                                         "if __name__ == '__main__':\n    raise SystemExit(3)\n")
    assert load_python_problem(tmp_path / "guarded.py").to_problem().n_cols == 1


@pytest.mark.parametrize("source, expected", [
    ("x = 1\n", "neither `model` nor `build()`"),
    ("model = 42\n", "int"),
    ("raise RuntimeError('no data\\nfor you')\n", "RuntimeError: no data for you"),
    ("def build(:\n", "SyntaxError"),
    ("def build():\n    return {}['k']\n", "build() failed: KeyError"),
    ("import sys\nsys.exit(4)\n", "SystemExit"),
])
def test_bad_python_files_are_one_line_errors(tmp_path, source, expected):
    path = tmp_path / "bad_model.py"
    path.write_text(source)
    message = one_line_error(load_python_problem, path)
    assert "bad_model.py" in message and expected in message


def test_python_model_that_cannot_be_lowered_is_a_problem_file_error(tmp_path):
    (tmp_path / "unbounded.py").write_text(
        "class M:\n    def to_problem(self):\n        raise ValueError('cannot bound y')\n"
        "model = M()\n")
    message = one_line_error(load_problem, tmp_path / "unbounded.py")
    assert "unbounded.py" in message and "cannot bound y" in message


@pytest.mark.parametrize("model_file", sorted((ROOT / "problems" / "logic").glob("*.py")),
                         ids=lambda path: path.stem)
def test_every_logic_model_converts_and_reads_back_with_its_optimum(model_file, tmp_path):
    # Derived columns absorbed into a decision tree stay in the problem, empty and fixed at
    # 0; HiGHS writes them inside or outside its integer markers by where they stand, and
    # the read-back check used to refuse the file (overtime, tariff).
    problem = load_model(model_file).to_problem(native_sos=False)
    path = tmp_path / f"{model_file.stem}.mps"
    write_problem(problem, path)
    with open(ROOT / "problems" / "logic" / "optimal.csv", newline="") as table:
        optimum = {row["name"]: float(row["optimal_objective"]) for row in csv.DictReader(table)}
    result = oracle_solve(read_problem(path))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(optimum[model_file.stem], rel=1e-6, abs=1e-6)
