"""A quadratic objective over binary columns only, made linear exactly.

On 0/1 values ``x_i² = x_i`` and ``x_i·x_j`` equals a column ``y`` kept by linear rows on
the side the objective pushes it: ``y >= x_i + x_j - 1`` (and ``y >= 0``) when its cost is
positive in the minimisation, ``y <= x_i`` and ``y <= x_j`` (and ``y <= 1``) when negative.
A nonconvex binary quadratic program so becomes a MILP with the same optimum, instead of a
problem the engine could only search heuristically."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from branchwise.core.problem import Problem
from branchwise.solver.presolve.appended_columns import AppendsColumns


class LinearizeBinaryObjective(AppendsColumns):
    """A quadratic objective over binaries that is not convex, made linear exactly (a convex
    one stays: the QP relaxation is tighter than the product rows)."""

    def accepts(self, problem: Problem) -> bool:
        return problem.objective_over_binaries() and not problem.convex_objective

    def extend(self, problem: Problem) -> Problem:
        return linearize_binary_objective(problem)


def linearize_binary_objective(problem: Problem) -> Problem:
    """``problem`` with ``½xᵀQx`` replaced by linear costs and one column per product
    (appended after the original columns; drop them to map a solution back)."""
    n = problem.n_cols
    upper_triangle = sp.triu(sp.coo_matrix(problem.Q), k=1).tocoo()
    i, j, q = upper_triangle.row, upper_triangle.col, upper_triangle.data  # ½·2·Q_ij x_i x_j
    c = problem.c + 0.5 * problem.Q.diagonal()
    k = np.arange(q.size)
    pushed_down = (q > 0) != problem.maximize  # its value falls as far as the rows allow
    rows, lower, upper = [], [], []
    down, up = k[pushed_down], k[~pushed_down]
    if down.size:  # y - x_i - x_j >= -1
        rows.append(_rows(down, i[down], j[down], n, q.size, (1.0, -1.0, -1.0)))
        lower.append(np.full(down.size, -1.0))
        upper.append(np.full(down.size, np.inf))
    for factor in (i, j):  # y - x_factor <= 0
        if up.size:
            rows.append(_rows(up, factor[up], None, n, q.size, (1.0, -1.0, 0.0)))
            lower.append(np.full(up.size, -np.inf))
            upper.append(np.zeros(up.size))
    width = n + q.size
    A = sp.vstack([sp.hstack([problem.A, sp.csr_matrix((problem.n_rows, q.size))]), *rows],  # noqa: N806
                  format="csr")
    return replace(
        problem, c=np.concatenate([c, q]), Q=None, A=sp.csr_matrix(A, shape=(A.shape[0], width)),
        row_lower=np.concatenate([problem.row_lower, *lower]),
        row_upper=np.concatenate([problem.row_upper, *upper]),
        col_lower=np.concatenate([problem.col_lower, np.zeros(q.size)]),
        col_upper=np.concatenate([problem.col_upper, np.ones(q.size)]),
        integrality=np.concatenate([problem.integrality, np.zeros(q.size, dtype=bool)]),
        col_names=[*problem.col_names, *(f"_product{a}_{b}" for a, b in zip(i, j, strict=True))],
        row_names=[*problem.row_names, *(f"_product_row{r}" for r in range(
            sum(len(part) for part in lower)))],
    )


def _rows(products: np.ndarray, first: np.ndarray, second: np.ndarray | None, n: int,
          count: int, coefficients: tuple[float, float, float]) -> sp.csr_matrix:
    """Rows ``a·y_k + b·x_first + c·x_second`` for the given products (no ``x_second``
    term when ``second`` is None)."""
    m = products.size
    r = np.arange(m)
    cols = [n + products, first] + ([second] if second is not None else [])
    data = [np.full(m, value) for value in coefficients[: len(cols)]]
    return sp.csr_matrix((np.concatenate(data), (np.tile(r, len(cols)), np.concatenate(cols))),
                         shape=(m, n + count))
