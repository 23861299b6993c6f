"""Complemented mixed-integer rounding (c-MIR) cuts, after Marchand and Wolsey (2001): a row,
or a short path of rows aggregated to eliminate continuous columns, has every column
measured from a simple or variable bound; then a few divisors δ are tried, and integer
columns are complemented where it helps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from branchwise.core.tolerances import FEASIBILITY
from branchwise.solver.plugins import Separator
from branchwise.solver.relax.lp import NodeLP
from branchwise.solver.sepa.bound_substitution import AT_BOUND, Substitution, substitution
from branchwise.solver.sepa.cut_rows import (
    MIN_EFFICACY,
    LessEqualRows,
    fractional_mask,
    integer_rounded,
    original_rows,
)
from branchwise.solver.sepa.cuts import Cut, _clean

#: Fractional parts of the scaled right-hand side outside [f, 1 - f] give no safe cut.
MIN_FRACTION = 0.01
#: Scaled right-hand sides beyond this lose their fractional part to rounding.
MAX_SCALED_RHS = 1e9
#: Efficacy must grow by this much for a complemented column to be kept.
_IMPROVEMENT = 1e-9


@dataclass
class _Base:
    """One row as ``coef · z + cont · t <= beta`` over integer ``0 <= z <= width`` and
    continuous ``t >= 0``: ``z = sign (x - offset)`` on columns ``icols``, and
    ``t = csign (x - cd x_cy - coffset)`` on columns ``ccols`` (``cd = 0`` for a simple
    bound). ``value`` and ``cvalue`` are z and t at the LP point."""

    icols: np.ndarray
    coef: np.ndarray
    sign: np.ndarray
    offset: np.ndarray
    value: np.ndarray
    width: np.ndarray
    ccols: np.ndarray
    cont: np.ndarray
    csign: np.ndarray
    coffset: np.ndarray
    cd: np.ndarray
    cy: np.ndarray
    cvalue: np.ndarray
    beta: float

    def flip(self, j: int) -> None:
        """Measure integer term j from its other bound (``z_j -> width_j - z_j``)."""
        self.beta -= self.coef[j] * self.width[j]
        self.coef[j] = -self.coef[j]
        self.value[j] = self.width[j] - self.value[j]
        self.offset[j] += self.sign[j] * self.width[j]
        self.sign[j] = -self.sign[j]


@dataclass(frozen=True)
class MIRParameters:
    """How many rows c-MIR starts from, how far it aggregates and what it tries."""

    max_rows: int = 500
    max_cuts: int = 100
    max_aggregations: int = 3
    #: Divisors (deltas) tried per aggregated row.
    max_deltas: int = 8
    #: Columns tried for complementing per aggregated row.
    max_flips: int = 8


class MIRSeparator(Separator):
    """c-MIR cuts from the original rows, alone or aggregated along paths of continuous
    columns; bounds come from the LP's column bounds and from two-column rows that bound a
    continuous column by an integer one.

    Uses the LP's column bounds as global bounds (call it at the root)."""

    name = "mir"
    priority = 300
    Parameters = MIRParameters

    def separate(self, lp: NodeLP, x: np.ndarray) -> list[Cut]:
        """At most one violated c-MIR cut per starting row, tightest rows first, until
        ``max_cuts`` are found."""
        lower, upper = integer_rounded(lp.lower, lp.upper, lp.integer_mask)
        rows = original_rows(lp)
        integer = lp.integer_mask
        sub = substitution(rows, x, lower, upper, integer)
        fractional = fractional_mask(x, integer)
        through = np.maximum(sub.variable.y, 0)
        fractional |= sub.prefer_variable & fractional[through]  # via a variable bound
        paths = _Aggregator(rows, x, sub, integer)
        cuts: list[Cut] = []
        for i in _candidate_rows(rows, paths.slack, fractional)[: self.parameters.max_rows]:
            path = paths.start(i)
            for _ in range(self.parameters.max_aggregations + 1):
                cut = self._cut(path, sub, integer, fractional, lower, upper)
                if cut is not None and cut.violation(x) > MIN_EFFICACY:
                    cuts.append(cut)
                    break
                if not paths.extend(path):
                    break
            if len(cuts) == self.parameters.max_cuts:
                break
        return cuts

    def _cut(self, path: _Path, sub: Substitution, integer: np.ndarray, fractional: np.ndarray,
             lower: np.ndarray, upper: np.ndarray) -> Cut | None:
        """The best c-MIR cut of one aggregated row, in the columns (None when the row has
        no fractional integer column, directly or through a variable bound)."""
        cols = np.flatnonzero(path.a)
        if not fractional[cols].any():
            return None
        base = _base(cols, path.a[cols], path.rhs, path.used, sub, integer)
        found = None if base is None else self._best_cut(base)
        return None if found is None else _to_cut(base, *found, lower, upper)

    def _best_cut(self, base: _Base) -> tuple[np.ndarray, np.ndarray, float] | None:
        """The MIR of ``base`` for the best divisor δ (candidates and their halves, quarters
        and eighths), then complementing integer columns, the most useful first, while it
        helps."""
        deltas = _divisors(base, self.parameters.max_deltas)
        if not deltas.size:
            return None
        deltas = np.concatenate([deltas / divisor for divisor in (1.0, 2.0, 4.0, 8.0)])
        efficacies = _efficacies(base.coef, base.beta, base.value, base, deltas)
        best = int(np.argmax(efficacies))
        efficacy, delta = efficacies[best], deltas[best]
        if not np.isfinite(efficacy):
            return None
        candidates = _flip_order(base)[: self.parameters.max_flips]
        while candidates.size:
            trials = _flip_efficacies(base, candidates, delta)
            pick = int(np.argmax(trials))
            if trials[pick] <= efficacy + _IMPROVEMENT:
                break
            base.flip(candidates[pick])
            efficacy = trials[pick]
            candidates = np.delete(candidates, pick)
        if efficacy <= 0.0:  # the substitution keeps violations: this one cuts nothing off
            return None
        g, h, rhs, _ = _mir(base.coef, base.beta, base.cont, np.array([delta]))
        return g[0], h[0], float(rhs[0])


