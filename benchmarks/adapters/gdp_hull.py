"""Pyomo GDP, ``gdp.hull`` transformation, then HiGHS (see benchmarks.adapters.pyomo_gdp)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.adapters.base import Limits, Outcome
from benchmarks.adapters.pyomo_gdp import SUFFIXES, solve_with, version

__all__ = ["SUFFIXES", "solve", "version"]


def solve(path: Path, limits: Limits) -> Outcome:
    """Solve the Pyomo GDP model of ``path`` after ``gdp.hull``."""
    return solve_with("gdp.hull", path, limits)
