"""Does an answer agree with the known optimum? ``yes``, ``WRONG``, ``unsolved`` or ``unknown``."""

from __future__ import annotations

#: Statuses that claim the problem has no finite optimum.
NO_OPTIMUM = ("infeasible", "unbounded", "infeasible_or_unbounded")
#: Statuses that claim the search is finished.
FINISHED = ("optimal", *NO_OPTIMUM)
#: The known optimum of an instance with no feasible point.
INFEASIBLE = "infeasible"
#: Relative agreement asked of every answer, whatever gap the run used.
AGREEMENT = 1e-6


def verdict(outcome: dict, known: float | str | None, gap: float) -> str:
    """Judge one outcome against ``known`` (a number, ``INFEASIBLE`` or None for unknown).

    WRONG: claims a finished search whose answer differs, or reports an incumbent better
    than the optimum, or a bound that cuts it off. ``tolerance = max(1e-6, gap)`` relative
    to ``max(1, |optimum|)``.
    """
    if known is None:
        return "unknown"
    status = outcome.get("status")
    objective, bound = outcome.get("objective"), outcome.get("bound")
    if known == INFEASIBLE:
        if status == "optimal" or objective is not None or status == "unbounded":
            return "WRONG"
        return "yes" if status in NO_OPTIMUM else "unsolved"
    sign = -1.0 if outcome.get("sense") == "max" else 1.0
    slack = max(AGREEMENT, gap) * max(1.0, abs(known))
    if status in NO_OPTIMUM:
        return "WRONG"
    if objective is not None and sign * (objective - known) < -slack:
        return "WRONG"
    if bound is not None and sign * (bound - known) > slack:
        return "WRONG"
    if status == "optimal":
        return "yes" if objective is not None and abs(objective - known) <= slack else "WRONG"
    return "unsolved"


def solved(status: str, agrees: str) -> bool:
    """A finished search whose answer is not contradicted."""
    return status in FINISHED and agrees in ("yes", "unknown")
