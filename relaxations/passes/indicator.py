"""Conditions as rows through indicator binaries.

``imply(cond, δ)`` adds rows that make ``δ = 1`` force ``cond``: comparisons through
:func:`.bigm.imply_le`, ``And`` by giving every child the same δ, ``Or`` and counts through
one indicator per child. ``literal(cond, polarity)`` is that indicator: a 0/1 expression
tied to ``cond`` in the directions asked for (``+``: it forces cond; ``-``: cond forces it),
shared by every use of the same condition. A binary variable is its own indicator.
A condition the model requires is ``imply(cond, 1)``: plain rows where it is linear.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from branchwise.expr import Constraint, LinExpr, quicksum, scalar_terms
from branchwise.logic import And, Complements, Count, Literal, Not, Or, negate
from branchwise.relaxations.analysis.bounds import Described, What
from branchwise.relaxations.analysis.domain import Domain, literal_row
from branchwise.relaxations.analysis.requirement import Requirement
from branchwise.relaxations.lowering import Lowering
from branchwise.relaxations.passes.atoms import le_rows
from branchwise.relaxations.passes.bigm import imply_le
from branchwise.relaxations.passes.hull import conjunction
from branchwise.relaxations.target import Target

ONE = LinExpr.constant(1.0)


def imply(target: Target, cond: Any, delta: LinExpr, what: What) -> None:
    """Rows making ``delta = 1`` force ``cond``, by the lowering :data:`IMPLY` lists for
    ``cond``'s type (or a base type)."""
    if delta.is_constant and delta.const[0] < 0.5:
        return
    for kind in type(cond).__mro__:
        if kind in IMPLY:
            IMPLY[kind](target, cond, delta, what)
            return
    raise TypeError(f"cannot lower {cond!r}")


def _imply_constant(target: Target, cond: bool, delta: LinExpr, what: What) -> None:
    """A condition known to be false: ``delta`` must be 0."""
    if not cond:
        target.add_row(delta, upper=0.0, hint="_never")


def _imply_comparison(target: Target, cond: Constraint, delta: LinExpr, what: What) -> None:
    for e in le_rows(cond, target.integral, target.options.strict_gap):
        imply_le(target, e, delta, what)


def _imply_literal(target: Target, cond: Literal, delta: LinExpr, what: What) -> None:
    target.add_row(cond.expression() - delta, lower=0.0, hint="_lit")


def _imply_not(target: Target, cond: Not, delta: LinExpr, what: What) -> None:
    imply(target, negate(cond.child), delta, what)


def _imply_and(target: Target, cond: And, delta: LinExpr, what: What) -> None:
    """Every child gets the same ``delta``."""
    for child in cond.children:
        imply(target, child, delta, what)


def _imply_complements(target: Target, cond: Complements, delta: LinExpr, what: What
                       ) -> None:
    imply(target, cond.expand(), delta, what)


def _imply_or(target: Target, cond: Or, delta: LinExpr, what: What) -> None:
    """``delta = 1`` ⇒ some child holds. A required ``b | c`` (``implies(~b, c)``) needs
    no indicator of its own: ``c`` is switched on by the literal's complement."""
    if delta.is_constant and len(cond.children) == 2:
        first, second = cond.children
        for lit, other in ((first, second), (second, first)):
            lit = negate(lit.child) if isinstance(lit, Not) else lit
            if isinstance(lit, Literal):
                imply(target, other, 1 - lit.expression(), what)
                return
        _either_two(target, first, second, what)
        return
    if delta.is_constant and _either_many(target, list(cond.children), what):
        return
    chosen = quicksum(literal(target, c, "+", what) for c in cond.children)
    clause = chosen - delta
    if _least_over_binaries(clause) >= 0.0:
        return  # a clause no 0/1 point breaks (``~a | b | ~b``, from a & ~b -> ~b): no row
    target.add_row(clause, lower=0.0, hint="_or")


def _least_over_binaries(e: LinExpr) -> float:
    """The least value over the 0/1 box of an expression of 0/1 literals (its columns are
    binary variables and indicators, each between 0 and 1)."""
    _, coefs = scalar_terms(e)
    return float(e.const[0]) + float(np.minimum(coefs, 0.0).sum())


def _either_two(target: Target, first: Any, second: Any, what: What) -> None:
    """A required two-term disjunction with one binary ``y``: ``y = 1`` switches the first
    side on, ``1 - y`` the second. Where a side is a linear conjunction, each of its rows
    gets the M proven over the *other* side's domain (the only place it is switched off)."""
    y = target.binary("_either")
    sides = [(first, y), (second, 1 - y)]
    rows = [_side_rows(target, c) for c in (first, second)]
    for k, (side, on) in enumerate(sides):
        if rows[k] is None:
            imply(target, side, on, what)
            continue
        other_rows, other_literals = rows[1 - k] or ([], [])
        other = Domain(target.bounds, other_rows + [literal_row(lit.column, lit.positive)
                                                    for lit in other_literals])
        for e in rows[k][0]:
            m = other.upper(e)
            if m <= 0:
                target.add_row(e, upper=0.0, hint="_either")  # holds on both sides
            else:
                imply_le(target, e, on, what, when_off=m)
        for lit in rows[k][1]:
            imply(target, lit, on, what)


