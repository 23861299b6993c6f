"""Entry point of the ``branchwise`` console command, and its signal handling.

It lives outside the ``branchwise`` package on purpose: importing the package (numpy, scipy,
highspy) takes about a second, and an interrupt in that second must end in one line on
stderr, not in a traceback (nor in a hang). This module imports only the standard library,
records any stop signal that comes while :mod:`branchwise.cli` imports, and acts on it after.

SIGINT and SIGTERM both raise :class:`Interrupted` (a ``KeyboardInterrupt``), so the search,
which catches ``KeyboardInterrupt``, stops and still returns its result either way. A signal
the parent process set to be ignored (``nohup``, a shell's background job) stays ignored.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

#: The signals the command treats as a request to stop.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

#: Stop signals that arrived while the package imported, in order (see :func:`main`).
_received_while_starting: list[int] = []


class Interrupted(KeyboardInterrupt):
    """A stop signal (SIGINT or SIGTERM) arrived; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def catch_stop_signals() -> None:
    """Make SIGINT and SIGTERM raise :class:`Interrupted`, unless they are ignored."""
    _handle_stop_signals(_raise_interrupted)


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
    """Run the command; a stop signal while the package is still importing is one line.

    During the import a signal is only recorded, and acted on once the import is over: an
    exception raised inside the import machinery can leave a module lock held (the process
    then hangs), and C code can turn it into another error (numpy reports an interrupt while
    loading its core as an ``ImportError``). The import takes about a second.
    """
    _handle_stop_signals(_record_while_starting)
    from branchwise.cli import main as run
    if _received_while_starting:
        interrupt = Interrupted(_received_while_starting[0])
        print(interrupted_message(interrupt, "while starting"), file=sys.stderr)
        return interrupted_status(interrupt)
    catch_stop_signals()
    return run()


def _handle_stop_signals(handler: Callable[[int, FrameType | None], None]) -> None:
    """Let ``handler`` take SIGINT and SIGTERM, except a signal the parent set to be ignored."""
    for signum in STOP_SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, handler)


def _record_while_starting(signum: int, frame: FrameType | None) -> None:
    _received_while_starting.append(signum)


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


if __name__ == "__main__":
    sys.exit(main())
