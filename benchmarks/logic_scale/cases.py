"""The suite's cases (a family at one size, or a model of problems/logic), the files each
peer reads, and the size and root LP bound of the hand model and of branchwise's export.

Every family module has ``SIZES`` (size name to instance keys), ``INTEGRAL`` (integer
data: the hand model with integer columns is the same problem), ``user(key)`` and
``hand(key)`` (``bw.Model``; ``hand(key, integral=True)`` when ``INTEGRAL``), ``gdp(key)``
(a Pyomo GDP model) and ``describe(key)``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import highspy

from benchmarks import instances
from benchmarks.logic_scale.data import DATA
from branchwise.io import write_problem

#: The families, in the order the suite runs them.
FAMILIES = ("jobshop", "lotsizing", "tariff", "facility", "relu", "flowshop", "unitcommit")
SIZES = ("small", "medium", "large")
#: The small logic models users wrote (no hand model: judged by their known optima).
LOGIC = DATA.parent / "logic"


@dataclass
class Case:
    """One model of the suite: ``name`` is ``family-key`` (``logic-stem`` for problems/logic)."""

    name: str
    family: str
    size: str
    key: str
    known: float | str | None

    @property
    def module(self) -> ModuleType | None:
        """The family module (None for a problems/logic model)."""
        if self.family == "logic":
            return None
        return importlib.import_module(f"benchmarks.logic_scale.{self.family}")

    def describe(self) -> str:
        """The instance's dimensions in a few words."""
        return "problems/logic" if self.module is None else self.module.describe(self.key)


def select(families: list[str], sizes: list[str]) -> list[Case]:
    """Cases of the given families (``logic`` included) at the given sizes."""
    chosen = []
    for family in families:
        if family == "logic":
            if "small" in sizes:
                chosen.extend(Case(f"logic-{p.stem}", "logic", "small", p.stem,
                                   instances.known_optimum(p))
                              for p in sorted(LOGIC.glob("[!_]*.py")))
            continue
        module = importlib.import_module(f"benchmarks.logic_scale.{family}")
        for size in sizes:
            for key in module.SIZES[size]:
                name = f"{family}-{key}"
                # optimal.csv lists optima by name; the name's file need not exist.
                chosen.append(Case(name, family, size, key,
                                   instances.known_optimum(DATA / f"{name}.py")))
    return chosen


def write_files(case: Case, folder: Path) -> tuple[dict[str, Path], list[str]]:
    """Write the case's files into ``folder``: the kinds it has, and notes on failures."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    module = case.module
    if module is None:
        files["user"] = LOGIC / f"{case.key}.py"
    else:
        files["user"] = _stub(folder / f"{case.name}.user.py", case, "user")
        files["gdp"] = _stub(folder / f"{case.name}.gdp.py", case, "gdp")
        files["hand"] = folder / f"{case.name}.hand.mps"
        write_problem(module.hand(case.key).to_problem(native_sos=False), files["hand"])
        if module.INTEGRAL:
            files["hand-int"] = folder / f"{case.name}.hand-int.mps"
            write_problem(module.hand(case.key, integral=True).to_problem(native_sos=False),
                          files["hand-int"])
    instance = instances.Instance(f"{case.name}.export", files["user"], None)
    export, note = instances.convert(instance, folder)
    if export is not None:
        files["export"] = export
    return files, [note] if note else []


def _stub(path: Path, case: Case, builder: str) -> Path:
    """A ``.py`` file whose ``model`` is ``builder(key)`` of the case's family."""
    path.write_text(
        f'"""The {builder} model of {case.name}, written by benchmarks.logic_scale."""\n\n'
        f"from benchmarks.logic_scale import {case.family}\n\n"
        f"model = {case.family}.{builder}({case.key!r})\n")
    return path


@dataclass
class Formulation:
    """Size of an MPS file as HiGHS reads it, and its LP relaxation's optimum."""

    rows: int
    cols: int
    integers: int
    root: float | None
    maximize: bool


def formulation(path: Path, time_limit: float) -> Formulation:
    """Rows, columns, integer columns and root LP bound (HiGHS, integrality dropped)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(time_limit))
    h.readModel(str(path))
    lp = h.getLp()
    integers = sum(int(v) != 0 for v in lp.integrality_)
    maximize = lp.sense_ == highspy.ObjSense.kMaximize
    h.setOptionValue("solve_relaxation", True)
    h.run()
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    root = h.getInfo().objective_function_value if optimal else None
    return Formulation(lp.num_row_, lp.num_col_, integers, root, maximize)