def _candidate_rows(rows: LessEqualRows, slack: np.ndarray, fractional: np.ndarray
                    ) -> np.ndarray:
    """Rows over a column in ``fractional``, tightest first."""
    has_fractional = (abs(rows.matrix) @ fractional.astype(float)) > 0
    candidates = np.flatnonzero(has_fractional)
    return candidates[np.argsort(slack[candidates], kind="stable")]


@dataclass
class _Path:
    """A nonnegative combination ``a · x <= rhs`` of rows (dense ``a``; ``used`` rows)."""

    a: np.ndarray
    rhs: float
    used: set[int]


class _Aggregator:
    """Builds paths: start from a row, then eliminate the continuous column farthest from
    its bounds with the tightest unused row that has it (Marchand and Wolsey)."""

    def __init__(self, rows: LessEqualRows, x: np.ndarray, sub: Substitution,
                 integer: np.ndarray) -> None:
        self.matrix = rows.matrix
        self.by_column = rows.matrix.tocsc()
        self.rhs = rows.rhs + FEASIBILITY * np.maximum(1.0, np.abs(rows.rhs))
        self.origin = rows.origin
        norms = np.sqrt(self.matrix.multiply(self.matrix).sum(axis=1)).A1
        self.slack = (rows.rhs - self.matrix @ x) / np.maximum(norms, 1e-12)
        self.distance = np.where(integer, 0.0, sub.distance)

    def start(self, i: int) -> _Path:
        """The path holding row ``i`` alone."""
        a = np.zeros(self.matrix.shape[1])
        part = slice(self.matrix.indptr[i], self.matrix.indptr[i + 1])
        a[self.matrix.indices[part]] = self.matrix.data[part]
        return _Path(a, float(self.rhs[i]), {int(self.origin[i])})

    def extend(self, path: _Path) -> bool:
        """Add one row to the path, eliminating a continuous column; False when none can."""
        cols = np.flatnonzero(path.a)
        cols = cols[self.distance[cols] > AT_BOUND]
        for j in cols[np.argsort(-self.distance[cols], kind="stable")]:
            part = slice(self.by_column.indptr[j], self.by_column.indptr[j + 1])
            rows, values = self.by_column.indices[part], self.by_column.data[part]
            fresh = [origin not in path.used for origin in self.origin[rows].tolist()]
            fit = (values * path.a[j] < 0) & np.array(fresh, dtype=bool)
            if not fit.any():
                continue
            k = int(np.argmin(np.where(fit, self.slack[rows], np.inf)))
            r, multiplier = rows[k], -path.a[j] / values[k]
            part = slice(self.matrix.indptr[r], self.matrix.indptr[r + 1])
            path.a[self.matrix.indices[part]] += multiplier * self.matrix.data[part]
            path.a[j] = 0.0
            path.rhs += multiplier * float(self.rhs[r])
            path.used.add(int(self.origin[r]))
            return True
        return False


