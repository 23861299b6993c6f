"""``branchwise solve`` watched on a terminal (solver/log.py): under the node table a status
line rewrites itself (incumbent, bound, gap, open nodes, time against the limit) and is
cleared before every row; with output to a pipe, the table stays plain."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from tests.paths import ROOT

JOB_SHOP = "from tests import yardsticks\nmodel = yardsticks.job_shop(hand=False)\n"
COMMAND = [sys.executable, "-m", "branchwise.cli", "solve"]


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the terminal's other end has closed: everything is read
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode()


def test_on_a_terminal_a_status_line_rewrites_itself_under_the_table(tmp_path):
    model = tmp_path / "ft06.py"
    model.write_text(JOB_SHOP)
    main, follower = pty.openpty()
    run = subprocess.Popen([*COMMAND, str(model), "--time-limit", "60"], stdout=follower,
                           stderr=subprocess.PIPE, cwd=ROOT,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    os.close(follower)
    text = _read_all(main)
    os.close(main)
    assert run.wait(timeout=120) == 0, run.stderr.read()
    assert "\r" in text and "\x1b[K" in text
    assert "of 60s" in text and "open " in text
    for line in text.replace("\r\n", "\n").split("\n")[:-1]:
        shown = line.rsplit("\r", 1)[-1]  # what the terminal shows once the line ends
        assert "open " not in shown, repr(line)  # a row never keeps the status in front
    assert "Nodes" in text and "status     optimal" in text


def test_into_a_pipe_the_table_stays_plain(tmp_path):
    model = tmp_path / "ft06.py"
    model.write_text(JOB_SHOP)
    run = subprocess.run([*COMMAND, str(model), "--time-limit", "60"], capture_output=True,
                         text=True, timeout=120, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    assert "\r" not in run.stdout and "\x1b" not in run.stdout
    assert "Nodes" in run.stdout and "status     optimal" in run.stdout
