"""Seeded generator of small random MILPs for differential tests and benchmarks.

Every instance is built around a reference point ``x0`` (integral where the column is
integer) that satisfies every row except those added on purpose to make the problem
infeasible. The kind an instance was built as is recorded in ``problem.name``; the verdict
that counts is an independent solver's, since the kinds only steer the mix:

* ``bounded``: every column with an infinite bound gets a range "guard" row over it and
  boxed columns only, so the feasible set is bounded and the problem has an optimum.
* ``open``: like ``bounded`` without guards; optimal or unbounded as it falls.
* ``unbounded``: an integral ray ``r`` (one or two columns) along which every row stays
  satisfied and the objective improves strictly, so ``x0 + t·r`` is feasible for all t >= 0.
* ``infeasible_rows``: two rows ``a·x <= b - d`` and ``2a·x >= 2b``.
* ``infeasible_integer``: LP-feasible but integer-infeasible, either by parity
  (even coefficients, odd right-hand side) or by an odd cycle of binaries
  (``xi + xj <= 1`` on a triangle and ``x1 + x2 + x3 >= 2``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from branchwise.problem import Problem

KINDS = ("bounded", "open", "unbounded", "infeasible_rows", "infeasible_integer")
_KIND_WEIGHTS = (0.55, 0.10, 0.13, 0.07, 0.15)
# Fewest rows per kind: its own special rows (a ray's coupling row plus one ordinary row).
_SPECIAL_ROWS = {"bounded": 0, "open": 0, "unbounded": 2, "infeasible_rows": 2,
                 "infeasible_integer": 4}
# Column bound shapes around x0 and how often each is drawn.
_SHAPES = ("boxed", "lower", "upper", "free")
_SHAPE_WEIGHTS = (0.65, 0.15, 0.08, 0.12)


@dataclass
class _Draft:
    """A problem under construction: columns around ``x0`` and rows as dense vectors."""

    rng: np.random.Generator
    integral_coefficients: bool
    x0: np.ndarray
    integrality: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    rows: list[np.ndarray] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.x0)

    def coefficients(self, size: int, nonzero: bool = False) -> np.ndarray:
        """Small integers in [-5, 5] or reals with two decimals, per the draft's style."""
        if self.integral_coefficients:
            values = self.rng.integers(-5, 6, size).astype(float)
        else:
            values = np.round(self.rng.uniform(-5.0, 5.0, size), 2)
        if nonzero:
            values[values == 0.0] = 1.0
        return values

    def slack(self) -> float:
        """A non-negative distance from x0's activity to a row side."""
        if self.integral_coefficients and self.rng.random() < 0.7:
            return float(self.rng.integers(0, 4))
        return round(float(self.rng.uniform(0.0, 4.0)), 1)

    def activity(self, coeffs: np.ndarray) -> float:
        """Row activity at x0, rounded to drop binary noise (the exact value has <= 6 decimals)."""
        return round(float(coeffs @ self.x0), 6)

    def add_row(self, coeffs: np.ndarray, lower: float, upper: float) -> None:
        """Append one row with absolute sides."""
        self.rows.append(coeffs)
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def add_random_row(self, support: np.ndarray, shape: str) -> None:
        """A row over ``support`` with sides placed around x0's activity by ``shape``."""
        coeffs = np.zeros(self.n)
        coeffs[support] = self.coefficients(len(support), nonzero=True)
        act = self.activity(coeffs)
        lower = -np.inf if shape == "le" else act - (0.0 if shape == "eq" else self.slack())
        upper = np.inf if shape == "ge" else act + (0.0 if shape == "eq" else self.slack())
        self.add_row(coeffs, lower, upper)

    def problem(self, c: np.ndarray, maximize: bool, offset: float, name: str) -> Problem:
        """The finished Problem."""
        return Problem(
            c=c, A=np.array(self.rows), row_lower=np.array(self.row_lower),
            row_upper=np.array(self.row_upper),
            col_lower=self.col_lower, col_upper=self.col_upper, integrality=self.integrality,
            objective_offset=offset, maximize=maximize, name=name,
        )


def random_milp(seed: int) -> Problem:
    """A small random MILP (2-12 columns, 1-10 rows) determined by ``seed``."""
    rng = np.random.default_rng(seed)
    kind = str(rng.choice(KINDS, p=_KIND_WEIGHTS))
    n = int(rng.integers(3 if kind == "infeasible_integer" else 2, 13))
    n_rows = max(int(rng.integers(1, 11)), _SPECIAL_ROWS[kind])
    draft = _columns(rng, n, kind)
    if kind == "infeasible_integer" and rng.random() < 0.5:
        _add_odd_cycle(draft)
    elif kind == "infeasible_integer":
        _add_parity_row(draft)
    elif kind == "infeasible_rows":
        _add_contradiction(draft)
    budget = n_rows - len(draft.rows) - (kind == "unbounded")
    if kind in ("bounded", "unbounded"):
        budget -= _add_guards(draft, budget)
    for _ in range(budget):
        density = rng.uniform(0.3, 1.0)
        support = np.flatnonzero(rng.random(n) < density)
        if not support.size:
            support = rng.integers(0, n, 1)
        draft.add_random_row(support, str(rng.choice(("eq", "range", "le", "ge"),
                                                     p=(0.15, 0.25, 0.3, 0.3))))
    c = draft.coefficients(n) * (rng.random(n) < 0.8)
    maximize = bool(rng.random() < 0.5)
    if kind == "unbounded":
        _open_ray(draft, c, maximize)
    offset = round(float(rng.uniform(-10.0, 10.0)), 2) if rng.random() < 0.2 else 0.0
    return draft.problem(c, maximize, offset, f"random_milp_{seed}_{kind}")


