"""Sparse products whose structure is fixed, planned once and then run as a few numpy calls.

A nonlinear expression's Jacobian is evaluated thousands of times with the same sparsity,
and on the small matrices of typical rows scipy.sparse spends nearly all of its time
building and checking objects. Here the structure is worked out once (with scipy) and each
evaluation is a gather, a multiply and a ``bincount`` over the stored entries.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

#: From this many stored entries on, scipy's own matrix-vector product is the faster one:
#: its tighter loop pays back its ~4 us of call overhead.
SCIPY_FROM_NNZ = 400


class MatVec:
    """``v -> M v`` for a constant sparse ``M`` (duplicate entries add up)."""

    def __init__(self, matrix: sp.spmatrix) -> None:
        self.matrix = sp.csr_matrix(matrix, dtype=float, copy=True)
        self.matrix.sum_duplicates()
        coo = self.matrix.tocoo()
        self.rows, self.cols, self.data = coo.row.astype(np.intp), coo.col.astype(np.intp), coo.data
        self.large = self.matrix.nnz >= SCIPY_FROM_NNZ

    def __call__(self, v: np.ndarray) -> np.ndarray:
        """``M v``; ``v`` must have one entry per column of ``M`` on both kernels (the
        gather alone would read a longer ``v`` and hide a too-narrow ``M`` until scipy's)."""
        if v.shape != (self.matrix.shape[1],):
            raise ValueError(f"a vector of {self.matrix.shape[1]} entries is needed, "
                             f"got shape {v.shape}")
        if self.large:
            return self.matrix @ v
        return np.bincount(self.rows, self.data * v[self.cols], minlength=self.matrix.shape[0])


def structure(matrix: sp.spmatrix) -> sp.csr_matrix:
    """Where ``matrix`` stores entries, as a canonical csr of ones (products of such
    patterns cannot cancel, so they give the structure of a product)."""
    pattern = sp.csr_matrix(matrix, dtype=float, copy=True)
    pattern.sum_duplicates()
    pattern.data[:] = 1.0
    return pattern


class ProductPlan:
    """``A @ B`` for fixed canonical csr structures, its entries placed in the stored
    entries of a canonical csr ``C`` that holds the product's structure (``C`` may hold
    more, as when several products add up into one matrix)."""

    def __init__(self, a: sp.csr_matrix, b: sp.csr_matrix, c: sp.csr_matrix) -> None:
        per_entry = np.diff(b.indptr)[a.indices]  # B's entries met by each of A's
        self.a_pos = np.repeat(np.arange(a.nnz), per_entry)
        first = np.repeat(b.indptr[a.indices], per_entry)
        skip = np.repeat(np.cumsum(per_entry) - per_entry, per_entry)
        self.b_pos = first + np.arange(self.a_pos.size) - skip
        a_rows = np.repeat(np.arange(a.shape[0]), np.diff(a.indptr))
        self.c_pos = np.searchsorted(_keys(c), a_rows[self.a_pos] * c.shape[1]
                                     + b.indices[self.b_pos])
        self.nnz = c.nnz

    def __call__(self, a_data: np.ndarray, b_data: np.ndarray) -> np.ndarray:
        """The product's values in ``C``'s stored entries (zero where it has none)."""
        return np.bincount(self.c_pos, a_data[self.a_pos] * b_data[self.b_pos],
                           minlength=self.nnz)


def _keys(c: sp.csr_matrix) -> np.ndarray:
    """Row-major positions of ``c``'s stored entries: sorted, as ``c`` is canonical."""
    rows = np.repeat(np.arange(c.shape[0], dtype=np.int64), np.diff(c.indptr))
    return rows * c.shape[1] + c.indices


def with_values(pattern: sp.csr_matrix, data: np.ndarray) -> sp.csr_matrix:
    """A new csr with ``pattern``'s (canonical) structure and ``data`` as its values.

    scipy's constructor re-checks the structure on every call, which costs more than the
    whole Jacobian of a small expression; this structure was checked when ``pattern`` was
    built, so the new matrix copies ``pattern``'s attributes and its own index arrays."""
    if data.shape != (pattern.nnz,):
        raise ValueError("one value per stored entry of the pattern is needed")
    matrix = sp.csr_matrix.__new__(type(pattern))
    matrix.__dict__.update(pattern.__dict__)
    matrix.indices, matrix.indptr, matrix.data = pattern.indices.copy(), pattern.indptr.copy(), data
    return matrix
