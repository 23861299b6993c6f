"""The objective's step: a value g such that some optimal point's objective is a multiple
of g, so a better point than the incumbent is at least one step better, and a bound can
be rounded up to the next multiple (HiGHS and SCIP do the same with integral objectives).

Integer columns with rational costs give steps directly. A continuous column with a cost
qualifies when every row that stops it from improving the objective further holds only
integer columns besides it, with coefficients and right-hand side that are rational
multiples of its own: at an optimum it sits at one of those rows' limits, which lie on a
lattice fixed by the integer columns.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from branchwise.core.problem import Problem
from branchwise.core.tolerances import RATIONAL

#: Largest denominator a coefficient ratio may have to count as rational.
_MAX_DENOMINATOR = 1000


def objective_step(problem: Problem, integer_cols: np.ndarray) -> float | None:
    """The objective's step (before the offset), or None when none can be proven."""
    if problem.Q is not None and problem.Q.nnz:
        return None
    integer = np.zeros(problem.n_cols, dtype=bool)
    integer[integer_cols] = True
    by_column, by_row = problem.A.tocsc(), problem.A.tocsr()
    multiples: list[Fraction] = []
    for col in np.flatnonzero(problem.c):
        cost = float(problem.c[col])
        if integer[col]:
            ratios = [cost]
        elif problem.has_sos or problem.has_nonlinear_rows:
            return None
        else:
            ratios = _continuous_steps(problem, by_column, by_row, integer, int(col))
            if ratios is None:
                return None
            ratios = [abs(cost) * ratio for ratio in ratios]
        for ratio in ratios:
            fraction = _rational(ratio)
            if fraction is None:
                return None
            multiples.append(fraction)
    step = _gcd(multiples)
    return None if step is None else float(step)


def _continuous_steps(problem: Problem, by_column, by_row, integer: np.ndarray,
                      col: int) -> list[float] | None:
    """Values whose integer combinations place the continuous ``col`` at its limit when it
    improves the (minimised) objective; None when some limit is not on such a lattice."""
    improve_up = (problem.c[col] < 0) != problem.maximize
    span = slice(by_column.indptr[col], by_column.indptr[col + 1])
    rows, coefficients = by_column.indices[span], by_column.data[span]
    upward = coefficients > 0 if improve_up else coefficients < 0
    limit = np.where(upward, problem.row_upper[rows], problem.row_lower[rows])
    own_bound = problem.col_upper[col] if improve_up else problem.col_lower[col]
    blocking = np.isfinite(limit)
    if not blocking.any() and not np.isfinite(own_bound):
        return None
    values = [float(own_bound)] if np.isfinite(own_bound) else []
    for row, coefficient, rhs in zip(rows[blocking], coefficients[blocking], limit[blocking],
                                     strict=True):
        span = slice(by_row.indptr[row], by_row.indptr[row + 1])
        others = by_row.indices[span] != col
        if not integer[by_row.indices[span][others]].all():
            return None
        values.append(float(rhs / coefficient))
        values.extend((by_row.data[span][others] / coefficient).tolist())
    return values


def _rational(value: float) -> Fraction | None:
    """``value`` as a fraction with a small denominator, or None when it is not one."""
    fraction = Fraction(value).limit_denominator(_MAX_DENOMINATOR)
    if abs(float(fraction) - value) > RATIONAL * max(1.0, abs(value)):
        return None
    return fraction


def _gcd(fractions: list[Fraction]) -> Fraction | None:
    """The largest fraction of which every one given is an integer multiple."""
    nonzero = [abs(f) for f in fractions if f != 0]
    if not nonzero:
        return None
    denominator = math.lcm(*(f.denominator for f in nonzero))
    numerator = math.gcd(*(int(f * denominator) for f in nonzero))
    return Fraction(numerator, denominator)
