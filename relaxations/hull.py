"""The convex hull of a required disjunction of linear conjunctions (Balas).

``either(D_1, ..., D_k)`` where each ``D_i`` is a conjunction of comparisons and binary
variables: every variable ``x`` in it is split into copies ``x = x^1 + ... + x^k``, one per
disjunct, with a binary ``λ_i`` (``Σ λ_i = 1``) scaling disjunct ``i``'s rows and bounds,
``A x^i <= b λ_i`` and ``l λ_i <= x^i <= u λ_i``. The relaxation is the convex hull of the
union, the tightest there is; it needs finite bounds on every variable involved.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from branchwise.expr import Constraint, LinExpr, Rows, quicksum
from branchwise.logic import And, Literal, Not, Or, negate
from branchwise.relaxations import choice
from branchwise.relaxations.atoms import le_rows
from branchwise.relaxations.requirement import Requirement
from branchwise.relaxations.target import Target, column

Disjunct = list[Constraint | Literal]


class HullPass:
    """A required ``Or`` whose disjuncts are linear conjunctions, when the hull is chosen."""

    def accepts(self, item: Any, target: Target) -> bool:
        if not (isinstance(item, Requirement) and isinstance(item.condition, Or)):
            return False
        disjuncts = [conjunction(c) for c in item.condition.children]
        if any(d is None for d in disjuncts):
            return False
        cols = _columns(disjuncts)
        bounded = bool(np.all(np.isfinite(target.bounds.lower[cols]))
                       and np.all(np.isfinite(target.bounds.upper[cols])))
        return choice.use_hull(target.options, len(disjuncts), len(cols), bounded)

    def apply(self, item: Requirement, target: Target) -> None:
        disjuncts = [conjunction(c) for c in item.condition.children]
        cols = _columns(disjuncts)
        lower, upper = target.bounds.lower[cols], target.bounds.upper[cols]
        weights = [target.binary("_hull") for _ in disjuncts]
        target.add_row(quicksum(weights), 1.0, 1.0, hint="_hull")
        copies = []
        for disjunct, weight in zip(disjuncts, weights, strict=True):
            parts = target.new_columns(len(cols), np.minimum(lower, 0), np.maximum(upper, 0),
                                       False, "_part")
            mapping = {int(j): int(p.rows.indices[0]) for j, p in zip(cols, parts, strict=True)}
            for part, lo, hi in zip(parts, lower, upper, strict=True):
                target.add_row(part - hi * weight, upper=0.0, hint="_hull")
                target.add_row(part - lo * weight, lower=0.0, hint="_hull")
            for piece in disjunct:
                _add_piece(target, piece, mapping, weight)
            copies.append(parts)
        for k, j in enumerate(cols):
            target.add_row(column(int(j)) - quicksum(c[k] for c in copies), 0.0, 0.0, "_hull")

    def invert(self, data: None, x: Any, witness: dict) -> None:
        """Nothing to map back: the original variables stay in the problem."""


def _add_piece(target: Target, piece: Constraint | Literal, mapping: dict[int, int],
               weight: LinExpr) -> None:
    """One comparison or literal of a disjunct, on that disjunct's copies."""
    if isinstance(piece, Literal):
        part = column(mapping[piece.column])
        if piece.positive:
            target.add_row(part - weight, lower=0.0, hint="_hull")
        else:
            target.add_row(part, upper=0.0, hint="_hull")
        return
    for e in le_rows(piece, target.integral, target.options.strict_gap):
        target.add_row(_on_copies(e, mapping) + float(e.const[0]) * weight, upper=0.0,
                       hint="_hull")


def _on_copies(e: LinExpr, mapping: dict[int, int]) -> LinExpr:
    """The terms of ``e`` on the copies named by ``mapping`` (the constant left out)."""
    coef = e.coef.tocoo()
    coef.eliminate_zeros()
    indices = np.array([mapping[int(j)] for j in coef.col], dtype=np.int64)
    rows = Rows(np.array([0, len(indices)]), indices, coef.data.astype(float))
    return LinExpr(None, rows, np.zeros(1), ())


def conjunction(cond: Any) -> Disjunct | None:
    """The comparisons and literals of a conjunction, or None when it is anything else."""
    if isinstance(cond, Not):
        cond = negate(cond.child)
    if isinstance(cond, Literal) or (isinstance(cond, Constraint) and not cond.is_quadratic):
        return [cond]
    if isinstance(cond, And):
        parts = [conjunction(c) for c in cond.children]
        return None if any(p is None for p in parts) else [q for p in parts for q in p]
    return None


def _columns(disjuncts: list[Disjunct]) -> np.ndarray:
    """Every column used by the disjuncts, sorted."""
    found: set[int] = set()
    for piece in (p for d in disjuncts for p in d):
        if isinstance(piece, Literal):
            found.add(piece.column)
        else:
            coef = piece.body.coef.tocoo()
            coef.eliminate_zeros()
            found.update(int(j) for j in coef.col)
    return np.array(sorted(found), dtype=np.int64)
