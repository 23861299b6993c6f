"""Fuzzed problem files (mutants of the shipped ones, see :mod:`tests.file_fuzz`): every run
exits 1 with one line naming the file or agrees with HiGHS (SCIP for QCMATRIX files), and
our MPS reader and HiGHS's read every linear MPS mutant the same way or both refuse it.
A small sample runs by default; ``-m slow`` runs a large one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.file_fuzz import MIP_SOURCES, highs_verdict, judge, lp_sources, sweep

FAILURES = ("disagreement", "unnamed", "traceback", "hang", "readers disagree")


def test_the_unmutated_sources_agree_with_highs(tmp_path: Path):
    for path in MIP_SOURCES + lp_sources(tmp_path):
        assert judge(path, highs_verdict)[0] == "agree", path.name


def assert_sweep(count: int, seed: int, folder: Path) -> None:
    counts, failures = sweep(count, seed, folder)
    assert failures == []
    assert not any(counts[outcome] for outcome in FAILURES)
    assert sum(counts[o] for o in ("agree", "refusal", "undecided")) == count
    # a reader that refused everything would pass the lines above: many mutants (a comment
    # edited, a line repeated in RHS...) still hold a model, and those must be solved
    assert counts["agree"] >= count // 10, counts


def test_small_fuzz_sample(tmp_path: Path):
    assert_sweep(30, 2026, tmp_path)


@pytest.mark.slow
def test_large_fuzz_sample(tmp_path: Path):
    assert_sweep(1000, 19, tmp_path)
