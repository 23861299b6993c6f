"""A semicontinuous column ``s ∈ {0} ∪ [lb, ub]`` (``0 < lb``; a negative range is the
mirror image): one binary ``on`` with ``on = 1 ⇒ s >= lb`` and ``on = 0 ⇒ s <= 0``, which
with the proven bounds is ``lb·on <= s <= ub·on``. An infinite ``ub`` is branched on
natively, or named in an error without native SOS."""

from __future__ import annotations

from branchwise.declarations import Semicontinuous
from branchwise.relaxations.lowering import Lowering
from branchwise.relaxations.passes.bigm import imply_le
from branchwise.relaxations.target import Target, column


class SemicontinuousPass(Lowering):
    """One semicontinuous column."""

    def apply(self, item: Semicontinuous, target: Target) -> None:
        if item.lower <= 0 <= item.upper:
            return  # 0 is inside the range: nothing to add
        s, on = column(item.column), target.binary("_on")
        what = f"semicontinuous variable {item.name}"
        if item.lower > 0:
            imply_le(target, item.lower - s, on, what)
            imply_le(target, s, 1 - on, what)
        else:
            imply_le(target, s - item.upper, on, what)
            imply_le(target, -s, 1 - on, what)
