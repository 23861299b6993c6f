"""Conversion between a :class:`Problem` and HiGHS's model objects, in both directions."""

from __future__ import annotations

import highspy
import numpy as np
import scipy.sparse as sp

from branchwise.core.problem import Problem

_INTEGRALITY = {
    highspy.HighsVarType.kContinuous: False,
    highspy.HighsVarType.kInteger: True,
    highspy.HighsVarType.kImplicitInteger: True,  # presolve's "integral at any optimum"
}


class UnsupportedColumnError(ValueError):
    """A HiGHS column type branchwise's Problem cannot hold (e.g. semi-continuous)."""


def to_highs_model(problem: Problem, relax: bool = False) -> highspy.HighsModel:
    """The HiGHS model of ``problem`` (LP part column-wise, Q as its lower triangle);
    with ``relax`` the integrality is left out."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = problem.n_cols, problem.n_rows
    lp.col_cost_ = problem.c
    lp.col_lower_, lp.col_upper_ = problem.col_lower, problem.col_upper
    lp.row_lower_, lp.row_upper_ = problem.row_lower, problem.row_upper
    matrix = problem.A.tocsc()
    matrix.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = problem.n_cols, problem.n_rows
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data
    if not relax:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in problem.integrality
        ]
    lp.sense_ = highspy.ObjSense.kMaximize if problem.maximize else highspy.ObjSense.kMinimize
    lp.offset_ = problem.objective_offset
    lp.col_names_, lp.row_names_ = list(problem.col_names), list(problem.row_names)
    lp.model_name_ = problem.name
    model = highspy.HighsModel()
    model.lp_ = lp
    if problem.Q is not None and problem.Q.nnz:
        lower = sp.csc_matrix(sp.tril(problem.Q))
        lower.sort_indices()
        hessian = highspy.HighsHessian()
        hessian.dim_, hessian.format_ = problem.n_cols, highspy.HessianFormat.kTriangular
        hessian.start_ = lower.indptr.astype(np.int32)
        hessian.index_ = lower.indices.astype(np.int32)
        hessian.value_ = lower.data
        model.hessian_ = hessian
    return model


def from_highs_model(lp: highspy.HighsLp, hessian: highspy.HighsHessian | None = None,
                     name: str = "") -> Problem:
    """The :class:`Problem` held by HiGHS's column-wise LP (and Hessian, if any)."""
    n, m = lp.num_col_, lp.num_row_
    kinds = list(lp.integrality_) or [highspy.HighsVarType.kContinuous] * n
    unsupported = [j for j, k in enumerate(kinds) if k not in _INTEGRALITY]
    if unsupported:
        label = lp.col_names_[unsupported[0]] if lp.col_names_ else str(unsupported[0])
        raise UnsupportedColumnError(f"column {label} is semi-continuous (not supported here)")
    return Problem(
        c=np.array(lp.col_cost_, dtype=float),
        A=_sparse(lp.a_matrix_, (m, n)),
        row_lower=np.array(lp.row_lower_, dtype=float),
        row_upper=np.array(lp.row_upper_, dtype=float),
        col_lower=np.array(lp.col_lower_, dtype=float),
        col_upper=np.array(lp.col_upper_, dtype=float),
        integrality=np.array([_INTEGRALITY[k] for k in kinds], dtype=bool),
        objective_offset=float(lp.offset_),
        Q=None if hessian is None else _hessian(hessian, n),
        maximize=lp.sense_ == highspy.ObjSense.kMaximize,
        col_names=list(lp.col_names_) if len(lp.col_names_) == n else [],
        row_names=list(lp.row_names_) if len(lp.row_names_) == m else [],
        name=name,
    )


def _sparse(matrix: highspy.HighsSparseMatrix, shape: tuple[int, int]) -> sp.csr_matrix:
    """The constraint matrix as csr, whichever orientation HiGHS stored it in."""
    rowwise = matrix.format_ == highspy.MatrixFormat.kRowwise
    build = sp.csr_matrix if rowwise else sp.csc_matrix
    data = (np.array(matrix.value_, dtype=float), np.array(matrix.index_), np.array(matrix.start_))
    if len(data[2]) == 0:  # HiGHS leaves start_ empty for a problem without columns
        return sp.csr_matrix(shape)
    return sp.csr_matrix(build(data, shape=shape))


def _hessian(hessian: highspy.HighsHessian, n: int) -> sp.csr_matrix | None:
    """The full symmetric Q from HiGHS's Hessian (stored as its lower triangle), or None."""
    if hessian.dim_ == 0 or len(hessian.value_) == 0:
        return None
    data = (np.array(hessian.value_, dtype=float), np.array(hessian.index_),
            np.array(hessian.start_))
    stored = sp.csc_matrix(data, shape=(n, n))
    if hessian.format_ == highspy.HessianFormat.kSquare:
        return sp.csr_matrix(stored)
    return sp.csr_matrix(stored + stored.T - sp.diags(stored.diagonal()))
