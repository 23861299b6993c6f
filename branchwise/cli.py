"""The ``branchwise`` command: solve a problem file, or convert it to MPS/LP.

Exit status: 0 when the command ran (whatever the solve status), 1 for bad input (one line
on stderr, no traceback), 2 for bad usage (argparse). SIGINT and SIGTERM stop the search,
which still reports its result (status ``interrupted``, exit 0); a signal that arrives
before there can be a result (while starting, reading the file or running a ``.py`` model)
prints one line and exits 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from branchwise.core.problem import Problem
from branchwise.expr import indexed_names
from branchwise.io import (
    ProblemFileError,
    load_model,
    load_problem,
    write_problem,
    write_solution,
)
from branchwise.io.pyfile import describe
from branchwise.model import Model
from branchwise.solver import SolveOptions, SolveReport, parse_setting, solve
from branchwise.solver.options import CALLBACKS
from branchwise_command import (
    ignore_stop_signals,
    interrupted_message,
    interrupted_status,
    stop_signals_caught,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return the exit status."""
    try:
        with stop_signals_caught():
            args = _parser().parse_args(argv)
            return args.run(args)
    except (ValueError, OSError) as error:  # ProblemFileError is a ValueError
        print(f"branchwise: error: {_one_line(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as interrupt:
        print(interrupted_message(interrupt, "before the search had a result"),
              file=sys.stderr)
        return interrupted_status(interrupt)


def _solve(args: argparse.Namespace) -> int:
    """``branchwise solve``: solve the file and report (JSON or a human summary).

    With ``--json`` everything the run prints itself (a ``.py`` model's prints, a HiGHS
    banner from the model's own code) goes to stderr, so stdout holds the one JSON object.
    Once the solve has returned, stop signals are ignored: the result is written whole.
    """
    if args.output:
        check_writable(args.output)
    options = SolveOptions(**{
        **dict(args.option), "time_limit": args.time_limit, "node_limit": args.node_limit,
        "gap": args.gap, "threads": args.threads, "log": not (args.quiet or args.json),
        "nonconvex": args.nonconvex, "pool": args.pool or 1})
    with _stdout_to_stderr() if args.json else contextlib.nullcontext():
        solved = solve_file(args.file, options)
    names, report = solved.names, solved.report
    ignore_stop_signals()
    if args.output:
        write_solution(args.output, names, report)
    if args.json:
        answer = report_json(names, report)
        if args.pool is not None:
            answer["solutions"] = [{"objective": _number(objective), "solution": {
                name: _number(v) for name, v in values.items()}}
                for objective, values in solved.solutions]
        print(json.dumps(answer, allow_nan=False))
    else:
        print(("\n" if options.log else "") + _summary(report))
    return 0


def check_writable(path: str | Path) -> None:
    """Refuse, before any work, an output path that cannot be written: a folder, a path
    whose folder does not exist, or one without write permission."""
    target = Path(path)
    folder = target.resolve().parent
    if target.is_dir():
        raise ValueError(f"{path}: is a folder, not a file")
    if not folder.is_dir():
        raise ValueError(f"{path}: its folder does not exist")
    if not os.access(target if target.exists() else folder, os.W_OK):
        raise ValueError(f"{path}: permission denied")


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send what is written to stdout, by Python or by C code (file descriptor 1), to stderr."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        _flush_c_stdout()
        os.dup2(saved, 1)
        os.close(saved)


def _flush_c_stdout() -> None:
    """Flush the C library's stdout buffer (HiGHS prints through it), where there is one."""
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # no C library to load by that name
        pass


class SolvedFile(NamedTuple):
    """What solving a file gives: its column names, the report, the objective's sense, and
    the solutions kept (``--pool``) as (objective, {name: value}), best first."""

    names: list[str]
    report: SolveReport
    maximize: bool
    solutions: list[tuple[float, dict[str, float]]]


def solve_file(path: str | Path, options: SolveOptions) -> SolvedFile:
    """Solve a problem file: a ``bw.Model`` (a ``.py`` model, an OSiL file, a quadratic MPS
    file) through ``Model.solve``, its logic mapped back and verified on the model, anything
    else as a plain Problem. Every option is passed on (the callbacks have no file form)."""
    model = load_model(path)
    if isinstance(model, Model):
        settings = {f.name: getattr(options, f.name) for f in fields(options)
                    if f.init and f.name not in CALLBACKS}
        result = model.solve(**settings)
        report = replace(result.report, status=result.status, x=result.x,
                         objective=result.objective, time=result.time,
                         verified=result.verified)
        solutions = [(objective, _named(values)) for objective, values in result.solutions]
        return SolvedFile(model.column_names(), report, model.maximize_objective, solutions)
    problem = load_problem(path) if model is None else _lowered(path, model.to_problem)
    report = solve(problem, options)
    solutions = [(problem.objective_value(x), dict(zip(problem.col_names, x.tolist(),
                                                       strict=True))) for x in report.pool]
    if not solutions and report.x is not None:
        solutions = [(report.objective, dict(zip(problem.col_names, report.x.tolist(),
                                                 strict=True)))]
    return SolvedFile(problem.col_names, report, problem.maximize, solutions)


def _named(values: dict) -> dict[str, float]:
    """A solution's ``{variable: value}`` as ``{column name: value}``."""
    named = {}
    for var, value in values.items():
        shape = np.shape(value)
        names = indexed_names(var.name, shape) if shape else [var.name]
        named.update(zip(names, np.ravel(value).tolist(), strict=True))
    return named


def _convert(args: argparse.Namespace) -> int:
    """``branchwise convert``: write the file's problem as .mps or .lp.

    A ``.py`` model is written in its binary (big-M / hull) form: MPS and LP files cannot
    carry branchwise's SOS sets, so every construct that would be branched on natively
    gets binaries instead, and the file means the same to any MILP solver.
    """
    check_writable(args.out)
    write_problem(_exportable(args.file), args.out)
    return 0


def _exportable(path: str) -> Problem:
    """The file's problem; a ``bw.Model`` is lowered with binaries only (no SOS sets)."""
    model = load_model(path)
    if model is None:
        return load_problem(path)
    if isinstance(model, Model):
        return _lowered(path, lambda: model.to_problem(native_sos=False))
    return _lowered(path, model.to_problem)


def _lowered(path: str | Path, to_problem: Callable[[], Problem]) -> Problem:
    """The Problem a model file's model lowers to; its failure (the model's own code may
    raise anything, ``SystemExit`` too) is bad input in one line, not a crash."""
    try:
        problem = to_problem()
    except (Exception, SystemExit) as error:
        raise ProblemFileError(f"{path}: {describe(error)}") from None
    problem.name = problem.name or Path(path).stem
    return problem


def report_json(names: list[str], report: SolveReport) -> dict:
    """The ``--json`` object: status, objective, bound, gap, nodes, time, verified, solution."""
    solution = None
    if report.x is not None:
        solution = {name: _number(v) for name, v in zip(names, report.x, strict=True)}
    return {
        "status": report.status,
        "objective": _number(report.objective),
        "bound": _number(report.bound),
        "gap": _number(report.gap),
        "nodes": int(report.nodes),
        "time": _number(report.time),
        "verified": bool(report.verified),
        "solution": solution,
    }


def _number(value: float | None) -> float | None:
    """A JSON-safe number: None for missing, infinite or NaN values."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _summary(report: SolveReport) -> str:
    """The short human summary printed after a solve."""
    def show(value: float | None) -> str:
        return "-" if _number(value) is None else f"{value:.10g}"

    return "\n".join([
        f"status     {report.status}",
        f"objective  {show(report.objective)}",
        f"bound      {show(report.bound)}",
        f"gap        {show(report.gap)}",
        f"nodes      {report.nodes}",
        f"time       {report.time:.2f} s",
        f"verified   {'yes' if report.verified else 'no'}",
    ])


def _one_line(error: BaseException) -> str:
    """The error's message on one line."""
    return " ".join(str(error).split()) or type(error).__name__


def _parser() -> argparse.ArgumentParser:
    """The argument parser with the ``solve`` and ``convert`` subcommands."""
    parser = argparse.ArgumentParser(prog="branchwise", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    solve_cmd = commands.add_parser("solve", help="solve a .mps, .mps.gz, .lp, .osil or .py file")
    solve_cmd.add_argument("file", metavar="FILE")
    solve_cmd.add_argument("--time-limit", type=_positive(float), default=math.inf,
                           metavar="S", help="seconds before stopping (default: none)")
    solve_cmd.add_argument("--gap", type=_non_negative(float), default=SolveOptions.gap,
                           metavar="G", help="relative gap to stop at as optimal")
    solve_cmd.add_argument("--node-limit", type=_non_negative(int), default=None,
                           metavar="N", help="nodes before stopping (default: none)")
    solve_cmd.add_argument("--threads", type=_positive(int), default=1, metavar="K")
    solve_cmd.add_argument("--nonconvex", choices=("error", "heuristic"), default="error",
                           help="a nonconvex model is refused (error) or searched without "
                                "proof of optimality (heuristic)")
    solve_cmd.add_argument("--pool", type=_positive(int), default=None, metavar="K",
                           help="keep the K best distinct solutions (listed with --json)")
    solve_cmd.add_argument("--output", metavar="SOL", help="write the solution to this file")
    solve_cmd.add_argument("--json", action="store_true",
                           help="print one JSON object on stdout instead of the summary")
    solve_cmd.add_argument("--quiet", action="store_true", help="no progress log")
    solve_cmd.add_argument("--option", type=_setting, action="append", default=[],
                           metavar="NAME=VALUE",
                           help="any other solve option, e.g. cut_rounds=0, presolve=off, "
                                "node_selection=estimate (repeatable)")
    solve_cmd.set_defaults(run=_solve)

    convert_cmd = commands.add_parser("convert", help="write the problem as .mps or .lp")
    convert_cmd.add_argument("file", metavar="FILE")
    convert_cmd.add_argument("out", metavar="OUT")
    convert_cmd.set_defaults(run=_convert)
    return parser


#: Solve options the ``solve`` command sets from flags of their own, and those flags.
_OPTIONS_WITH_FLAGS = {"time_limit": "--time-limit", "node_limit": "--node-limit",
                       "gap": "--gap", "threads": "--threads", "nonconvex": "--nonconvex",
                       "log": "--quiet", "pool": "--pool"}


def _setting(text: str) -> tuple[str, object]:
    """An argparse type: ``NAME=VALUE`` for a solve option, its value converted."""
    try:
        name, value = parse_setting(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if name in _OPTIONS_WITH_FLAGS:
        raise argparse.ArgumentTypeError(f"{name} is set by {_OPTIONS_WITH_FLAGS[name]}")
    return name, value


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    """An argparse type: a number of ``kind`` greater than zero."""
    return _checked(kind, lambda v: v > 0, "a positive")


def _non_negative(kind: Callable[[str], float]) -> Callable[[str], float]:
    """An argparse type: a number of ``kind`` at least zero."""
    return _checked(kind, lambda v: v >= 0, "a non-negative")


def _checked(kind: Callable[[str], float], ok: Callable[[float], bool], what: str):
    """An argparse type converting with ``kind`` and refusing values that fail ``ok``."""
    def convert(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = math.nan
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {what} {kind.__name__}, got {text!r}")
        return value

    return convert


if __name__ == "__main__":
    raise SystemExit(main())
