"""The one shape of every rewrite: a pass, and a chain of passes that is itself a pass.

A pass says whether it applies (``accepts``), rewrites (``apply(item) -> (item', inverse)``)
and maps a solution of ``item'`` back to one of ``item`` (``invert(inverse, solution)``;
``restore_point`` does it for a bare point while the search runs).
A pass with nothing to map back inherits the no-op ``invert``. A pass that settles the
item itself (presolve proving a problem infeasible, say) returns None as ``item'``: nothing
is left to rewrite or solve, and its ``invert`` receives None and builds the solution.

This lives beside :mod:`branchwise.core.problem`, in the core all three rooms share, so the
solver's whole-problem rewrites and the relaxations' reductions use it without importing
each other (the shape follows CVXPY's ``reductions/reduction.py`` and ``chain.py``).
"""

from __future__ import annotations

from typing import Any


class Pass:
    """A rewrite that applies where ``accepts`` says so and maps solutions back."""

    def accepts(self, item: Any) -> bool:
        """Whether this pass rewrites ``item`` (a chain skips it otherwise)."""
        return True

    def apply(self, item: Any) -> tuple[Any, Any]:
        """The rewritten item (None when the pass settled it) and what ``invert`` needs."""
        raise NotImplementedError

    def invert(self, inverse: Any, solution: Any) -> Any:
        """A solution of the rewritten item as one of the item (here: unchanged)."""
        return solution

    def restore_point(self, inverse: Any, x: Any) -> Any:
        """One point of the rewritten item as one of the item, while the search is still
        running (for its callbacks): no search, no verification; None when it cannot be
        mapped. Here: unchanged."""
        return x


class Chain(Pass):
    """Passes applied in order, each to what the one before produced; inverted in reverse.

    A pass that does not accept the item it is given is skipped (and not inverted)."""

    def __init__(self, passes: list[Pass]) -> None:
        self.passes = passes

    def apply(self, item: Any) -> tuple[Any, list[tuple[Pass, Any]]]:
        """The item after every pass that accepted it, and (pass, inverse) of each."""
        applied = []
        for p in self.passes:
            if item is None:
                break
            if p.accepts(item):
                item, inverse = p.apply(item)
                applied.append((p, inverse))
        return item, applied

    def invert(self, inverse: list[tuple[Pass, Any]], solution: Any) -> Any:
        return invert_in_reverse(inverse, solution)

    def restore_point(self, inverse: list[tuple[Pass, Any]], x: Any) -> Any:
        for p, data in reversed(inverse):
            if x is None:
                break
            x = p.restore_point(data, x)
        return x


def invert_in_reverse(applied: list[tuple[Any, Any]], solution: Any) -> Any:
    """``solution`` mapped back through (pass, inverse) pairs, the last applied first."""
    for p, inverse in reversed(applied):
        solution = p.invert(inverse, solution)
    return solution
