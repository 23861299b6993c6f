"""Declared SOS1/SOS2 sets: handed to the engine as they are, or (without native SOS) as
binaries: SOS1 with one binary per member, ``Σ b <= 1`` and ``b_i = 0 ⇒ x_i = 0``; SOS2
with one binary per neighbouring pair, ``Σ z = 1`` and ``x_i = 0`` unless a pair holding
``i`` is chosen. The Ms are the members' proven bounds."""

from __future__ import annotations

from branchwise.declarations import SOSSet
from branchwise.expr import LinExpr, quicksum
from branchwise.relaxations import choice
from branchwise.relaxations.analysis.bounds import What
from branchwise.relaxations.lowering import Lowering
from branchwise.relaxations.passes.bigm import imply_le
from branchwise.relaxations.target import Target, column


class SOSPass(Lowering):
    """One declared SOS set."""

    def apply(self, item: SOSSet, target: Target) -> None:
        if choice.sos_is_native(target.options):
            target.add_sos(item.kind, item.columns.tolist())
            return
        members = [column(int(j)) for j in item.columns]
        if item.kind == "sos1":
            on = [target.binary("_sos") for _ in members]
            target.add_row(quicksum(on), upper=1.0, hint="_sos")
        else:
            pairs = [target.binary("_sos") for _ in members[:-1]]
            target.add_row(quicksum(pairs), 1.0, 1.0, hint="_sos")
            on = [quicksum(pairs[max(i - 1, 0):i + 1]) for i in range(len(members))]
        what = f"{item.kind} {item.name}"
        for x, allowed in zip(members, on, strict=True):
            _zero_unless(target, x, allowed, what)


def _zero_unless(target: Target, x: LinExpr, allowed: LinExpr, what: What) -> None:
    """``allowed = 0 ⇒ x = 0``."""
    imply_le(target, x, 1 - allowed, what)
    imply_le(target, -x, 1 - allowed, what)
