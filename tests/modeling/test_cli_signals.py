"""SIGINT and SIGTERM sent to a real ``branchwise`` process: mid-search the result still
comes out (status ``interrupted``, one JSON object, exit 0); before there can be a result
(the package importing, a model file running) one line and exit 128 + the signal."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.modeling.test_cli import JSON_KEYS
from tests.paths import DATA, ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

STOPS = [(signal.SIGINT, 130), (signal.SIGTERM, 143)]


def start(*args: str | Path) -> subprocess.Popen:
    """Start the console command's entry point (``branchwise_command``) in a new process."""
    return subprocess.Popen([sys.executable, "-m", "branchwise_command", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT)


def wait_for_line(process: subprocess.Popen, text: str) -> None:
    """Read the process's stderr until a line containing ``text`` (the process is alive)."""
    for line in process.stderr:
        if text in line:
            return
    raise AssertionError(f"the process ended before printing {text!r}")


def finish(process: subprocess.Popen) -> tuple[str, str]:
    """The rest of stdout and stderr once the process has ended."""
    out, err = process.communicate(timeout=120)
    return out, err


@pytest.mark.parametrize("signum, _", STOPS)
def test_signal_mid_search_still_prints_the_result(signum, _):
    process = start("solve", DATA / "long_knapsack.py", "--json", "--time-limit", "120")
    wait_for_line(process, "long_knapsack: built")  # the model file's print: on stderr
    time.sleep(3.0)                                 # lowering and root take ~0.3 s
    process.send_signal(signum)
    out, err = finish(process)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    result = json.loads(out)                        # one JSON object, nothing else
    assert JSON_KEYS <= result.keys()
    assert result["status"] == "interrupted"
    assert result["nodes"] > 0                      # the search had started
    # The root heuristics find an incumbent at once on this knapsack: it must come back.
    solution = result["solution"]
    assert solution is not None and result["verified"] is True
    assert len(solution) == 100 and set(solution.values()) <= {0.0, 1.0}
    assert result["bound"] >= result["objective"] - 1e-6  # a maximisation


@pytest.mark.parametrize("signum, status", STOPS)
def test_signal_while_a_model_file_runs_is_one_line(tmp_path, signum, status):
    (tmp_path / "slow_reading.py").write_text(
        "import sys, time\nprint('reading', file=sys.stderr, flush=True)\ntime.sleep(60)\n")
    process = start("solve", tmp_path / "slow_reading.py", "--json")
    wait_for_line(process, "reading")
    process.send_signal(signum)
    out, err = finish(process)
    assert process.returncode == status
    assert out == ""
    assert err == f"branchwise: interrupted ({signum.name}) before the search had a result\n"


def _imports_numpy(pid: int) -> bool:
    """True once the process has mapped numpy's core library (it is importing branchwise)."""
    try:
        return "_multiarray_umath" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc")
@pytest.mark.parametrize("signum, status", STOPS)
def test_signal_while_the_package_imports_is_one_line(tmp_path, signum, status):
    (tmp_path / "slow_reading.py").write_text("import time\ntime.sleep(60)\n")
    process = start("solve", tmp_path / "slow_reading.py", "--json")
    deadline = time.monotonic() + 60
    while not _imports_numpy(process.pid):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signum)
    out, err = finish(process)
    assert process.returncode == status
    assert out == ""
    # Usually while starting; on a fast machine the import may be over, then it is the file.
    assert err.count("\n") == 1 and err.startswith(f"branchwise: interrupted ({signum.name}) ")