def _base(cols: np.ndarray, a: np.ndarray, rhs: float, used: set[int], sub: Substitution,
          integer: np.ndarray) -> _Base | None:
    """``a · x <= rhs`` with every column substituted (a variable bound only when its row is
    not among ``used``, else it would undo the aggregation); None if a column has no bound."""
    cont = ~integer[cols]
    ccols, ca = cols[cont], a[cont]
    simple, variable = sub.simple, sub.variable
    vb = sub.prefer_variable[ccols] & np.array(
        [row not in used for row in variable.row[ccols].tolist()], dtype=bool)
    if not np.all(vb | simple.usable[ccols]):
        return None
    csign = np.where(vb, variable.sign[ccols], simple.sign[ccols])
    coffset = np.where(vb, variable.offset[ccols], simple.offset[ccols])
    cd = np.where(vb, variable.d[ccols], 0.0)
    cy = np.where(vb, variable.y[ccols], -1)
    beta = rhs - float(ca @ coffset)
    icols, coef = cols[~cont], a[~cont]
    if vb.any():  # integer columns brought in by variable bounds join the row's own
        icols, inverse = np.unique(np.concatenate([icols, cy[vb]]), return_inverse=True)
        coef = np.bincount(inverse, np.concatenate([coef, (ca * cd)[vb]]),
                           minlength=icols.size)
    if not np.all(simple.usable[icols]):
        return None
    sign, offset = simple.sign[icols], simple.offset[icols]
    beta -= float(coef @ offset)
    width = sub.width[icols]
    return _Base(icols, np.where(width > 0, coef * sign, 0.0), sign, offset,
                 simple.value[icols], width, ccols, ca * csign, csign, coffset, cd, cy,
                 np.where(vb, variable.value[ccols], simple.value[ccols]), beta)


def _divisors(base: _Base, limit: int) -> np.ndarray:
    """Candidate δ: magnitudes of the coefficients of integer columns strictly between
    their bounds, largest LP value first."""
    inside = _inside(base)
    order = inside[np.argsort(-base.value[inside], kind="stable")]
    distinct = dict.fromkeys(np.abs(base.coef[order]).tolist())  # first occurrences, in order
    return np.array(list(distinct)[:limit])


def _inside(base: _Base) -> np.ndarray:
    """Integer terms with a nonzero coefficient strictly between their bounds."""
    return np.flatnonzero((base.coef != 0) & (base.value > AT_BOUND) & (
        base.value < base.width - AT_BOUND))


def _flip_order(base: _Base) -> np.ndarray:
    """Integer terms with two finite bounds strictly between them, nearest midpoint first."""
    inside = _inside(base)
    inside = inside[np.isfinite(base.width[inside])]
    return inside[np.argsort(np.abs(base.value[inside] - base.width[inside] / 2),
                             kind="stable")]


def _mir(coef: np.ndarray, beta: np.ndarray | float, cont: np.ndarray,
         deltas: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MIRs ``g · z + h · t <= rhs`` of rows ``coef · z + cont · t <= beta`` (one per δ, or
    one per row of ``coef`` and entry of ``beta``) divided by δ and scaled back by δ, and
    which of them have a usable fractional part."""
    scaled = beta / deltas
    down = np.floor(scaled)
    f0 = scaled - down
    usable = (np.abs(scaled) <= MAX_SCALED_RHS) & (f0 >= MIN_FRACTION) & (
        f0 <= 1.0 - MIN_FRACTION)
    f0 = np.where(usable, f0, 0.5)[:, None]
    a = coef / deltas[:, None]
    floor_a = np.floor(a)
    g = (floor_a + np.maximum(a - floor_a - f0, 0.0) / (1.0 - f0)) * deltas[:, None]
    h = np.minimum(cont, 0.0) / (1.0 - f0)
    return g, h, down * deltas, usable


def _efficacies(coef: np.ndarray, beta: np.ndarray | float, value: np.ndarray, base: _Base,
                deltas: np.ndarray) -> np.ndarray:
    """Violation per unit norm, in the substituted space, of each MIR of ``_mir`` (integer
    values ``value``, continuous ones and coefficients from ``base``)."""
    g, h, rhs, usable = _mir(coef, beta, base.cont, deltas)
    norm = np.sqrt((g * g).sum(axis=1) + (h * h).sum(axis=1))
    violation = (g * value).sum(axis=1) + h @ base.cvalue - rhs
    usable &= norm > 0
    return np.where(usable, violation / np.where(usable, norm, 1.0), -np.inf)


def _flip_efficacies(base: _Base, candidates: np.ndarray, delta: float) -> np.ndarray:
    """Efficacy of the MIR with divisor δ after complementing each candidate term alone."""
    rows = np.arange(candidates.size)
    coef = np.tile(base.coef, (candidates.size, 1))
    value = np.tile(base.value, (candidates.size, 1))
    coef[rows, candidates] = -base.coef[candidates]
    value[rows, candidates] = base.width[candidates] - base.value[candidates]
    beta = base.beta - base.coef[candidates] * base.width[candidates]
    return _efficacies(coef, beta, value, base, np.full(candidates.size, delta))


def _to_cut(base: _Base, g: np.ndarray, h: np.ndarray, rhs: float, lower: np.ndarray,
            upper: np.ndarray) -> Cut | None:
    """``g · z + h · t <= rhs`` back in the columns, as ``coefficients · x >= rhs``."""
    alpha = np.zeros(lower.size)
    gz, ht = g * base.sign, h * base.csign
    np.add.at(alpha, base.icols, gz)
    np.add.at(alpha, base.ccols, ht)
    via = base.cy >= 0
    np.add.at(alpha, base.cy[via], -(ht * base.cd)[via])
    rhs += float(gz @ base.offset) + float(ht @ base.coffset)
    return _clean(-alpha, -rhs, lower, upper)
