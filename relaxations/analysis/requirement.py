"""A condition the model requires, split into the parts the passes lower one by one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from branchwise.logic import And, Not, negate

if TYPE_CHECKING:
    from branchwise.model import Model


@dataclass(eq=False)
class Requirement:
    """``condition`` must hold; ``name`` is what the user added it as (for messages)."""

    condition: Any
    name: str

    def __str__(self) -> str:
        return f"condition {self.name} ({self.condition})"


def requirements(model: Model) -> Iterable[Requirement]:
    """Every condition the model requires, with top-level negations pushed inwards and
    top-level conjunctions split, so each part meets the pass best suited to it."""
    for cond in model.conditions:
        stack = [cond]
        while stack:
            part = stack.pop()
            if isinstance(part, Not):
                stack.append(negate(part.child))
            elif isinstance(part, And):
                stack.extend(reversed(part.children))
            elif part is not True:
                yield Requirement(part, cond.name)