def _columns(rng: np.random.Generator, n: int, kind: str) -> _Draft:
    """Reference point, integrality and column bounds around it."""
    share = rng.choice((0.0, 1.0, rng.uniform(0.2, 0.8)), p=(0.1, 0.2, 0.7))
    integrality = rng.random(n) < share
    if kind == "infeasible_integer":
        integrality[:3] = True
    x0 = np.where(integrality, rng.integers(-3, 6, n), np.round(rng.uniform(-3.0, 6.0, n), 1))
    lower, upper = np.empty(n), np.empty(n)
    for j in range(n):
        shape = rng.choice(_SHAPES, p=_SHAPE_WEIGHTS)
        below, above = rng.integers(0, 4, 2).astype(float)
        if integrality[j] and rng.random() < 0.15:
            below, above = below + 0.5, above + 0.5
        elif not integrality[j]:
            below, above = below + rng.integers(0, 10) / 10, above + rng.integers(0, 10) / 10
        lower[j] = x0[j] - below if shape in ("boxed", "lower") else -np.inf
        upper[j] = x0[j] + above if shape in ("boxed", "upper") else np.inf
    return _Draft(rng, bool(rng.random() < 0.6), x0, integrality, lower, upper)


def _add_guards(draft: _Draft, budget: int) -> int:
    """Bound every column with an infinite bound by a range row over boxed columns.

    Columns beyond ``budget`` guard rows are boxed instead. Returns the rows added.
    """
    open_cols = np.flatnonzero(~np.isfinite(draft.col_lower) | ~np.isfinite(draft.col_upper))
    guarded, surplus = open_cols[: max(budget, 0)], open_cols[max(budget, 0):]
    lower, upper, x0 = draft.col_lower, draft.col_upper, draft.x0
    lower[surplus] = np.where(np.isfinite(lower[surplus]), lower[surplus], x0[surplus] - 2.0)
    upper[surplus] = np.where(np.isfinite(upper[surplus]), upper[surplus], x0[surplus] + 2.0)
    boxed = np.flatnonzero(np.isfinite(draft.col_lower) & np.isfinite(draft.col_upper))
    for j in guarded:
        partners = draft.rng.choice(boxed, size=min(len(boxed), 2), replace=False)
        support = np.concatenate(([j], partners)).astype(int)
        draft.add_random_row(support, "range")
    return len(guarded)


def _add_contradiction(draft: _Draft) -> None:
    """Rows ``a·x <= a·x0 - d`` and ``2a·x >= 2a·x0``: no point satisfies both."""
    coeffs = draft.coefficients(draft.n, nonzero=True)
    act = draft.activity(coeffs)
    gap = float(draft.rng.choice((0.5, 1.0, 3.0)))
    draft.add_row(coeffs, -np.inf, act - gap)
    draft.add_row(2.0 * coeffs, 2.0 * act, np.inf)


def _add_parity_row(draft: _Draft) -> None:
    """Even coefficients on integer columns 0-2 with an odd right-hand side; LP-feasible."""
    cols = np.arange(3)
    draft.col_lower[cols] = draft.x0[cols] - 1.0
    draft.col_upper[cols] = draft.x0[cols] + 2.0
    coeffs = np.zeros(draft.n)
    coeffs[cols] = 2.0 * draft.rng.choice((-3.0, -2.0, -1.0, 1.0, 2.0, 3.0), size=3)
    rhs = draft.activity(coeffs) + 1.0
    draft.add_row(coeffs, rhs, rhs)


def _add_odd_cycle(draft: _Draft) -> None:
    """Binaries 0-2 pairwise at most 1 yet summing to at least 2; x = 2/3 is LP-feasible."""
    draft.col_lower[:3], draft.col_upper[:3] = 0.0, 1.0
    draft.x0[:3] = (1.0, 0.0, 0.0)
    for i, j in ((0, 1), (1, 2), (0, 2)):
        coeffs = np.zeros(draft.n)
        coeffs[[i, j]] = 1.0
        draft.add_row(coeffs, -np.inf, 1.0)
    coeffs = np.zeros(draft.n)
    coeffs[:3] = 1.0
    draft.add_row(coeffs, 2.0, np.inf)


def _open_ray(draft: _Draft, c: np.ndarray, maximize: bool) -> None:
    """Make an integral ray from x0 feasible and strictly improving (edits draft and ``c``)."""
    rng = draft.rng
    cols = rng.choice(draft.n, size=int(rng.integers(1, 3)), replace=False)
    ray = np.zeros(draft.n)
    ray[cols] = rng.choice((-1.0, 1.0), size=len(cols))
    if len(cols) == 2:
        coeffs = np.zeros(draft.n)
        scale = float(rng.integers(1, 4))
        coeffs[cols] = (scale, -scale * ray[cols[0]] * ray[cols[1]])
        act = draft.activity(coeffs)
        draft.add_row(coeffs, act, act)
    draft.col_upper[ray > 0] = np.inf
    draft.col_lower[ray < 0] = -np.inf
    for i, coeffs in enumerate(draft.rows):
        along = float(coeffs @ ray)
        if along > 0:
            draft.row_upper[i] = np.inf
        elif along < 0:
            draft.row_lower[i] = -np.inf
    sign = -1.0 if maximize else 1.0
    improving = sign * float(c @ ray)
    if improving >= 0:
        step = float(rng.integers(1, 4))
        c[cols[0]] = round(c[cols[0]] - sign * ray[cols[0]] * (improving + step), 2)
