"""The differential sweep over shaped random MILPs (equality-heavy, free integers, big-M
facility location, degenerate) against HiGHS: a small sample by default, thousands slow.

Run the whole sweep with ``pytest -m slow tests/end_to_end/test_sweep.py`` (or ``python -m
tests.sweep 0 3000`` for the counts of each outcome)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from tests.random_milp import SHAPES, random_shaped_milp
from tests.sweep import compare

#: Seeds the sweep found failing once: numerical_error on big-M instances (the rejected
#: near-integral point's subtree dropped), and instances where HiGHS's default integrality
#: tolerance calls a point with a binary at 1e-7 optimal.
FOUND = [50, 88, 133, 201, 163, 237, 376, 598]
SAMPLE = [*range(24), *FOUND]
#: The slow sweep's seeds.
SWEEP = range(3000)


@pytest.mark.parametrize("seed", SAMPLE)
def test_sample_agrees_with_highs(seed: int) -> None:
    outcome = compare(seed)
    assert outcome.outcome == "agree", outcome


@pytest.mark.slow
def test_sweep_agrees_with_highs() -> None:
    """Every instance agrees with HiGHS: no wrong answer, no timeout, no numerical_error."""
    outcomes = [compare(seed) for seed in SWEEP]
    counts = Counter(outcome.outcome for outcome in outcomes)
    failures = [outcome for outcome in outcomes if outcome.outcome != "agree"]
    assert not failures, f"{dict(counts)}; first failures: {failures[:10]}"


def test_shapes_are_what_they_claim() -> None:
    """Over 200 seeds every shape is drawn often, and each has its mark: big-M
    capacities in [1e4, 1e6] on every binary, integer columns free on both sides, rows
    mostly equations, scaled copies of rows (a degenerate LP)."""
    by_shape: dict[str, list] = {shape: [] for shape in SHAPES}
    for seed in range(200):
        problem = random_shaped_milp(seed)
        by_shape[problem.name.removeprefix(f"random_shaped_{seed}_")].append(problem)
    assert min(len(problems) for problems in by_shape.values()) >= 30
    for problem in by_shape["big_m"]:
        capacities = -problem.A[:, problem.integrality].toarray()
        assert np.all(capacities.max(axis=0) >= 1e4) and capacities.max() <= 1e6
    for problem in by_shape["free_integers"]:
        ints = problem.integrality
        assert np.any(ints & np.isinf(problem.col_lower) & np.isinf(problem.col_upper))
    rows = sum(problem.n_rows for problem in by_shape["equality_heavy"])
    equations = sum(int(np.sum(problem.row_lower == problem.row_upper))
                    for problem in by_shape["equality_heavy"])
    assert equations >= 0.4 * rows
    copies = sum(_has_parallel_rows(problem) for problem in by_shape["degenerate"])
    assert copies >= 0.3 * len(by_shape["degenerate"])


def test_unknown_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown shape 'round'"):
        random_shaped_milp(0, "round")


def _has_parallel_rows(problem) -> bool:
    """True when two rows of ``problem`` are multiples of each other."""
    dense = problem.A.toarray()
    unit = dense / np.linalg.norm(dense, axis=1, keepdims=True)
    cosines = np.abs(unit @ unit.T) - np.eye(len(unit))
    return bool(np.any(cosines > 1 - 1e-12))
