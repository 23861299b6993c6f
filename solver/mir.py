"""Complemented mixed-integer rounding (c-MIR) cuts from single rows, after Marchand and
Wolsey (2001): bound substitution (simple or variable bounds), a few divisors δ, then
complementing integer columns where it helps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from branchwise.solver.cut_rows import (
    LessEqualRows,
    fractional_mask,
    integer_rounded,
    original_rows,
)
from branchwise.solver.cuts import Cut, _clean
from branchwise.solver.lp import NodeLP
from branchwise.tolerances import FEASIBILITY

#: Fractional parts of the scaled right-hand side outside [f, 1 - f] give no safe cut.
MIN_FRACTION = 0.01
#: Scaled right-hand sides beyond this lose their fractional part to rounding.
MAX_SCALED_RHS = 1e9
#: A returned cut is violated by at least this efficacy at the LP point.
MIN_EFFICACY = 1e-6
#: Efficacy must grow by this much for a smaller δ or a complemented column to be kept.
_IMPROVEMENT = 1e-9
#: LP values this close to a bound count as at the bound.
_AT_BOUND = 1e-6


@dataclass
class Substitution:
    """Each column measured from a bound: ``x_j = d_j x_(y_j) + offset_j + sign_j v_j`` with
    ``v_j >= 0``; ``d_j = 0`` and ``y_j = -1`` for a simple bound, else a variable bound
    ``x_j >= / <= d_j x_(y_j) + offset_j`` on an integer column ``y_j`` (continuous only)."""

    sign: np.ndarray
    offset: np.ndarray
    d: np.ndarray
    y: np.ndarray
    usable: np.ndarray  # the column has a finite bound to measure from
    value: np.ndarray  # v at the LP point
    width: np.ndarray  # upper bound of v for simple bounds (inf for variable bounds)


@dataclass
class _Base:
    """One row as ``coef · z + cont · t <= beta`` over ``z`` integer >= 0 (columns ``icols``,
    ``z <= width``) and ``t >= 0`` (columns ``ccols``), each as in a Substitution."""

    icols: np.ndarray
    coef: np.ndarray
    sign: np.ndarray
    offset: np.ndarray
    value: np.ndarray
    width: np.ndarray
    ccols: np.ndarray
    cont: np.ndarray
    cvalue: np.ndarray
    beta: float

    def flip(self, j: int) -> None:
        """Measure integer term j from its other bound (``z_j -> width_j - z_j``)."""
        self.beta -= self.coef[j] * self.width[j]
        self.coef[j] = -self.coef[j]
        self.value[j] = self.width[j] - self.value[j]
        self.offset[j] += self.sign[j] * self.width[j]
        self.sign[j] = -self.sign[j]


class MIRSeparator:
    """c-MIR cuts from the original rows, alone or aggregated along paths of continuous
    columns; bounds come from the LP's column bounds and from two-column rows that bound a
    continuous column by an integer one.

    Uses the LP's column bounds as global bounds (call it at the root)."""

    name = "mir"

    def __init__(self, max_rows: int = 500, max_aggregations: int = 3, max_deltas: int = 8,
                 max_flips: int = 8) -> None:
        self.max_rows = max_rows
        self.max_aggregations = max_aggregations
        self.max_deltas = max_deltas
        self.max_flips = max_flips

    def separate(self, lp: NodeLP, x: np.ndarray) -> list[Cut]:
        """At most one violated c-MIR cut per starting row."""
        lower, upper = integer_rounded(lp.lower, lp.upper, lp.integer_mask)
        rows = original_rows(lp)
        integer = lp.integer_mask
        sub = substitution(rows, x, lower, upper, integer)
        fractional = fractional_mask(x, integer)
        fractional |= (sub.y >= 0) & fractional[np.maximum(sub.y, 0)]  # via variable bounds
        paths = _Aggregator(rows, x, sub, integer)
        cuts = []
        for i in _candidate_rows(rows, paths.slack, fractional)[: self.max_rows]:
            path = paths.start(i)
            for _ in range(self.max_aggregations + 1):
                cut = self._cut(path, sub, integer, fractional, lower, upper)
                if cut is not None and cut.violation(x) > MIN_EFFICACY:
                    cuts.append(cut)
                    break
                if not paths.extend(path):
                    break
        return cuts

    def _cut(self, path: _Path, sub: Substitution, integer: np.ndarray, fractional: np.ndarray,
             lower: np.ndarray, upper: np.ndarray) -> Cut | None:
        """The best c-MIR cut of one aggregated row, in the columns (None when the row has
        no fractional integer column, directly or through a variable bound)."""
        cols = np.flatnonzero(path.a)
        if not fractional[cols].any():
            return None
        base = _base(cols, path.a[cols], path.rhs, sub, integer)
        found = None if base is None else self._best_cut(base)
        return None if found is None else _to_cut(base, sub, *found, lower, upper)

    def _best_cut(self, base: _Base) -> tuple[np.ndarray, np.ndarray, float] | None:
        """The MIR of ``base`` for the best divisor δ (candidates and their halves, quarters
        and eighths), then complementing integer columns one by one where it helps."""
        deltas = _divisors(base, self.max_deltas)
        if not deltas.size:
            return None
        deltas = np.concatenate([deltas / divisor for divisor in (1.0, 2.0, 4.0, 8.0)])
        efficacies = _efficacies(base, deltas)
        best = int(np.argmax(efficacies))
        efficacy, delta = efficacies[best], deltas[best : best + 1]
        if not np.isfinite(efficacy):
            return None
        for j in _flip_order(base)[: self.max_flips]:
            base.flip(j)
            trial = _efficacies(base, delta)[0]
            if trial > efficacy + _IMPROVEMENT:
                efficacy = trial
            else:
                base.flip(j)
        g, h, rhs, _ = _mir(base, delta)
        return g[0], h[0], float(rhs[0])


