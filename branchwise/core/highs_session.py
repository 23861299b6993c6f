"""The one place that creates ``highspy.Highs`` objects and handles HiGHS's process state.

The first ``Highs()`` in a process prints a copyright banner on file descriptor 1 before any
option can be set; ``branchwise solve --json`` must keep stdout one clean JSON object, so that
first construction happens with fd 1 pointed at the null device.

HiGHS keeps one thread scheduler per process, sized by the first run that needs one; a later
run asking for another ``threads`` count fails. :func:`release_scheduler` ends each solve so
the user's own highspy code afterwards sizes it as if branchwise had never run.
"""

from __future__ import annotations

import os
import sys
import threading

import highspy

_lock = threading.Lock()
_banner_done = False


def new_highs() -> highspy.Highs:
    """A fresh ``Highs`` with ``output_flag`` off, created without letting the banner out."""
    global _banner_done
    with _lock:
        if _banner_done:
            highs = highspy.Highs()
        else:
            highs = _construct_with_stdout_closed()
            _banner_done = True
    highs.setOptionValue("output_flag", False)
    return highs


def _construct_with_stdout_closed() -> highspy.Highs:
    """Build a ``Highs`` while fd 1 points at the null device, then restore fd 1."""
    for stream in (sys.stdout, sys.__stdout__):
        if stream is not None:
            stream.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no fd 1 at all (a detached process): nothing to protect
        return highspy.Highs()
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def release_scheduler() -> None:
    """Shut HiGHS's process-wide thread scheduler down (the next run that needs one starts a
    new one with its own ``threads`` option). Blocking: its workers have stopped on return."""
    highspy.Highs.resetGlobalScheduler(True)
