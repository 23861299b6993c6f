"""Entry point of the ``branchwise`` console command, and its signal handling.

It lives outside the ``branchwise`` package on purpose: importing the package (numpy, scipy,
highspy) takes about a second, and an interrupt in that second must end in one line on
stderr, not in a traceback. This module imports only the standard library, installs the
handlers first, then imports :mod:`branchwise.cli`.

SIGINT and SIGTERM both raise :class:`Interrupted` (a ``KeyboardInterrupt``), so the search,
which catches ``KeyboardInterrupt``, stops and still returns its result either way. A signal
the parent process set to be ignored (``nohup``, a shell's background job) stays ignored.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

#: The signals the command treats as a request to stop.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """A stop signal (SIGINT or SIGTERM) arrived; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def catch_stop_signals() -> None:
    """Make SIGINT and SIGTERM raise :class:`Interrupted`, unless they are ignored."""
    for signum in STOP_SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _raise_interrupted)


@contextmanager
def stop_signals_caught() -> Iterator[None]:
    """:func:`catch_stop_signals` for a block, the previous handlers restored after it, so a
    caller running the command in its own process (a test, a notebook) keeps its handlers.
    Outside the main thread, where Python cannot set handlers, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    catch_stop_signals()
    try:
        yield
    finally:
        for signum, handler in saved.items():
            if handler is not None:  # None: set outside Python, cannot be put back
                signal.signal(signum, handler)


def ignore_stop_signals() -> None:
    """Ignore SIGINT and SIGTERM from now on (while a finished result is being written)."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def interrupted_status(interrupt: KeyboardInterrupt) -> int:
    """The exit status of a run stopped before it had a result: 128 + the signal's number
    (130 for SIGINT, 143 for SIGTERM), as a shell reports a process the signal ended."""
    return 128 + getattr(interrupt, "signum", signal.SIGINT)


def interrupted_message(interrupt: KeyboardInterrupt, when: str) -> str:
    """The one line printed for a run stopped before it had a result."""
    name = signal.Signals(getattr(interrupt, "signum", signal.SIGINT)).name
    return f"branchwise: interrupted ({name}) {when}"


def main() -> int:
    """Run the command; an interrupt while the package is still importing is one line."""
    catch_stop_signals()
    try:
        from branchwise.cli import main as run
    except KeyboardInterrupt as interrupt:
        print(interrupted_message(interrupt, "while starting"), file=sys.stderr)
        return interrupted_status(interrupt)
    return run()


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


if __name__ == "__main__":
    sys.exit(main())
