"""Row blocks of one kind merged into one block, so each evaluation is one pass over all.

A model lowers every constraint to its own block; the NLP and the outer approximation
evaluate blocks one by one, and with dozens of small blocks the per-call overhead was most
of the search's time (psig40r: 39 s merged expression blocks apart, 3.7 s together).
Quadratic blocks merge into one ``QuadraticFunction``; functions with a ``stack`` method
(the modeling layer's expression functions) merge through it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from branchwise.core.passes import Pass
from branchwise.core.problem import Problem
from branchwise.core.smooth import NonlinearRows, QuadraticFunction


class MergeRowBlocks(Pass):
    """:func:`merge_row_blocks` as a pass: the rows and columns stay, nothing maps back."""

    def apply(self, problem: Problem) -> tuple[Problem, None]:
        return merge_row_blocks(problem), None


def merge_row_blocks(problem: Problem) -> Problem:
    """``problem`` with its quadratic blocks as one block and its stackable blocks as
    another (the rest unchanged, first)."""
    quadratic = [b for b in problem.nonlinear if isinstance(b.function, QuadraticFunction)]
    stackable = [b for b in problem.nonlinear
                 if not isinstance(b.function, QuadraticFunction)
                 and hasattr(b.function, "stack")]
    others = [b for b in problem.nonlinear if b not in quadratic and b not in stackable]
    merged = []
    if len(quadratic) > 1:
        merged.append(_with_rows_of(quadratic, QuadraticFunction(
            [h for b in quadratic for h in b.function.hessians],
            sp.vstack([b.function.linear for b in quadratic], format="csr"),
            np.concatenate([b.function.constant for b in quadratic]))))
    else:
        others += quadratic
    if len(stackable) > 1:
        merged.append(_with_rows_of(stackable, stackable[0].function.stack(
            [b.function for b in stackable[1:]])))
    else:
        others += stackable
    if not merged:
        return problem
    return replace(problem, nonlinear=[*others, *merged])


def _with_rows_of(blocks: list[NonlinearRows], function) -> NonlinearRows:
    """One block with ``function`` and the blocks' bounds and names, in order."""
    return NonlinearRows(function, np.concatenate([b.lower for b in blocks]),
                         np.concatenate([b.upper for b in blocks]),
                         [name for b in blocks for name in b.names])
