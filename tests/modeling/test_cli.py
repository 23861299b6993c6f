"""The ``branchwise`` command: exit codes, one-line errors, JSON and solution output, convert."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import highspy
import numpy as np
import pytest

from branchwise.cli import main
from branchwise.core.highs_session import new_highs
from branchwise.io import read_problem
from branchwise.solver import STATUSES
from tests.paths import DATA, MIP, MPEC, ROOT

JSON_KEYS = {"status", "objective", "bound", "gap", "nodes", "time", "solution", "verified"}

DUCK_MODEL = """
import numpy as np
from branchwise.core.problem import Problem

class Knapsack:
    def to_problem(self):
        return Problem(c=np.array([-5.0, -4.0, -3.0]), A=np.array([[2.0, 3.0, 1.0]]),
                       row_lower=[-np.inf], row_upper=[5.0], col_lower=[0, 0, 0],
                       col_upper=[1, 1, 1], integrality=[True, True, True],
                       col_names=["a", "b", "c"])

model = Knapsack()
"""


def run_cli(*args: str | Path) -> subprocess.CompletedProcess:
    """Run ``python -m branchwise.cli ARGS`` in a fresh process, as a user's shell would."""
    return subprocess.run([sys.executable, "-m", "branchwise.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


def assert_bad_input(run: subprocess.CompletedProcess, *mentions: str) -> None:
    """Exit 1, nothing on stdout, one ``branchwise: error:`` line on stderr, no traceback."""
    assert run.returncode == 1, run.stderr
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("branchwise: error: ")
    for text in mentions:
        assert text in run.stderr


def highs_optimum(path: Path) -> float:
    """The optimum HiGHS finds for a file on its own: the oracle."""
    highs = new_highs()
    assert highs.readModel(str(path)) == highspy.HighsStatus.kOk
    highs.setOptionValue("mip_rel_gap", 1e-9)
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return highs.getInfo().objective_function_value


def test_unknown_flag_exits_2_with_usage():
    run = run_cli("solve", "x.mps", "--no-such-flag")
    assert run.returncode == 2
    assert run.stdout == "" and "usage: branchwise" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("args", [
    ["solve"],
    [],
    ["frobnicate", "x.mps"],
    ["solve", "x.mps", "--time-limit", "-1"],
    ["solve", "x.mps", "--gap", "abc"],
    ["solve", "x.mps", "--threads", "0"],
    ["convert", "x.mps"],
    ["solve", "x.mps", "--option", "no_such_option=1"],
    ["solve", "x.mps", "--option", "cut_rounds"],
    ["solve", "x.mps", "--option", "cut_rounds=many"],
    ["solve", "x.mps", "--option", "presolve=maybe"],
    ["solve", "x.mps", "--option", "time_limit=5"],
])
def test_bad_usage_exits_2_with_usage(args, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and "usage: branchwise" in err


def test_missing_file_is_bad_input(tmp_path):
    assert_bad_input(run_cli("solve", tmp_path / "absent.mps", "--json"), "absent.mps")


def test_malformed_mps_is_bad_input():
    assert_bad_input(run_cli("solve", DATA / "malformed.mps"), "malformed.mps", "NOSUCHTYPE")


def test_unsupported_file_type_is_bad_input(tmp_path):
    (tmp_path / "model.txt").write_text("min x\n")
    assert_bad_input(run_cli("solve", tmp_path / "model.txt"), "model.txt")
    assert_bad_input(run_cli("convert", DATA / "general_int.mps", tmp_path / "out.csv"),
                     "out.csv")


def test_python_file_that_raises_is_bad_input(tmp_path):
    (tmp_path / "broken.py").write_text("raise KeyError('demand')\n")
    assert_bad_input(run_cli("solve", tmp_path / "broken.py"), "broken.py", "KeyError")


def test_unwritable_output_is_bad_input(tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "out.mps"
    assert_bad_input(run_cli("convert", DATA / "general_int.mps", target), "out.mps")
    assert_bad_input(run_cli("solve", MIP / "p0033.mps.gz", "--output", target.with_suffix(".sol")),
                     "out.sol")


@pytest.mark.parametrize("source", ["p0033.mps.gz", "flugpl.mps.gz"])
@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_convert_keeps_the_optimum(tmp_path, capfd, source, suffix):
    out = tmp_path / f"converted{suffix}"
    assert main(["convert", str(MIP / source), str(out)]) == 0
    assert capfd.readouterr() == ("", "")
    assert highs_optimum(out) == pytest.approx(highs_optimum(MIP / source), rel=1e-9)


def test_convert_keeps_general_integer_bounds(tmp_path):
    assert main(["convert", str(DATA / "general_int.mps"), str(tmp_path / "g.lp")]) == 0
    assert highs_optimum(tmp_path / "g.lp") == pytest.approx(-20.5)
    assert read_problem(tmp_path / "g.lp").col_upper.tolist()[:3] == [1.0, 10.0, 7.0]


def solve_json(*args: str | Path) -> dict:
    """Run ``branchwise solve ... --json`` in a subprocess; stdout must be one JSON object."""
    run = run_cli("solve", *args, "--json")
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    result = json.loads(run.stdout)          # fails on a banner, a log line or a second object
    assert isinstance(result, dict) and JSON_KEYS <= result.keys()
    assert result["status"] in STATUSES
    return result


def test_option_reaches_the_search():
    """``--option`` sets any solve option (converted as tests/modeling/test_model.py checks); the
    answer stays HiGHS's."""
    problem = MIP / "p0033.mps.gz"
    run = run_cli("solve", problem, "--json", "--option", "presolve=off",
                  "--option", "cut_rounds=0", "--option", "node_selection=estimate")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["objective"] == pytest.approx(highs_optimum(problem))


def test_solve_json_p0033():
    result = solve_json(MIP / "p0033.mps.gz", "--time-limit", "120")
    assert result["status"] == "optimal" and result["verified"] is True
    assert result["objective"] == pytest.approx(highs_optimum(MIP / "p0033.mps.gz"), abs=1e-6)
    assert result["objective"] == pytest.approx(3089, abs=1e-6)
    problem = read_problem(MIP / "p0033.mps.gz")
    assert list(result["solution"]) == problem.col_names
    x = [result["solution"][name] for name in problem.col_names]
    assert problem.is_feasible(x)
    assert problem.objective_value(x) == pytest.approx(result["objective"])


def test_solve_json_infeasible_has_nulls(tmp_path):
    (tmp_path / "infeasible.lp").write_text(
        "min\n obj: x + y\nst\n c1: x + y >= 3\nbounds\n x <= 1\n y <= 1\ngeneral\n x\n y\nend\n")
    result = solve_json(tmp_path / "infeasible.lp")
    assert result["status"] == "infeasible"
    assert result["objective"] is None and result["solution"] is None
    assert result["verified"] is False


def test_solve_json_time_limit_still_one_object():
    result = solve_json(MIP / "markshare1.mps.gz", "--time-limit", "1")
    assert result["status"] == "time_limit"
    assert result["time"] < 30


def test_solve_python_model_file(tmp_path):
    (tmp_path / "knapsack.py").write_text(DUCK_MODEL)
    result = solve_json(tmp_path / "knapsack.py")
    assert result["status"] == "optimal" and result["verified"] is True
    assert result["objective"] == pytest.approx(-9.0)       # a + c, or a + b (weight 5)
    assert set(result["solution"]) == {"a", "b", "c"}


def test_output_writes_the_solution_file(tmp_path):
    sol = tmp_path / "general.sol"
    result = solve_json(DATA / "general_int.mps", "--output", sol)
    assert result["objective"] == pytest.approx(-20.5)
    lines = sol.read_text().splitlines()
    assert lines[0] == f"objective {result['objective']!r}"
    assert lines[1] == "# status optimal"
    values = {name: float(value) for name, value in (line.split() for line in lines[2:])}
    assert values == result["solution"]
    problem = read_problem(DATA / "general_int.mps")
    assert problem.is_feasible([values[name] for name in problem.col_names])


def test_human_summary_quiet_even_after_highs_ran_in_this_process(capsys):
    highs_optimum(DATA / "general_int.mps")     # HiGHS's thread scheduler now exists
    assert main(["solve", str(DATA / "general_int.mps"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "status     optimal"
    assert "objective  -20.5" in out and "verified   yes" in out


def test_node_limit_is_passed_to_the_engine():
    result = solve_json(MIP / "markshare1.mps.gz", "--node-limit", "5", "--time-limit", "60")
    assert result["status"] == "node_limit" and result["nodes"] <= 5


def test_solve_a_model_file():
    pytest.importorskip("branchwise.model")
    result = solve_json(DATA / "tiny_model.py")
    assert result["status"] == "optimal" and result["verified"] is True
    assert result["objective"] == pytest.approx(9.5)
    assert {"x", "n", "b"} <= set(result["solution"])
    assert result["solution"]["n"] == pytest.approx(3)


def test_convert_a_model_file(tmp_path):
    pytest.importorskip("branchwise.model")
    assert main(["convert", str(DATA / "tiny_model.py"), str(tmp_path / "tiny.mps")]) == 0
    assert highs_optimum(tmp_path / "tiny.mps") == pytest.approx(9.5)




def test_nonconvex_model_is_refused_with_the_way_out():
    assert_bad_input(run_cli("solve", MPEC / "dempe.py"), "not proven convex",
                     "--nonconvex heuristic")


def test_nonconvex_model_searched_heuristically_proves_nothing():
    # dempe's optimal value 28.25 is an infimum no point attains; a verified point comes
    # back with status "feasible" and no bound.
    report = solve_json(MPEC / "dempe.py", "--nonconvex", "heuristic", "--time-limit", "30")
    assert report["status"] == "feasible"
    assert report["bound"] is None
    assert report["objective"] >= 28.25 - 1e-6


# --- model files: their prints, their exits, their numbers; the output path ------------------

def test_model_file_prints_go_to_stderr_with_json():
    run = run_cli("solve", DATA / "prints_stdout.py", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["objective"] == pytest.approx(5.0)  # stdout: the object only
    assert "hello from the model file" in run.stderr
    plain = run_cli("solve", DATA / "prints_stdout.py", "--quiet")  # without --json: stdout
    assert plain.stdout.startswith("hello from the model file\n")


def test_highs_banner_of_a_model_file_stays_off_stdout(tmp_path):
    (tmp_path / "own_highs.py").write_text(
        "import highspy\nimport branchwise as bw\n"
        "highspy.Highs()  # the process's first Highs prints HiGHS's banner (C stdout)\n"
        "model = bw.Model('b')\nx = model.integer('x', 0, 4)\nmodel.maximize(x)\n")
    run = run_cli("solve", tmp_path / "own_highs.py", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["objective"] == pytest.approx(4.0)
    assert "HiGHS" in run.stderr and "HiGHS" not in run.stdout


@pytest.mark.parametrize("source, mentions", [
    ("def build():\n    raise SystemExit(0)\n", ["SystemExit"]),
    ("raise SystemExit(3)\n", ["SystemExit: 3"]),
    ("import sys\nsys.exit('no data today')\n", ["no data today"]),
    ("def build():\n    raise RuntimeError('the depot table is empty')\n",
     ["build()", "RuntimeError", "the depot table is empty"]),
    ("class Duck:\n    def to_problem(self):\n        raise SystemExit(0)\nmodel = Duck()\n",
     ["SystemExit"]),
])
def test_model_file_exit_or_exception_is_bad_input(tmp_path, source, mentions):
    (tmp_path / "failing.py").write_text(source)
    assert_bad_input(run_cli("solve", tmp_path / "failing.py", "--json"), "failing.py", *mentions)
    assert_bad_input(run_cli("convert", tmp_path / "failing.py", tmp_path / "out.mps"),
                     "failing.py", *mentions)


def test_system_exit_zero_reproducer_is_bad_input():
    assert_bad_input(run_cli("solve", DATA / "exit0.py"), "exit0.py", "SystemExit")


def test_hugeint_reproducer_is_one_line_naming_the_number():
    # The bound 10**30 is infinite (as in an MPS file); x >= 10**29 then asks for x >= inf.
    assert_bad_input(run_cli("solve", DATA / "hugeint.py", "--json"), "hugeint.py", "1e+29",
                     "infinite")


@pytest.mark.parametrize("sense, status, objective", [
    ("maximize", "unbounded", None), ("minimize", "optimal", 2.0)])
def test_huge_bounds_in_a_model_file_read_as_in_an_mps_file(tmp_path, sense, status, objective):
    """Bounds of 1e25 and 1e30 are infinite in both, and the row ``x + y <= 1e29`` is free."""
    (tmp_path / "huge.py").write_text(
        "import branchwise as bw\nmodel = bw.Model('huge')\n"
        "x = model.integer('x', 2, 10**30)\ny = model.continuous('y', 0, 1e25)\n"
        f"model.add(x + y <= 1e29)\nmodel.{sense}(x + y)\n")
    (tmp_path / "huge.mps").write_text(
        f"NAME huge\nOBJSENSE\n    {'MAX' if sense == 'maximize' else 'MIN'}\nROWS\n N obj\n"
        " L c\nCOLUMNS\n    MARKER 'MARKER' 'INTORG'\n    x obj 1 c 1\n"
        "    MARKER 'MARKER' 'INTEND'\n    y obj 1 c 1\nRHS\n    rhs c 1e29\nBOUNDS\n"
        " LO bnd x 2\n UP bnd x 1e30\n"
        " UP bnd y 1e25\nENDATA\n")
    from_py, from_mps = solve_json(tmp_path / "huge.py"), solve_json(tmp_path / "huge.mps")
    assert from_py["status"] == from_mps["status"] == status
    assert from_py["objective"] == from_mps["objective"] == objective


def test_output_is_checked_before_the_model_file_runs(tmp_path):
    # A folder as the output: refused before the model file runs (its print would be a
    # second line on stderr), so no solve's result is ever lost to the path.
    assert_bad_input(run_cli("solve", DATA / "prints_stdout.py", "--json", "--output", tmp_path),
                     str(tmp_path), "folder")
    (tmp_path / "plain").write_text("")
    assert_bad_input(run_cli("solve", DATA / "prints_stdout.py", "--json", "--output",
                             tmp_path / "plain" / "out.sol"), "out.sol", "folder")
    assert_bad_input(run_cli("convert", DATA / "prints_stdout.py", tmp_path), "folder")


def test_too_large_coefficient_is_bad_input(tmp_path):
    model = tmp_path / "huge_coefficient.py"
    model.write_text("import branchwise as bw\nm = bw.Model()\nx = m.continuous('x', 0, 1)\n"
                     "m.add(1e16 * x <= 5)\nm.maximize(x)\nmodel = m\n")
    assert_bad_input(run_cli("solve", model), "too large")


KNAPSACK_FILE = """
import numpy as np
import branchwise as bw
model = bw.Model("knapsack")
x = model.binary("x", shape=6)
model.add(np.array([3, 4, 5, 6, 7, 8]) @ x <= 14)
model.maximize(np.array([4, 5, 7, 8, 9, 11]) @ x)
"""


@pytest.mark.parametrize("source", ["model", "mps"])
def test_pool_lists_the_best_distinct_solutions_in_json(tmp_path, source):
    # Every packing enumerated: the three best values, each listed solution a packing.
    weights, values = np.array([3, 4, 5, 6, 7, 8]), np.array([4, 5, 7, 8, 9, 11])
    best = sorted((float(values @ b) for b in map(np.array, itertools.product([0, 1], repeat=6))
                   if weights @ b <= 14), reverse=True)[:3]
    path = tmp_path / "knapsack.py"
    path.write_text(KNAPSACK_FILE)
    if source == "mps":
        assert run_cli("convert", path, tmp_path / "knapsack.mps").returncode == 0
        path = tmp_path / "knapsack.mps"
    result = solve_json(path, "--pool", "3")
    assert [s["objective"] for s in result["solutions"]] == pytest.approx(best)
    for s in result["solutions"]:
        packing = np.array([s["solution"][f"x[{i}]"] for i in range(6)])
        assert weights @ packing <= 14 and values @ packing == pytest.approx(s["objective"])
    assert "solutions" not in solve_json(path)
