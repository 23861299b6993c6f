"""Run one worker in a fresh process: hard wall-clock kill, wall time and peak memory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

#: Repository root, put on the child's PYTHONPATH so ``benchmarks`` imports from anywhere.
ROOT = Path(__file__).resolve().parents[1]
#: Variables that keep numerical libraries in the child to one thread.
ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}
#: How often the parent looks whether the child has ended.
POLL = 0.02


@dataclass
class Finished:
    """What the child printed (or an error outcome), with wall seconds and peak RSS in MiB."""

    answer: dict
    wall: float
    peak_mib: float


def child_env() -> dict[str, str]:
    """The environment of every worker: this one, one-thread settings, the repo importable."""
    env = {**os.environ, **ONE_THREAD}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_worker(args: list[str], deadline: float, log: Path) -> Finished:
    """Run ``python -m benchmarks.worker ARGS``; kill its process group after ``deadline`` s.

    Peak memory comes from ``os.wait4`` on the child, which covers the processes it waited
    for (the CBC binary) and stays right when the child is killed.
    """
    command = [sys.executable, "-m", "benchmarks.worker", *args]
    out_path = log.with_suffix(".out")
    with out_path.open("w+") as out, log.open("w") as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, env=child_env(),
                                 cwd=ROOT, start_new_session=True)
        status, usage, killed = _wait(child, start, deadline)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        printed = out.read()
    out_path.unlink()
    peak = usage.ru_maxrss / 1024.0
    if killed:
        note = f"killed after {wall:.1f} s (hard limit)"
        return Finished({"status": "killed", "note": note}, wall, peak)
    return Finished(_answer(printed, child.returncode, log), wall, peak)


def _wait(child: subprocess.Popen, start: float, deadline: float) -> tuple:
    """Reap ``child`` with wait4 as ``(status, rusage, killed)``, killing its process group
    once past ``deadline`` (or on Ctrl-C, which is then passed on)."""
    try:
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                return status, usage, False
            if time.perf_counter() - start > deadline:
                os.killpg(child.pid, signal.SIGKILL)
                _, status, usage = os.wait4(child.pid, 0)
                return status, usage, True
            time.sleep(POLL)
    except KeyboardInterrupt:
        os.killpg(child.pid, signal.SIGKILL)
        os.wait4(child.pid, 0)
        raise


def _answer(printed: str, code: int, log: Path) -> dict:
    """The JSON line the worker printed, or an error outcome quoting its log."""
    for line in reversed(printed.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    tail = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    reason = tail[-1][:300] if tail else "no output"
    return {"status": "error", "note": f"worker exited {code}: {reason}"}
