"""The solver adapters: each module has ``SUFFIXES``, ``version()`` and ``solve(path, limits)``,
and may list in ``FEATURES`` what it solves beyond linear rows in the files it reads
(``"quadratic objective"``, ``"quadratic constraints"``; none when absent).

``version()`` raises ImportError (or returns after checking its binary) when the solver is
missing; ``solve`` returns an :class:`~benchmarks.adapters.base.Outcome`. A run loads its
adapter by module name or by the path of a ``.py`` file, so tests and users can add
solvers without editing this package (``--adapter NAME=MODULE``).
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType

#: The adapters every run knows by name.
BUILTIN = {
    "branchwise": "benchmarks.adapters.branchwise",
    "highs": "benchmarks.adapters.highs",
    "scip": "benchmarks.adapters.scip",
    "cbc": "benchmarks.adapters.cbc",
    "discopt": "benchmarks.adapters.discopt",
}


def load(spec: str) -> ModuleType:
    """Import an adapter from a dotted module name or a ``.py`` file path."""
    if not spec.endswith(".py"):
        return importlib.import_module(spec)
    path = Path(spec)
    module_spec = importlib.util.spec_from_file_location(f"bench_adapter_{path.stem}", path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load adapter file {spec}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module
