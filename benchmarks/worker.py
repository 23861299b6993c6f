"""Child entry: run one adapter on one file and print its outcome as one JSON line.

``python -m benchmarks.worker ADAPTER FILE --time-limit T --gap G --tmp DIR`` solves;
``python -m benchmarks.worker --probe ADAPTER`` reports whether the solver is there, its
version and the file suffixes it reads. Whatever the solver prints goes to stderr, so
stdout carries the JSON line alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from benchmarks.adapters import load
from benchmarks.adapters.base import Limits, Outcome


def probe(spec: str) -> dict:
    """Availability, version, readable suffixes and features of the adapter ``spec``."""
    try:
        adapter = load(spec)
        return {"available": True, "version": adapter.version(),
                "suffixes": list(adapter.SUFFIXES),
                "features": list(getattr(adapter, "FEATURES", ())), "note": ""}
    except Exception as exc:  # noqa: BLE001  (any failure means "not available here")
        return {"available": False, "version": "", "suffixes": [], "note": _describe(exc)}


def run(spec: str, path: Path, limits: Limits) -> dict:
    """The adapter's outcome on ``path``, or an ``error`` outcome naming what went wrong."""
    try:
        return load(spec).solve(path, limits).to_dict()
    except Exception as exc:  # noqa: BLE001  (a solver failure is a result, not a crash)
        return Outcome("error", note=_describe(exc)).to_dict()


def _describe(exc: BaseException) -> str:
    """One line naming an exception, short enough for a CSV cell."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:300]


def _parse(argv: list[str] | None) -> argparse.Namespace:
    """The worker's command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker")
    parser.add_argument("--probe", action="store_true", help="report availability and exit")
    parser.add_argument("adapter", help="adapter module name or .py file")
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--gap", type=float, default=1e-6)
    parser.add_argument("--tmp", type=Path, default=Path("."))
    args = parser.parse_args(argv)
    if not args.probe and args.file is None:
        parser.error("FILE is required unless --probe is given")
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the probe or the solve, with solver chatter moved from stdout to stderr."""
    args = _parse(argv)
    stdout = os.dup(1)
    os.dup2(2, 1)
    if args.probe:
        answer = probe(args.adapter)
    else:
        answer = run(args.adapter, args.file, Limits(args.time_limit, args.gap, args.tmp))
    sys.stdout.flush()
    with os.fdopen(stdout, "w") as out:
        out.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
