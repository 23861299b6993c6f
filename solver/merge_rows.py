"""Quadratic row blocks merged into one, so each evaluation is one pass over all of them.

A model lowers every quadratic constraint to its own block; the NLP and the outer
approximation evaluate blocks one by one, and with dozens of small blocks the per-call
overhead was most of the root NLP's time."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from branchwise.problem import Problem
from branchwise.smooth import NonlinearRows, QuadraticFunction


def merge_quadratic_blocks(problem: Problem) -> Problem:
    """``problem`` with all its quadratic blocks as one block (after the other blocks)."""
    quadratic = [b for b in problem.nonlinear if isinstance(b.function, QuadraticFunction)]
    if len(quadratic) < 2:
        return problem
    others = [b for b in problem.nonlinear if not isinstance(b.function, QuadraticFunction)]
    merged = NonlinearRows(
        QuadraticFunction([h for b in quadratic for h in b.function.hessians],
                          sp.vstack([b.function.linear for b in quadratic], format="csr"),
                          np.concatenate([b.function.constant for b in quadratic])),
        np.concatenate([b.lower for b in quadratic]),
        np.concatenate([b.upper for b in quadratic]),
        [name for b in quadratic for name in b.names])
    return replace(problem, nonlinear=[*others, merged])
