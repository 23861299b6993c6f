"""What the row-based separators start from: the original rows as ``a·x <= b``, the global
column bounds, and each row relaxed to a knapsack over binary literals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from branchwise.core.tolerances import FEASIBILITY, INTEGRALITY
from branchwise.solver.relax.lp import NodeLP

#: Separators return a cut only when the LP point violates it by at least this efficacy.
MIN_EFFICACY = 1e-6


@dataclass
class LessEqualRows:
    """Every finite side of the rows as ``matrix[i] · x <= rhs[i]`` (``>=`` sides negated);
    ``origin[i]`` is the row it came from."""

    matrix: sp.csr_matrix
    rhs: np.ndarray
    origin: np.ndarray


def less_equal_rows(A: sp.csr_matrix, row_lower: np.ndarray,
                    row_upper: np.ndarray) -> LessEqualRows:
    """The ``<=`` form of the rows ``row_lower <= A x <= row_upper``."""
    upper, lower = np.isfinite(row_upper), np.isfinite(row_lower)
    matrix = sp.vstack([A[upper], -A[lower]], format="csr")
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return LessEqualRows(matrix, np.concatenate([row_upper[upper], -row_lower[lower]]),
                         np.concatenate([np.flatnonzero(upper), np.flatnonzero(lower)]))


def original_rows(lp: NodeLP) -> LessEqualRows:
    """The ``<=`` form of the problem's own rows (cuts already in the LP left out)."""
    m = lp.problem.n_rows
    return less_equal_rows(lp.A[:m], lp.row_lower[:m], lp.row_upper[:m])


def integer_rounded(lower: np.ndarray, upper: np.ndarray,
                    integer_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Copies of the bounds with integer columns' bounds rounded inwards."""
    lower, upper = lower.copy(), upper.copy()
    lower[integer_mask] = np.ceil(lower[integer_mask] - FEASIBILITY)
    upper[integer_mask] = np.floor(upper[integer_mask] + FEASIBILITY)
    return lower, upper


def fractional_mask(x: np.ndarray, integer_mask: np.ndarray) -> np.ndarray:
    """Integer columns whose value is not integral."""
    return integer_mask & (np.abs(x - np.round(x)) > INTEGRALITY)


@dataclass
class BinaryKnapsacks:
    """Each row relaxed to ``Σ weight_k · y_k <= capacity`` over binary literals ``y_k``.

    Nonzeros of row ``i`` are ``indptr[i]:indptr[i+1]``; literal ``k`` is column
    ``cols[k]`` itself, or its complement ``1 - x`` where ``complemented[k]``. Every other
    column sits at the bound that minimises the row, which only relaxes it; rows whose
    minimum is unbounded have capacity ``inf`` and imply nothing.
    """

    indptr: np.ndarray
    cols: np.ndarray
    weights: np.ndarray
    complemented: np.ndarray
    capacity: np.ndarray
    row_scale: np.ndarray  # max(1, |b|) of the row, for tolerances

    def row(self, i: int) -> slice:
        """Where row ``i``'s literals sit in the arrays."""
        return slice(self.indptr[i], self.indptr[i + 1])

    def literal_values(self, x: np.ndarray) -> np.ndarray:
        """Values of the literals at ``x``, per nonzero."""
        values = x[self.cols]
        return np.where(self.complemented, 1.0 - values, values)


def binary_mask(lower: np.ndarray, upper: np.ndarray, integer_mask: np.ndarray) -> np.ndarray:
    """Integer columns with bounds exactly [0, 1] (pass integer-rounded bounds)."""
    return integer_mask & (lower == 0.0) & (upper == 1.0)


def binary_knapsacks(rows: LessEqualRows, lower: np.ndarray, upper: np.ndarray,
                     binary: np.ndarray) -> BinaryKnapsacks:
    """Relax every row to a knapsack over its binary columns' literals."""
    M = rows.matrix
    row_of = np.repeat(np.arange(M.shape[0]), np.diff(M.indptr))
    a, cols = M.data, M.indices
    with np.errstate(invalid="ignore"):
        minimum = a * np.where(a > 0, lower[cols], upper[cols])
    infinite = np.bincount(row_of, ~np.isfinite(minimum), minlength=M.shape[0]) > 0
    finite_sum = np.bincount(row_of, np.where(np.isfinite(minimum), minimum, 0.0),
                             minlength=M.shape[0])
    capacity = np.where(infinite, np.inf, rows.rhs - finite_sum)
    keep = binary[cols]
    counts = np.bincount(row_of[keep], minlength=M.shape[0])
    return BinaryKnapsacks(
        indptr=np.concatenate(([0], np.cumsum(counts))),
        cols=cols[keep],
        weights=np.abs(a[keep]),
        complemented=a[keep] < 0,
        capacity=capacity,
        row_scale=np.maximum(1.0, np.abs(rows.rhs)),
    )
