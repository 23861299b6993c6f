"""A quadratic objective moved into a row, so the LP can carry it by outer approximation.

``min c·x + ½xᵀQx`` becomes ``min c·x + t`` with ``½xᵀQx - t <= 0`` and ``t`` a new last
column (``>= 0`` and ``max`` for a maximisation). ``t``'s bound on the side that matters
comes from interval arithmetic over the column bounds, so the first LP is bounded when the
columns are."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from branchwise.core.intervals import quadratic_interval
from branchwise.core.problem import Problem
from branchwise.core.smooth import NonlinearRows, QuadraticFunction
from branchwise.solver.options import SolveOptions
from branchwise.solver.presolve.appended_columns import AppendsColumns


class ObjectiveAsRow(AppendsColumns):
    """A quadratic objective that HiGHS's QP cannot take (not convex), or that the options
    ask to relax by outer approximation, moved into an epigraph row."""

    def __init__(self, options: SolveOptions) -> None:
        self.outer = options.quadratic_objective == "outer"

    def accepts(self, problem: Problem) -> bool:
        if problem.Q is None or not problem.Q.nnz:
            return False
        return self.outer or not problem.convex_objective

    def extend(self, problem: Problem) -> Problem:
        return objective_as_row(problem)


def objective_as_row(problem: Problem) -> Problem:
    """``problem`` with its quadratic objective as an epigraph row over one more column."""
    n = problem.n_cols
    Q = sp.csr_matrix(problem.Q, shape=(n, n))  # noqa: N806
    padded = sp.block_diag([Q, sp.csr_matrix((1, 1))], format="csr")
    linear = sp.csr_matrix(([-1.0], ([0], [n])), shape=(1, n + 1))
    low, high = quadratic_range(Q, problem.col_lower, problem.col_upper)
    epigraph = NonlinearRows(QuadraticFunction([padded], linear),
                             lower=0.0 if problem.maximize else -np.inf,
                             upper=np.inf if problem.maximize else 0.0, names=["_objective"])
    return replace(
        problem, c=np.append(problem.c, 1.0), Q=None,
        A=sp.hstack([problem.A, sp.csr_matrix((problem.n_rows, 1))], format="csr"),
        col_lower=np.append(problem.col_lower, -np.inf if problem.maximize else low),
        col_upper=np.append(problem.col_upper, high if problem.maximize else np.inf),
        integrality=np.append(problem.integrality, False),
        nonlinear=[*[_padded(block, n + 1) for block in problem.nonlinear], epigraph],
        col_names=[*problem.col_names, "_objective"],
    )


def quadratic_range(Q: sp.spmatrix, lower: np.ndarray,  # noqa: N803
                    upper: np.ndarray) -> tuple[float, float]:
    """An interval holding ``½xᵀQx`` for every ``x`` in the box (may be infinite)."""
    coo = sp.coo_matrix(Q)
    return quadratic_interval(coo.row, coo.col, 0.5 * coo.data, lower, upper)


def _padded(block: NonlinearRows, n: int) -> NonlinearRows:
    """The block over ``n`` columns (its function ignores the extra ones)."""
    return NonlinearRows(_Widened(block.function, n), block.lower, block.upper, block.names)


class _Widened:
    """A smooth function of the first columns of a longer vector."""

    def __init__(self, function, n: int) -> None:
        self.function, self.n, self.n_out = function, n, function.n_out

    def value(self, x: np.ndarray) -> np.ndarray:
        return self.function.value(x[: -1])

    def jacobian(self, x: np.ndarray) -> sp.csr_matrix:
        jacobian = sp.csr_matrix(self.function.jacobian(x[: -1]))
        return sp.hstack([jacobian, sp.csr_matrix((self.n_out, 1))], format="csr")

    def curvature(self) -> tuple[np.ndarray, np.ndarray]:
        return self.function.curvature()

    def columns(self) -> np.ndarray:
        return self.function.columns()
