"""Gomory mixed-integer cuts from the optimal simplex tableau, and a pool that filters them.

The tableau is computed here from HiGHS's basis statuses, in the convention
``A x - s = 0`` with row activities ``s`` bounded by the row bounds, so no sign
convention of the LP solver leaks into the cut algebra.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from branchwise.solver.plugins import Separator
from branchwise.solver.relax.lp import NodeLP

_BASIC = highspy.HighsBasisStatus.kBasic
_UPPER = highspy.HighsBasisStatus.kUpper
#: Rows of the tableau whose basic value is this close to an integer give weak cuts.
_MIN_FRACTION = 0.005
#: Cuts whose largest/smallest coefficient ratio exceeds this are numerically unsafe.
_MAX_DYNAMISM = 1e6
#: Coefficients below this share of the largest are relaxed away using column bounds.
_TINY = 1e-9


@dataclass
class Cut:
    """A valid inequality ``coefficients · x >= rhs`` (dense over the columns)."""

    coefficients: np.ndarray
    rhs: float

    def violation(self, x: np.ndarray) -> float:
        """How far ``x`` is on the wrong side, per unit of coefficient norm (efficacy)."""
        return (self.rhs - self.coefficients @ x) / np.linalg.norm(self.coefficients)


@dataclass(frozen=True)
class GomoryParameters:
    #: Tableau rows cut from per round, most fractional first.
    max_rows: int = 200


class GomorySeparator(Separator):
    """Gomory mixed-integer cuts from the rows of the tableau of fractional basic integers."""

    name = "gomory"
    priority = 400
    Parameters = GomoryParameters

    def separate(self, lp: NodeLP, x: np.ndarray) -> list[Cut]:
        """Cuts violated by the LP optimum ``x`` (the LP must be solved to optimality)."""
        basis = lp.highs.getBasis()
        col_basic = np.array([s == _BASIC for s in basis.col_status])
        row_basic = np.array([s == _BASIC for s in basis.row_status])
        col_at_upper = np.array([s == _UPPER for s in basis.col_status])
        row_at_upper = np.array([s == _UPPER for s in basis.row_status])
        A = lp.A
        m = A.shape[0]
        basic_cols, basic_rows = np.flatnonzero(col_basic), np.flatnonzero(row_basic)
        if basic_cols.size + basic_rows.size != m:
            return []
        B = sp.hstack([A[:, basic_cols], -sp.eye(m, format="csc")[:, basic_rows]]).tocsc()
        candidates = self._candidates(basic_cols, x, lp.integer_mask)
        if candidates.size == 0:
            return []
        try:
            lu = spla.splu(B)
        except RuntimeError:  # singular in our arithmetic: skip this round
            return []
        positions = np.searchsorted(basic_cols, candidates)
        unit = np.zeros((m, positions.size))
        unit[positions, np.arange(positions.size)] = 1.0
        rho = lu.solve(unit, trans="T")  # rows of B^-1
        structural = (A.T @ rho).T  # tableau over columns
        nonbasic = _Nonbasic(lp, col_basic, row_basic, col_at_upper, row_at_upper)
        cuts = []
        for i, k in enumerate(candidates):
            cut = self._gmi(structural[i], -rho[:, i], x[k], nonbasic, A)
            if cut is not None and cut.violation(x) > 1e-6:
                cuts.append(cut)
        return cuts

    def _candidates(self, basic_cols: np.ndarray, x: np.ndarray,
                    integer_mask: np.ndarray) -> np.ndarray:
        """Basic integer columns with the most fractional values, most fractional first."""
        ints = basic_cols[integer_mask[basic_cols]]
        frac = x[ints] - np.floor(x[ints])
        distance = np.minimum(frac, 1.0 - frac)
        keep = distance > _MIN_FRACTION
        ints, distance = ints[keep], distance[keep]
        return np.sort(ints[np.argsort(-distance)[: self.parameters.max_rows]])

    def _gmi(self, col_row: np.ndarray, slack_row: np.ndarray, value: float,
             nonbasic: _Nonbasic, A: sp.csr_matrix) -> Cut | None:
        """The GMI cut of one tableau row ``x_k + Σ a_j v_j = value`` in x-space."""
        f0 = value - math.floor(value)
        alpha = np.zeros(A.shape[1])
        rhs = 1.0
        for row, meta, is_slack in ((col_row, nonbasic.cols, False),
                                    (slack_row, nonbasic.rows, True)):
            idx = meta.index[np.abs(row[meta.index]) > 1e-11]
            if idx.size == 0:
                continue
            if np.any(meta.free[idx]):
                return None
            sign = np.where(meta.at_upper[idx], -1.0, 1.0)
            a = sign * row[idx]  # coefficients of y_j >= 0
            integral = meta.integral[idx]
            frac = a - np.floor(a)
            gamma = np.where(
                integral,
                np.where(frac <= f0, frac / f0, (1.0 - frac) / (1.0 - f0)),
                np.where(a > 0, a / f0, -a / (1.0 - f0)),
            )
            # y_j = x_j - l_j (at lower) or u_j - x_j (at upper): back to x (or s = A x).
            coeff = sign * gamma
            rhs += float(coeff @ meta.at_value[idx])
            if is_slack:
                alpha += A[idx].T @ coeff
            else:
                alpha[idx] += coeff
        return _clean(alpha, rhs, nonbasic.col_lower, nonbasic.col_upper)


class _Side:
    """Nonbasic variables of one kind (columns or row activities) and their bounds."""

    def __init__(self, basic, at_upper, lower, upper, integral) -> None:
        self.index = np.flatnonzero(~basic & (lower < upper))
        self.at_upper = at_upper
        self.at_value = np.where(at_upper, upper, lower)
        self.free = ~np.isfinite(self.at_value)
        self.integral = integral & np.isfinite(self.at_value) & (
            self.at_value == np.round(self.at_value))


class _Nonbasic:
    """Where every nonbasic column and row activity sits, and which are integral."""

    def __init__(self, lp: NodeLP, col_basic, row_basic, col_at_upper, row_at_upper) -> None:
        self.col_lower, self.col_upper = lp.lower, lp.upper
        integer_mask = lp.integer_mask
        self.cols = _Side(col_basic, col_at_upper, lp.lower, lp.upper, integer_mask)
        no_integrality = np.zeros(lp.A.shape[0], dtype=bool)
        self.rows = _Side(row_basic, row_at_upper, lp.row_lower, lp.row_upper, no_integrality)


def _clean(alpha: np.ndarray, rhs: float, lower: np.ndarray, upper: np.ndarray) -> Cut | None:
    """Drop tiny coefficients by relaxing them with column bounds; refuse unsafe cuts."""
    big = np.abs(alpha).max(initial=0.0)
    if big == 0.0 or not np.isfinite(big) or not np.isfinite(rhs):
        return None
    tiny = (alpha != 0) & (np.abs(alpha) < _TINY * big)
    if tiny.any():
        # alpha_j x_j <= alpha_j * (upper if alpha_j > 0 else lower): the cut stays valid.
        worst = np.where(alpha[tiny] > 0, upper[tiny], lower[tiny])
        if not np.all(np.isfinite(worst)):
            return None
        rhs -= float(alpha[tiny] @ worst)
        alpha[tiny] = 0.0
    small = np.abs(alpha[alpha != 0]).min()
    if big / small > _MAX_DYNAMISM:
        return None
    return Cut(alpha / big, rhs / big)


class CutPool:
    """Chooses which cuts enter the LP: the most efficacious, not nearly parallel."""

    def __init__(self, max_per_round: int = 50, max_parallelism: float = 0.98,
                 max_density: float = 0.8) -> None:
        self.max_per_round = max_per_round
        self.max_parallelism = max_parallelism
        self.max_density = max_density

    def select(self, cuts: list[Cut], x: np.ndarray) -> list[Cut]:
        """Greedy by efficacy, skipping dense cuts (they slow every later LP solve) and
        cuts too parallel to one already chosen."""
        most_nonzeros = max(20, self.max_density * x.size)
        sparse_enough = [cut for cut in cuts if np.count_nonzero(cut.coefficients) <= most_nonzeros]
        ranked = sorted(sparse_enough, key=lambda cut: -cut.violation(x))
        chosen: list[Cut] = []
        norms: list[np.ndarray] = []
        for cut in ranked:
            direction = cut.coefficients / np.linalg.norm(cut.coefficients)
            if any(abs(direction @ other) > self.max_parallelism for other in norms):
                continue
            chosen.append(cut)
            norms.append(direction)
            if len(chosen) == self.max_per_round:
                break
        return chosen


@dataclass
class CutRounds:
    """Outcome of root separation: the last LP status and point, and what it cost."""

    status: str
    x: np.ndarray | None
    objective: float
    rounds: int = 0
    cuts: int = 0


def separate_rounds(lp: NodeLP, separators: list[Separator], pool: CutPool, x: np.ndarray,
                    objective: float, cutoff: float, max_rounds: int,
                    time_left) -> CutRounds:
    """Add cuts and re-solve until no cut is found, the bound stalls, rounds run out or
    ``time_left()`` (seconds) reaches 0; ``objective`` is then the best bound found."""
    outcome = CutRounds("optimal", x, objective)
    stalled = 0
    for _ in range(max_rounds):
        if time_left() <= 0:
            break
        found = [cut for separator in separators if time_left() > 0
                 for cut in separator.separate(lp, outcome.x)]
        chosen = pool.select(found, outcome.x)
        if not chosen:
            break
        rows = sp.csr_matrix(np.array([cut.coefficients for cut in chosen]))
        lp.add_rows(rows, np.array([cut.rhs for cut in chosen]), np.full(len(chosen), np.inf))
        result = lp.solve(cutoff=cutoff, time_limit=time_left())
        outcome.rounds += 1
        outcome.cuts += len(chosen)
        if result.status != "optimal":
            outcome.status, outcome.x = result.status, None
            return outcome
        gain = result.objective - outcome.objective
        outcome.x, outcome.objective = result.x, max(result.objective, outcome.objective)
        stalled = stalled + 1 if gain <= 1e-5 * max(1.0, abs(outcome.objective)) else 0
        if stalled >= 3:
            break
    if outcome.cuts:
        outcome.cuts -= lp.drop_slack_rows(first=lp.A.shape[0] - outcome.cuts)
    return outcome
