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

from branchwise.core.problem import Problem

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


#: Shapes of :func:`random_shaped_milp`, each stressing one thing the search must survive.
SHAPES = ("equality_heavy", "free_integers", "big_m", "degenerate")


def random_shaped_milp(seed: int, shape: str | None = None) -> Problem:
    """A small random MILP of one of :data:`SHAPES` (drawn from ``seed`` unless given):

    * ``equality_heavy``: most rows are equations through x0, integral coefficients, so
      the integer points on them are sparse and the LP optimum rarely integral;
    * ``free_integers``: integer columns without bounds on either side, held (or not) by
      range rows over boxed columns, so the search must branch on unbounded domains;
    * ``big_m``: facility location with capacities ``x <= M y`` for M in 1e4-1e6 and
      demands as small as 0.01, so LP points carry y values within the integrality
      tolerance of 0 that the rows do not allow to be rounded;
    * ``degenerate``: rows tight at x0, scaled copies of rows and an objective that is
      a combination of rows, so many vertices tie and the LP is degenerate.

    The shape goes into ``problem.name``; the verdict that counts is an independent solver's.
    """
    rng = np.random.default_rng([seed, 19])
    shape = shape or str(rng.choice(SHAPES))
    if shape == "big_m":
        problem = _facility_location(rng)
    elif shape in ("equality_heavy", "free_integers", "degenerate"):
        problem = _shaped_rows(rng, shape)
    else:
        raise ValueError(f"unknown shape {shape!r}: expected one of {', '.join(SHAPES)}")
    problem.name = f"random_shaped_{seed}_{shape}"
    return problem


def _facility_location(rng: np.random.Generator) -> Problem:
    """Facilities ``y_j`` (binary, opening cost) serving customers' demands through flows
    ``x_ij >= 0``: ``sum_j x_ij >= d_i`` (or ``=``) and ``sum_i x_ij <= M_j y_j`` (per
    facility, or per flow as well), with M_j log-uniform in [1e4, 1e6]."""
    facilities, customers = int(rng.integers(2, 6)), int(rng.integers(1, 6))
    n_flows = facilities * customers
    n = n_flows + facilities
    flow = lambda i, j: i * facilities + j  # noqa: E731 - column of customer i, facility j
    opening = lambda j: n_flows + j  # noqa: E731
    demand = np.round(10.0 ** rng.uniform(-2.0, 3.0, customers), 3)
    capacity = np.round(10.0 ** rng.uniform(4.0, 6.0, facilities), 2)
    rows, lower, upper = [], [], []

    def add(coeffs: dict[int, float], lo: float, hi: float) -> None:
        row = np.zeros(n)
        for col, value in coeffs.items():
            row[col] = value
        rows.append(row)
        lower.append(lo)
        upper.append(hi)

    equal_demand = rng.random() < 0.3
    for i in range(customers):
        add({flow(i, j): 1.0 for j in range(facilities)}, demand[i],
            demand[i] if equal_demand else np.inf)
    per_flow = rng.random() < 0.3
    for j in range(facilities):
        add({**{flow(i, j): 1.0 for i in range(customers)}, opening(j): -capacity[j]},
            -np.inf, 0.0)
        if per_flow:
            for i in range(customers):
                add({flow(i, j): 1.0, opening(j): -capacity[j]}, -np.inf, 0.0)
    if rng.random() < 0.5:
        add({opening(j): 1.0 for j in range(facilities)}, 1.0, np.inf)
    c = np.concatenate([np.round(rng.uniform(0.5, 30.0, n_flows), 3),
                        np.round(rng.uniform(500.0, 6000.0, facilities), 2)])
    integrality = np.arange(n) >= n_flows
    return Problem(
        c=c, A=np.array(rows), row_lower=np.array(lower), row_upper=np.array(upper),
        col_lower=np.zeros(n), col_upper=np.where(integrality, 1.0, np.inf),
        integrality=integrality)


def _shaped_rows(rng: np.random.Generator, shape: str) -> Problem:
    """Random rows around an integral-where-needed x0, arranged per ``shape`` (see
    :func:`random_shaped_milp`)."""
    n = int(rng.integers(3, 13))
    draft = _columns(rng, n, "bounded")
    if shape == "free_integers":
        ints = np.flatnonzero(draft.integrality)
        if ints.size == 0:
            ints = rng.integers(0, n, 1)
            draft.integrality[ints] = True
            draft.x0[ints] = np.round(draft.x0[ints])
        free = ints[rng.random(ints.size) < 0.7]
        free = free if free.size else ints[:1]
        draft.col_lower[free], draft.col_upper[free] = -np.inf, np.inf
    if shape == "equality_heavy":
        draft.integral_coefficients = True
    n_rows = int(rng.integers(2, 11))
    if shape == "free_integers":  # room for a guard on every open column: none gets boxed
        n_rows += int(np.sum(np.isinf(draft.col_lower) | np.isinf(draft.col_upper)))
    if shape != "free_integers" or rng.random() < 0.8:
        n_rows -= _add_guards(draft, n_rows)
    row_shapes, weights = ("eq", "range", "le", "ge"), {
        "equality_heavy": (0.7, 0.1, 0.1, 0.1),
        "free_integers": (0.2, 0.2, 0.3, 0.3),
        "degenerate": (0.2, 0.0, 0.4, 0.4),
    }[shape]
    for _ in range(max(n_rows, 1)):
        support = np.flatnonzero(rng.random(n) < rng.uniform(0.3, 1.0))
        if not support.size:
            support = rng.integers(0, n, 1)
        row_shape = str(rng.choice(row_shapes, p=weights))
        if shape == "degenerate":
            _add_tight_row(draft, support, row_shape)
        else:
            draft.add_random_row(support, row_shape)
    c = draft.coefficients(n) * (rng.random(n) < 0.8)
    if shape == "degenerate":
        c = _degenerate_objective(draft, c)
    maximize = bool(rng.random() < 0.5)
    return draft.problem(c, maximize, 0.0, "")


def _add_tight_row(draft: _Draft, support: np.ndarray, shape: str) -> None:
    """A row tight at x0 on its finite side(s), sometimes followed by a scaled copy."""
    coeffs = np.zeros(draft.n)
    coeffs[support] = draft.coefficients(len(support), nonzero=True)
    act = draft.activity(coeffs)
    lower = -np.inf if shape == "le" else act
    upper = np.inf if shape == "ge" else act
    draft.add_row(coeffs, lower, upper)
    if draft.rng.random() < 0.4:
        scale = float(draft.rng.choice((-2.0, 0.5, 3.0)))
        sides = (scale * lower, scale * upper)
        draft.add_row(scale * coeffs, min(sides), max(sides))


def _degenerate_objective(draft: _Draft, c: np.ndarray) -> np.ndarray:
    """Half the time, the objective becomes a small combination of rows (constant on
    their tight face, so whole faces tie); else ``c`` with a third of its entries zeroed."""
    if draft.rng.random() < 0.5 and draft.rows:
        picks = draft.rng.choice(len(draft.rows), size=min(2, len(draft.rows)), replace=False)
        weights = draft.rng.choice((-1.0, 1.0), size=len(picks))
        return np.round(sum(w * draft.rows[k] for w, k in zip(weights, picks, strict=True)), 2)
    return c * (draft.rng.random(draft.n) < 0.67)