def substitution(rows: LessEqualRows, x: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                 integer: np.ndarray) -> Substitution:
    """For every column, the bound nearest to its LP value (variable bounds win ties)."""
    n = x.size
    options = [  # (distance, sign, offset, d, y) per column
        (x - lower, np.ones(n), lower, np.zeros(n), np.full(n, -1)),
        (upper - x, -np.ones(n), upper, np.zeros(n), np.full(n, -1)),
    ]
    options += _variable_bounds(rows, x, lower, upper, integer)
    distance = np.array([np.where(np.isfinite(o[0]), o[0], np.inf) for o in options])
    distance[2:] -= _AT_BOUND  # prefer a variable bound that is as tight
    pick = np.argmin(distance, axis=0)
    cols = np.arange(n)
    sign, offset, d, y = (np.array([o[k] for o in options])[pick, cols] for k in range(1, 5))
    d = np.where(y >= 0, d, 0.0)
    bound_value = offset + d * x[np.maximum(y, 0)]
    simple = y < 0
    return Substitution(
        sign=sign, offset=offset, d=d, y=y.astype(np.int64),
        usable=np.isfinite(distance[pick, cols]),
        value=np.maximum(sign * (x - bound_value), 0.0),
        width=np.where(simple, upper - lower, np.inf),
    )


def _variable_bounds(rows: LessEqualRows, x: np.ndarray, lower: np.ndarray,
                     upper: np.ndarray, integer: np.ndarray) -> list[tuple]:
    """The tightest variable lower and upper bound at ``x`` of each continuous column, from
    rows ``a x_j + c x_k <= b`` with x_j continuous and x_k integer (none: distance inf)."""
    M = rows.matrix
    n = x.size
    pairs = np.flatnonzero(np.diff(M.indptr) == 2)
    start = M.indptr[pairs]
    first, second = M.indices[start], M.indices[start + 1]
    one_integer = integer[first] != integer[second]
    pairs, start = pairs[one_integer], start[one_integer]
    swap = integer[M.indices[start]]
    j_at = start + swap  # position of the continuous column
    k_at = start + 1 - swap
    j, k, a, c = M.indices[j_at], M.indices[k_at], M.data[j_at], M.data[k_at]
    b = rows.rhs[pairs] + FEASIBILITY * np.maximum(1.0, np.abs(rows.rhs[pairs]))
    useful = np.isfinite(lower[k]) | np.isfinite(upper[k])
    if not useful.any():
        return []
    j, k, a, c, b = j[useful], k[useful], a[useful], c[useful], b[useful]
    d, offset = -c / a, b / a  # a > 0: x_j <= d x_k + offset; a < 0: x_j >= d x_k + offset
    found = []
    for is_upper, sign in ((False, 1.0), (True, -1.0)):
        mine = (a > 0) == is_upper
        jm, mine_at = j[mine], np.flatnonzero(mine)
        gap = sign * (x[jm] - d[mine] * x[k[mine]] - offset[mine])
        order = np.lexsort((gap, jm))  # by column, tightest first
        _, first = np.unique(jm[order], return_index=True)
        tightest = order[first]
        distance = np.full(n, np.inf)
        best = np.full(n, -1)
        distance[jm[tightest]] = np.maximum(gap[tightest], 0.0)
        best[jm[tightest]] = mine_at[tightest]
        has = best >= 0
        found.append((distance, np.full(n, sign), np.where(has, offset[best], 0.0),
                      np.where(has, d[best], 0.0), np.where(has, k[best], -1)))
    return found


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
        self.distance = np.where(~integer & sub.usable, sub.value, 0.0)

    def start(self, i: int) -> _Path:
        """The path holding row ``i`` alone."""
        a = np.zeros(self.matrix.shape[1])
        part = slice(self.matrix.indptr[i], self.matrix.indptr[i + 1])
        a[self.matrix.indices[part]] = self.matrix.data[part]
        return _Path(a, float(self.rhs[i]), {int(self.origin[i])})

    def extend(self, path: _Path) -> bool:
        """Add one row to the path, eliminating a continuous column; False when none can."""
        cols = np.flatnonzero(path.a)
        cols = cols[self.distance[cols] > _AT_BOUND]
        for j in cols[np.argsort(-self.distance[cols], kind="stable")]:
            part = slice(self.by_column.indptr[j], self.by_column.indptr[j + 1])
            rows, values = self.by_column.indices[part], self.by_column.data[part]
            fit = (values * path.a[j] < 0) & ~np.isin(self.origin[rows], list(path.used))
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


