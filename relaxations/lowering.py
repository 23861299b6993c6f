"""The pass shape of one construct's lowering, and the solution its ``invert`` maps back.

A lowering is a :class:`branchwise.core.passes.Pass` for one construct of a model (a derived
column, a requirement, a declaration) with the problem being assembled (the
:class:`~.target.Target`) as its context: ``apply(item, target)`` writes the item's rows,
columns and SOS sets into the target and returns what ``invert`` needs; the rewritten item
is what it wrote. ``invert(inverse, solution)`` maps a solution of the problem back: a
lowering whose columns the user must not see, or whose branch taken decides how the model
evaluates a value (the witness), says how; any other inherits the no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from branchwise.relaxations.target import Target


@dataclass
class Solution:
    """A point of the problem being mapped back (changed in place where a lowering
    recomputes a column) and the witness: the branch taken per reified condition, step
    and decision-tree node."""

    x: np.ndarray
    witness: dict = field(default_factory=dict)


class Lowering:
    """One construct's rows; where several lowerings serve one construct type, ``accepts``
    says whether this one fits the item (see :data:`.chain.LOWERINGS`)."""

    def accepts(self, item: Any, target: Target) -> bool:
        return True

    def apply(self, item: Any, target: Target) -> Any:
        """Write ``item``'s rows into ``target``; return what :meth:`invert` needs."""
        raise NotImplementedError

    def invert(self, inverse: Any, solution: Solution) -> Solution:
        """``solution`` with what this lowering changed mapped back (here: nothing)."""
        return solution
