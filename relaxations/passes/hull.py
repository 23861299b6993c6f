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

from branchwise.expr import Constraint, Rows, scalar_terms
from branchwise.logic import And, Literal, Not, Or, negate
from branchwise.relaxations import choice
from branchwise.relaxations.analysis.requirement import Requirement
from branchwise.relaxations.lowering import Lowering
from branchwise.relaxations.passes.atoms import le_rows
from branchwise.relaxations.target import Target

Disjunct = list[Constraint | Literal]


class HullPass(Lowering):
    """A required ``Or`` whose disjuncts are linear conjunctions, when the hull is chosen."""

    def __init__(self) -> None:
        #: (item, its disjuncts, their columns) of the last item accepted, for apply.
        self._accepted: tuple[Any, list[Disjunct], np.ndarray] | None = None

    def accepts(self, item: Requirement, target: Target) -> bool:
        if not isinstance(item.condition, Or) or not choice.hull_possible(
                target.options, len(item.condition.children)):
            return False  # (cheaply: two-term disjunctions never get it in "auto")
        disjuncts = [conjunction(c) for c in item.condition.children]
        if any(d is None for d in disjuncts):
            return False
        cols = _columns(disjuncts)
        self._accepted = (item, disjuncts, cols)
        bounded = bool(np.all(np.isfinite(target.bounds.lower[cols]))
                       and np.all(np.isfinite(target.bounds.upper[cols])))
        return choice.use_hull(target.options, len(disjuncts), len(cols), bounded)

    def apply(self, item: Requirement, target: Target) -> None:
        if self._accepted is not None and self._accepted[0] is item:
            _, disjuncts, cols = self._accepted
        else:
            disjuncts = [conjunction(c) for c in item.condition.children]
            cols = _columns(disjuncts)
        lower, upper = target.bounds.lower[cols], target.bounds.upper[cols]
        weights = target.new_column_indices(len(disjuncts), 0.0, 1.0, True, "_hull")
        target.add_rows(_row(weights, np.ones(len(weights))), np.ones(1), np.ones(1), "_hull")
        copies = []
        for disjunct, weight in zip(disjuncts, weights, strict=True):
            parts = target.new_column_indices(len(cols), np.minimum(lower, 0),
                                              np.maximum(upper, 0), False, "_part")
            mapping = dict(zip(cols.tolist(), parts.tolist(), strict=True))
            rows, row_lower, row_upper = _scaled_bounds(parts, weight, lower, upper)
            for piece in disjunct:
                rows, row_lower, row_upper = _with_piece(
                    target, piece, mapping, weight, (rows, row_lower, row_upper))
            target.add_rows(Rows.stack(rows), np.concatenate(row_lower),
                            np.concatenate(row_upper), "_hull")
            copies.append(parts)
        target.add_rows(_linking(cols, np.array(copies).reshape(len(copies), len(cols))),
                        np.zeros(len(cols)), np.zeros(len(cols)), "_hull")


Block = tuple[list[Rows], list[np.ndarray], list[np.ndarray]]


def _row(indices: np.ndarray, data: np.ndarray) -> Rows:
    return Rows(np.array([0, len(indices)]), np.asarray(indices, np.int64),
                np.asarray(data, dtype=float))


def _scaled_bounds(parts: np.ndarray, weight: int, lower: np.ndarray,
                   upper: np.ndarray) -> Block:
    """The rows ``part - u λ <= 0`` and ``part - l λ >= 0`` of every copy, interleaved."""
    n = parts.size
    indices = np.empty((2 * n, 2), np.int64)
    indices[:, 0], indices[:, 1] = np.repeat(parts, 2), weight
    data = np.empty((2 * n, 2))
    data[:, 0] = 1.0
    data[0::2, 1], data[1::2, 1] = -upper, -lower
    rows = Rows(np.arange(0, 4 * n + 1, 2), indices.ravel(), data.ravel())
    row_lower = np.tile([-np.inf, 0.0], n)
    row_upper = np.tile([0.0, np.inf], n)
    return [rows], [row_lower], [row_upper]


def _with_piece(target: Target, piece: Constraint | Literal, mapping: dict[int, int],
                weight: int, block: Block) -> Block:
    """``block`` with the rows of one comparison or literal of a disjunct, on that
    disjunct's copies."""
    rows, row_lower, row_upper = block
    if isinstance(piece, Literal):
        part = mapping[piece.column]
        if piece.positive:  # part - λ >= 0
            rows.append(_row(np.array([part, weight]), np.array([1.0, -1.0])))
            row_lower.append(np.zeros(1))
            row_upper.append(np.full(1, np.inf))
        else:  # part <= 0
            rows.append(_row(np.array([part]), np.ones(1)))
            row_lower.append(np.full(1, -np.inf))
            row_upper.append(np.zeros(1))
        return rows, row_lower, row_upper
    for e in le_rows(piece, target.integral, target.options.strict_gap):
        cols, data = scalar_terms(e)
        indices = [mapping[j] for j in cols.tolist()]
        rows.append(_row(np.array([*indices, weight]), np.append(data, float(e.const[0]))))
        row_lower.append(np.full(1, -np.inf))
        row_upper.append(np.zeros(1))
    return rows, row_lower, row_upper


def _linking(cols: np.ndarray, copies: np.ndarray) -> Rows:
    """The rows ``x_j - Σ_i x_j^i = 0``, one per column ``j``; ``copies[i, t]`` is column
    ``cols[t]``'s copy in disjunct ``i``."""
    k, n = copies.shape
    indices = np.column_stack([cols, copies.T]).ravel()
    data = np.tile(np.concatenate([[1.0], -np.ones(k)]), n)
    return Rows(np.arange(0, (k + 1) * n + 1, k + 1), indices.astype(np.int64), data)


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
            found.update(scalar_terms(piece.body)[0].tolist())
    return np.array(sorted(found), dtype=np.int64)
