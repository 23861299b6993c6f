"""An equality row that only defines an objective column, relaxed to the inequality the
objective makes tight.

A quadratic row ``f(x) + a·t == b`` whose column ``t`` appears nowhere else, costs
``c_t != 0`` and is unbounded in the direction the objective pushes it, holds with
equality at every optimum of the row read as the one inequality that stops ``t``: the
objective would otherwise move ``t`` further. MINLPLib states epigraphs this way
(meanvarx); as an equality the row is never convex, as the inequality it often is. The
inverse recomputes ``t`` from the equality, which moves the objective only the way it
wants to go."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from branchwise.core.passes import Pass
from branchwise.core.problem import Problem
from branchwise.core.smooth import NonlinearRows, QuadraticFunction
from branchwise.relaxations.lowering import Solution


class EpigraphEqualities(Pass):
    """Relaxes defining equalities; ``invert`` restores them on a solution."""

    def apply(self, problem: Problem) -> tuple[Problem, list[tuple[NonlinearRows, int, int]]]:
        """``problem`` with every qualifying equality relaxed, and (block, row, column)
        for each, to recompute the column from."""
        relaxed, blocks = [], []
        for block in problem.nonlinear:
            lower, upper = block.lower.copy(), block.upper.copy()
            for row in range(block.n_rows):
                side = _tight_side(problem, block, row)
                if side is not None:
                    column, keep_lower = side
                    if keep_lower:
                        upper[row] = np.inf
                    else:
                        lower[row] = -np.inf
                    relaxed.append((block, row, column))
            blocks.append(replace(block, lower=lower, upper=upper))
        return (replace(problem, nonlinear=blocks) if relaxed else problem), relaxed

    def invert(self, relaxed: list[tuple[NonlinearRows, int, int]],
               solution: Solution) -> Solution:
        """Set each defined column so its equality holds exactly (in place)."""
        x = solution.x
        for block, row, column in relaxed:
            coefficient = block.function.linear[row, column]
            x[column] += (block.lower[row] - block.function.value(x)[row]) / coefficient
        return solution


def _tight_side(problem: Problem, block: NonlinearRows, row: int) -> tuple[int, bool] | None:
    """(column, keep the lower side?) when row ``row`` of ``block`` is a defining equality
    whose kept side is convex; None otherwise."""
    f = block.function
    if not (isinstance(f, QuadraticFunction) and np.isfinite(block.lower[row])
            and block.lower[row] == block.upper[row]):
        return None
    for column in sp.csr_matrix(f.linear[row]).indices:
        if _defines(problem, block, row, int(column)):
            a = float(f.linear[row, column])
            cost = -problem.c[column] if problem.maximize else problem.c[column]
            pushed_down = cost > 0
            free_that_way = (problem.col_lower[column] == -np.inf if pushed_down
                             else problem.col_upper[column] == np.inf)
            keep_lower = pushed_down == (a > 0)
            convex, concave = f.curvature()
            if free_that_way and (concave[row] if keep_lower else convex[row]):
                return int(column), keep_lower
    return None


def _defines(problem: Problem, block: NonlinearRows, row: int, column: int) -> bool:
    """True when ``column`` (in row ``row``'s linear part) has a cost and appears in no
    linear row, no quadratic term and no other nonlinear row."""
    f = block.function
    if problem.c[column] == 0 or problem.A[:, column].nnz or (
            problem.Q is not None and problem.Q[:, column].nnz):
        return False
    if (f.linear[:, column] != 0).sum() != 1 or any(h[:, column].nnz for h in f.hessians):
        return False
    return not any(column in other.function.columns()
                   for other in problem.nonlinear if other is not block)