def _base(cols: np.ndarray, a: np.ndarray, rhs: float, sub: Substitution,
          integer: np.ndarray) -> _Base | None:
    """``a · x <= rhs`` with every column substituted; None if one has no bound."""
    if not np.all(sub.usable[cols]):
        return None
    cont = ~integer[cols]
    ccols, ca = cols[cont], a[cont]
    beta = rhs - float(ca @ sub.offset[ccols])
    via = sub.y[ccols] >= 0
    icols, coef = cols[~cont], a[~cont]
    if via.any():  # integer columns brought in by variable bounds join the row's own
        icols, inverse = np.unique(np.concatenate([icols, sub.y[ccols][via]]),
                                   return_inverse=True)
        coef = np.bincount(inverse, np.concatenate([coef, ca[via] * sub.d[ccols][via]]),
                           minlength=icols.size)
    sign, offset = sub.sign[icols], sub.offset[icols]
    beta -= float(coef @ offset)
    width = sub.width[icols]
    coef = np.where(width > 0, coef * sign, 0.0)
    return _Base(icols, coef, sign, offset, sub.value[icols], width,
                 ccols, ca * sub.sign[ccols], sub.value[ccols], beta)


def _divisors(base: _Base, limit: int) -> np.ndarray:
    """Candidate δ: magnitudes of the coefficients of integer columns strictly between
    their bounds, largest LP value first."""
    inside = _inside(base)
    order = inside[np.argsort(-base.value[inside], kind="stable")]
    magnitudes = np.abs(base.coef[order])
    _, first = np.unique(magnitudes, return_index=True)
    return magnitudes[np.sort(first)][:limit]


def _inside(base: _Base) -> np.ndarray:
    """Integer terms with a nonzero coefficient strictly between their bounds."""
    return np.flatnonzero((base.coef != 0) & (base.value > _AT_BOUND) & (
        base.value < base.width - _AT_BOUND))


def _flip_order(base: _Base) -> np.ndarray:
    """Integer terms with two finite bounds strictly between them, nearest midpoint first."""
    inside = _inside(base)
    inside = inside[np.isfinite(base.width[inside])]
    return inside[np.argsort(np.abs(base.value[inside] - base.width[inside] / 2),
                             kind="stable")]


def _mir(base: _Base, deltas: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                    np.ndarray]:
    """The MIRs ``g · z + h · t <= rhs`` of ``base`` divided by each δ, scaled back by δ
    (one row per δ), and which δ give a usable fractional part."""
    scaled = base.beta / deltas
    down = np.floor(scaled)
    f0 = scaled - down
    usable = (np.abs(scaled) <= MAX_SCALED_RHS) & (f0 >= MIN_FRACTION) & (
        f0 <= 1.0 - MIN_FRACTION)
    f0 = np.where(usable, f0, 0.5)[:, None]
    a = base.coef / deltas[:, None]
    floor_a = np.floor(a)
    g = (floor_a + np.maximum(a - floor_a - f0, 0.0) / (1.0 - f0)) * deltas[:, None]
    h = np.minimum(base.cont, 0.0) / (1.0 - f0)
    return g, h, down * deltas, usable


def _efficacies(base: _Base, deltas: np.ndarray) -> np.ndarray:
    """Violation per unit norm, in the substituted space, of the MIR of each divisor δ."""
    g, h, rhs, usable = _mir(base, deltas)
    norm = np.sqrt((g * g).sum(axis=1) + (h * h).sum(axis=1))
    violation = g @ base.value + h @ base.cvalue - rhs
    usable &= norm > 0
    return np.where(usable, violation / np.where(usable, norm, 1.0), -np.inf)


def _to_cut(base: _Base, sub: Substitution, g: np.ndarray, h: np.ndarray, rhs: float,
            lower: np.ndarray, upper: np.ndarray) -> Cut | None:
    """``g · z + h · t <= rhs`` back in the columns, as ``coefficients · x >= rhs``.

    ``z = sign (x - offset)``; ``t = sign (x - d x_y - offset)``."""
    alpha = np.zeros(lower.size)
    gz, ht = g * base.sign, h * sub.sign[base.ccols]
    np.add.at(alpha, base.icols, gz)
    np.add.at(alpha, base.ccols, ht)
    via = sub.y[base.ccols] >= 0
    np.add.at(alpha, sub.y[base.ccols][via], -(ht * sub.d[base.ccols])[via])
    rhs += float(gz @ base.offset) + float(ht @ sub.offset[base.ccols])
    return _clean(-alpha, -rhs, lower, upper)
