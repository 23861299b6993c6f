"""Load a model from a ``.py`` problem file that defines ``model`` or ``build()``."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path
from typing import Any

from branchwise.io.files import ProblemFileError


def load_python_problem(path: str | Path) -> Any:
    """Run the file and return its ``model``, or else what its ``build()`` returns.

    The result is anything with a ``to_problem()`` method (a ``branchwise.Model``). The
    file runs as a module (not ``__main__``) with its own folder importable, as
    ``python FILE`` would have it; any failure becomes a one-line :class:`ProblemFileError`,
    ``SystemExit`` included (a model file cannot end the command, whatever its exit code).
    An interrupt (``KeyboardInterrupt``) is not a failure of the file: it passes through.
    """
    path = Path(path)
    if not path.is_file():
        raise ProblemFileError(f"{path}: no such file")
    namespace = _run(path)
    if "model" in namespace:
        model = namespace["model"]
    elif callable(namespace.get("build")):
        model = _call_build(path, namespace["build"])
    else:
        raise ProblemFileError(f"{path}: defines neither `model` nor `build()`")
    if not callable(getattr(model, "to_problem", None)):
        raise ProblemFileError(f"{path}: the model is a {type(model).__name__}, not a Model")
    return model


def describe(error: BaseException) -> str:
    """One line naming the exception type and its message."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _run(path: Path) -> dict[str, Any]:
    """Execute the file with its folder first on ``sys.path``, turning errors into one line."""
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    try:
        return runpy.run_path(str(path), run_name=f"branchwise_problem_{path.stem}")
    except (Exception, SystemExit) as error:
        raise ProblemFileError(f"{path}: {describe(error)}") from None
    finally:
        sys.path.remove(folder)


def _call_build(path: Path, build: Any) -> Any:
    """Call the file's ``build()``, turning errors (``SystemExit`` too) into one line."""
    try:
        return build()
    except (Exception, SystemExit) as error:
        raise ProblemFileError(f"{path}: build() failed: {describe(error)}") from None
