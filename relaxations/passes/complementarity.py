"""A required ``complements(y, z)``: ``y >= 0``, ``z >= 0``, ``y * z = 0``.

Natively it is an SOS1 set of two columns, branched on as ``y = 0`` in one child and
``z = 0`` in the other: no binary, no M (an expression gets a column equal to it first).
With big-M it is one binary ``b`` with ``b = 1 ⇒ y <= 0`` and ``b = 0 ⇒ z <= 0``, the Ms
being the proven upper bounds of ``y`` and ``z``. :mod:`.choice` picks.
"""

from __future__ import annotations

import numpy as np

from branchwise.logic import Complements
from branchwise.relaxations import choice
from branchwise.relaxations.analysis.requirement import Requirement
from branchwise.relaxations.lowering import Lowering
from branchwise.relaxations.passes.bigm import imply_le
from branchwise.relaxations.target import Target


class ComplementarityPass(Lowering):
    """The rows (or SOS1 set) of one required complementarity pair."""

    def accepts(self, item: Requirement, target: Target) -> bool:
        return isinstance(item.condition, Complements)

    def apply(self, item: Requirement, target: Target) -> None:
        y, z = item.condition.y, item.condition.z
        for side in (y, z):
            if target.bounds.lower_of(side) < 0:
                target.add_row(side, lower=0.0, hint="_comp")
        m_y, m_z = target.bounds.upper_of(y), target.bounds.upper_of(z)
        coefficients = np.concatenate([y.coef.data, z.coef.data]).tolist()
        size = choice.scale(coefficients, max(abs(float(y.const[0])), abs(float(z.const[0]))))
        if choice.complementarity_is_native(target.options, m_y, m_z, size):
            target.add_sos("sos1", [target.column_of(y, "_comp"), target.column_of(z, "_comp")])
            return
        b = target.binary("_comp")
        imply_le(target, y, b, str(item))
        imply_le(target, z, 1 - b, str(item))
