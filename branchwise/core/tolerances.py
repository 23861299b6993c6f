"""Every numerical tolerance branchwise uses, named once, in one place, and the scaling
under which a point's excess over a bound is compared with FEASIBILITY."""

import math
from typing import Any

import numpy as np

#: A value within this distance of an integer counts as integral.
INTEGRALITY = 1e-6
#: Absolute slack allowed on a row or column bound when checking a point (scaled by magnitude).
FEASIBILITY = 1e-6
#: Default relative gap between incumbent and bound at which a search stops as optimal.
RELATIVE_GAP = 1e-6
#: Default absolute gap at which a search stops as optimal.
ABSOLUTE_GAP = 1e-9
#: Values at or beyond this magnitude are treated as infinite bounds.
INFINITY = 1e20
#: A constraint coefficient at or beyond this magnitude is refused: HiGHS will not load it
#: (its ``large_matrix_value``), and no relaxation built on it would be trustworthy.
LARGE_COEFFICIENT = 1e15
#: Bound tightening stops when no bound moves by more than this (relative to max(1, |bound|)).
BOUND_PROGRESS = 1e-6
#: Slack added to every implied bound (relative to max(1, |bound|)) against round-off.
BOUND_SAFETY = 1e-9
#: Integral values below this magnitude are exact in double precision.
_EXACT_INTEGERS = 2.0 ** 52


def round_off_slack(value: Any) -> Any:
    """The BOUND_SAFETY slack for a computed bound (array or float); none for an infinite
    or integral one. Integer data (job-shop durations, capacities) give integral bounds
    that floating point computes exactly, and a slack on them made every big-M fractional
    (164.000001 for 164): HiGHS on the ft06 export took 1.7x the hand model's time over 4
    seeds, and 1.1x over 12 seeds with the Ms integral (noisy, 2 cores)."""
    if isinstance(value, (float, int)):  # the common case, without numpy's per-call cost
        value = float(value)
        if not math.isfinite(value) or (value == round(value) and abs(value) < _EXACT_INTEGERS):
            return 0.0
        return BOUND_SAFETY * max(1.0, abs(value))
    array = np.asarray(value, dtype=float)
    finite = np.where(np.isfinite(array), array, 0.0)
    exact = (finite == np.round(finite)) & (np.abs(finite) < _EXACT_INTEGERS)
    slack = np.where(exact, 0.0, BOUND_SAFETY * np.maximum(1.0, np.abs(finite)))
    return slack if np.ndim(value) else float(slack)
#: Default margin a strict comparison on a continuous expression keeps (``a < b`` becomes
#: ``a <= b - STRICT_GAP``). Ten times FEASIBILITY, so that no point accepted within the
#: feasibility tolerance can put Python on the other side of the comparison.
STRICT_GAP = 1e-5
#: Margin a reified non-strict comparison keeps, when a solution is polished, on the side of
#: the branch the solver took: ``e <= 0`` becomes ``e <= -m`` with
#: ``m = BRANCH_MARGIN·max(1, BRANCH_MARGIN·|rhs|)`` (absolute up to |rhs| = 1e6, then
#: relative 1e-12, far above float resolution). Ten times HiGHS's primal feasibility
#: tolerance (1e-7), so the polished LP point lands where Python, comparing exactly on plain
#: floats, takes the same branch, while the objective moves by at most m × slope.
BRANCH_MARGIN = 1e-6
#: When a repaired point (integers fixed, the LP re-solved over the other columns) still
#: breaks a row, that side moves inward by the excess plus this margin (scaled like
#: FEASIBILITY) and the LP is solved again: HiGHS's primal feasibility tolerance, so the
#: next point lands inside even after HiGHS's own round-off.
REPAIR_MARGIN = 1e-7
#: Relative change of the objective at which the NLP subsolver (SLSQP) stops.
NLP_TOLERANCE = 1e-10
#: A convex nonlinear row violated by more than this (scaled like FEASIBILITY) at a
#: relaxation's point gets an outer-approximation cut; a tenth of FEASIBILITY so that the
#: points the LP returns after the cuts pass verification.
OA_VIOLATION = 1e-7
#: A coefficient counts as the small fraction nearest to it within this relative distance
#: (used to find the step between objective values that an optimum can take).
RATIONAL = 1e-9


def scaled(excess: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """``excess`` relative to ``max(1, |bound|)``: relative for large bounds, absolute for
    small (an infinite bound scales by 1)."""
    return excess / np.maximum(1.0, np.abs(np.where(np.isfinite(bound), bound, 0.0)))


def bound_excess(values: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """How far each value lies outside ``[lower, upper]``, scaled as :func:`scaled`; 0
    inside, inf where the value itself is not finite (a function undefined there)."""
    with np.errstate(invalid="ignore"):
        excess = np.maximum(scaled(values - upper, upper), scaled(lower - values, lower))
    return np.where(np.isfinite(values), np.maximum(excess, 0.0), np.inf)