def _either_many(target: Target, children: list[Any], what: What) -> bool:
    """A required disjunction of three or more linear conjunctions with one binary ``λ_i``
    per side, exactly one of them 1, and each row ``e <= 0`` of side ``i`` as
    ``e <= Σ_{j≠i} M_ij λ_j``, ``M_ij`` the largest ``e`` over side ``j``'s own domain (one M
    per other side, as Pyomo's multiple big-M): never weaker than one M for all of them.
    False, with nothing added, when a side is not a linear conjunction or an M is infinite."""
    sides = [_side_rows(target, c) for c in children]
    if any(s is None for s in sides):
        return False
    domains = [Domain(target.bounds, rows + [literal_row(lit.column, lit.positive)
                                             for lit in literals]) for rows, literals in sides]
    ms = [[[d.upper(e) for d in domains] for e in rows] for rows, _ in sides]
    if any(math.isinf(m) for side in ms for row in side for m in row):
        return False
    weights = [target.binary("_either") for _ in children]
    target.add_row(quicksum(weights), 1.0, 1.0, hint="_either")
    for i, ((rows, literals), side_ms) in enumerate(zip(sides, ms, strict=True)):
        if domains[i].empty:
            target.add_row(weights[i], upper=0.0, hint="_either")
            continue
        for e, row_ms in zip(rows, side_ms, strict=True):
            switched = quicksum(max(m, 0.0) * w for j, (m, w) in enumerate(
                zip(row_ms, weights, strict=True)) if j != i and not domains[j].empty)
            target.add_row(e - switched, upper=0.0, hint="_mbigm")
        for lit in literals:
            imply(target, lit, weights[i], what)
    return True


def _side_rows(target: Target, cond: Any) -> tuple[list[LinExpr], list[Literal]] | None:
    """The rows ``e <= 0`` and literals of a linear conjunction, or None for anything else."""
    parts = conjunction(cond)
    if parts is None:
        return None
    rows: list[LinExpr] = []
    literals = [p for p in parts if isinstance(p, Literal)]
    for p in parts:
        if isinstance(p, Constraint):
            rows += le_rows(p, target.integral, target.options.strict_gap)
    return rows, literals


def _imply_count(target: Target, cond: Count, delta: LinExpr, what: What) -> None:
    """``delta = 1`` ⇒ between ``lo`` and ``hi`` children hold."""
    n = len(cond.children)
    if cond.lo > 0:
        held = quicksum(literal(target, c, "+", what) for c in cond.children)
        target.add_row(held - cond.lo * delta, lower=0.0, hint="_atleast")
    if cond.hi < n:
        held = quicksum(literal(target, c, "-", what) for c in cond.children)
        target.add_row(held + (n - cond.hi) * delta, upper=float(n), hint="_atmost")


#: Condition type -> the function adding its rows ``delta = 1 ⇒ cond``.
IMPLY: dict[type, Callable[[Target, Any, LinExpr, What], None]] = {
    bool: _imply_constant,
    Constraint: _imply_comparison,
    Literal: _imply_literal,
    Not: _imply_not,
    And: _imply_and,
    Or: _imply_or,
    Count: _imply_count,
    Complements: _imply_complements,
}


def literal(target: Target, cond: Any, polarity: str, what: What) -> LinExpr:
    """A 0/1 expression for ``cond``: with ``+`` in ``polarity`` it being 1 forces cond,
    with ``-`` cond forces it to be 1 (so ``"+-"`` makes it cond's exact truth value)."""
    if isinstance(cond, bool):
        return LinExpr.constant(float(cond))
    if isinstance(cond, Literal):
        return cond.expression()
    if isinstance(cond, Not):
        flipped = "".join({"+": "-", "-": "+"}[p] for p in polarity)
        return 1 - literal(target, cond.child, flipped, what)
    if cond not in target.literals:
        target.literals[cond] = (target.binary("_ind"), set())
    delta, done = target.literals[cond]
    if "+" in polarity and "+" not in done:
        done.add("+")
        imply(target, cond, delta, what)
    if "-" in polarity and "-" not in done:
        done.add("-")
        imply(target, negate(cond), 1 - delta, what)
    return delta


class IndicatorPass(Lowering):
    """A condition the model requires: its rows, with indicators where it branches."""

    def apply(self, item: Requirement, target: Target) -> None:
        imply(target, item.condition, ONE, Described(item))
