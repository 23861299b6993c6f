"""Nests of ``if_then_else`` read as decision trees: one disjunction over their leaves.

An ``@bw.program`` with an ``if``/``elif`` chain, or nested ``bw.if_then_else`` calls,
builds a nest of derived columns in which each branch reads the column of the branch below
it. Lowered node by node (:mod:`.conditional`) every node costs an indicator per condition
and four big-M rows, a relaxation far weaker than a hand model. Here a nest is one
:class:`DecisionTree`: each :class:`Leaf` is the conjunction of the conditions on its path
(a compound condition split into disjoint conjunctions of comparisons and binary
literals) with the affine value the nest takes there; a path that takes both sides of one
condition is dropped, and exactly one of the remaining leaves holds at every point.
:mod:`.tree_formulation` writes the rows.

A nested column is *absorbed* into its parent's tree when nothing reads it but the
branches of one parent (one, or both: the running total of sequential ``if`` statements
is read by both branches of the next), where it is the only absorbable column; it then
gets no rows of its own, and its value is recomputed from the solution.
A nest whose conditions are not conjunctions of linear comparisons and literals (counts,
quadratic comparisons) or whose leaves would exceed :data:`MAX_LEAVES` is lowered node by
node as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product
from typing import TYPE_CHECKING, Any

import numpy as np

from branchwise.expr import Constraint, LinExpr, QuadExpr, scalar_terms
from branchwise.functions import Definition, IfThenElse
from branchwise.logic import And, Literal, Not, Or, negate
from branchwise.nonlinear.rows import columns_of
from branchwise.relaxations.analysis.convexity import condition_columns

if TYPE_CHECKING:
    from branchwise.model import Model

#: A tree with more leaves than this is lowered node by node (its formulation would grow
#: with the product of its branchings).
MAX_LEAVES = 64

Atom = Constraint | Literal
#: An affine value: coefficient per column, constant.
Affine = tuple[dict[int, float], float]


@dataclass(eq=False)
class Leaf:
    """One way through a tree: the conditions on the way with the side taken, the
    comparisons and literals that together hold exactly there, and the tree's value."""

    path: tuple[tuple[Any, bool], ...]
    atoms: tuple[Atom, ...]
    value: Affine


@dataclass(eq=False)
class DecisionTree:
    """A root ``if_then_else``, the nested ones absorbed into it (in creation order) and
    its leaves."""

    root: IfThenElse
    inner: list[IfThenElse]
    leaves: list[Leaf]
    #: True when the root column is read once in the whole model, as a linear term of the
    #: objective: its value can go into the objective in place of a defining row.
    objective_only: bool = False


def group_decision_trees(model: Model, used: Sequence[Definition]
                         ) -> tuple[list[Any], set[int]]:
    """The items to lower in place of ``used`` (creation order kept): each root of a nest
    as its :class:`DecisionTree`, absorbed nodes left out; and the absorbed columns."""
    nests = [d for d in used if isinstance(d, IfThenElse)]
    if not nests:
        return list(used), set()
    outside = np.bincount(_columns_read_outside_branches(model, used), minlength=model.n_vars)
    in_branches = np.zeros(model.n_vars, dtype=np.int64)
    for node in nests:
        for operand in node.operands:
            np.add.at(in_branches, scalar_terms(operand)[0], 1)
    children = _absorbable_children(nests, outside)
    absorbed_by = {child.column: parent for (parent, _), (child, _) in children.items()}
    objective = model.objective.lin if isinstance(model.objective, QuadExpr) else \
        model.objective
    in_objective = set(objective.rows.indices.tolist()) if isinstance(objective, LinExpr) \
        else set()
    trees: dict[int, DecisionTree] = {}
    for node in nests:
        if node.column not in absorbed_by:
            tree = _tree(node, children)
            if tree is not None:
                tree.objective_only = bool(outside[node.column] == 1 and in_branches[
                    node.column] == 0 and node.column in in_objective)
                trees[node.column] = tree
    absorbed = {d.column for tree in trees.values() for d in tree.inner}
    items = [trees.get(d.column, d) for d in used if d.column not in absorbed]
    return items, absorbed


def _absorbable_children(nests: list[IfThenElse], outside: np.ndarray
                         ) -> dict[tuple[IfThenElse, bool], tuple[IfThenElse, float]]:
    """For each (node, side) whose branch reads an absorbable nested column: that column's
    node and its coefficient there. Absorbable: read nowhere but in the branches of one
    node (``outside``: reads elsewhere), and the only absorbable column of each of them."""
    by_column = {d.column: d for d in nests}
    readers: dict[int, set[int]] = {}
    for node in nests:
        for operand in node.operands:
            for j in scalar_terms(operand)[0].tolist():
                readers.setdefault(j, set()).add(id(node))
    found = {}
    for node in nests:
        for side, operand in zip((True, False), node.operands, strict=True):
            cols, coefs = scalar_terms(operand)
            found[(node, side)] = [(j, a) for j, a in zip(cols.tolist(), coefs.tolist(),
                                                          strict=True)
                                   if j in by_column and outside[j] == 0
                                   and readers[j] == {id(node)}]
    shared = {j for pairs in found.values() if len(pairs) > 1 for j, _ in pairs}
    return {key: (by_column[pairs[0][0]], pairs[0][1]) for key, pairs in found.items()
            if len(pairs) == 1 and pairs[0][0] not in shared}


def _columns_read_outside_branches(model: Model, used: Sequence[Definition]) -> np.ndarray:
    """Every column read anywhere but as a term of an ``if_then_else`` branch (repeats
    possible): objective, constraints, required conditions, SOS sets, semicontinuous
    columns, other definitions' operands and every ``if_then_else`` condition."""
    found = [_expression_columns(model.objective)]
    found += [c.body.rows.indices for c in model.constraints]
    found += [_expression_columns(c.body) for c in model.nonlinear_constraints]
    found += [condition_columns(c) for c in model.conditions]
    found += [s.columns for s in model.sos_sets]
    found += [np.array([s.column]) for s in model.semicontinuous_columns()]
    for d in used:
        if isinstance(d, IfThenElse):
            found.append(condition_columns(d.cond))
        else:
            found += [o.rows.indices for o in d.operands]
    return np.concatenate([np.asarray(f, dtype=np.int64) for f in found])


def _expression_columns(expr: Any) -> np.ndarray:
    if isinstance(expr, LinExpr):
        return expr.rows.indices
    if isinstance(expr, QuadExpr):
        return np.concatenate([expr.lin.rows.indices, expr.qi, expr.qj])
    return columns_of(expr)


def _tree(root: IfThenElse, children: dict) -> DecisionTree | None:
    """The tree below ``root``, or None when it cannot be one (see the module docstring)."""
    inner: list[IfThenElse] = []
    leaves: list[Leaf] = []
    # (node, path, sides taken by id of condition, atoms, scale of the node, value around it)
    stack = [(root, (), {}, (), 1.0, ({}, 0.0))]
    while stack:
        node, path, sides, atoms, scale, around = stack.pop()
        for side, operand in zip((True, False), node.operands, strict=True):
            taken = sides.get(id(node.cond))
            if taken is not None and taken != side:
                continue  # the path already took the other side of this condition
            ways = [()] if taken is not None else _conjunctions(node.cond, side)
            if ways is None:
                return None
            value = _plus(around, _affine(operand), scale)
            child = children.get((node, side))
            if child is not None:
                nested, coefficient = child
                value[0].pop(nested.column, None)
                inner.append(nested)
            for way in ways:
                step = (path + ((node.cond, side),), {**sides, id(node.cond): side},
                        atoms + way)
                if child is not None:
                    stack.append((nested, *step, scale * coefficient, value))
                else:
                    leaves.append(Leaf(step[0], step[2], value))
                if len(leaves) + len(stack) > MAX_LEAVES:
                    return None
    return DecisionTree(root, sorted(set(inner), key=lambda d: d.column), leaves)


def _affine(expr: LinExpr) -> Affine:
    cols, coefs = scalar_terms(expr)
    return dict(zip(cols.tolist(), coefs.tolist(), strict=True)), float(expr.const[0])


def _plus(base: Affine, term: Affine, scale: float) -> Affine:
    """``base + scale * term`` (a new dict)."""
    coefs = dict(base[0])
    for j, a in term[0].items():
        coefs[j] = coefs.get(j, 0.0) + scale * a
    return coefs, base[1] + scale * term[1]


def _conjunctions(cond: Any, holds: bool) -> list[tuple[Atom, ...]] | None:
    """Disjoint conjunctions of comparisons and literals whose union is where ``cond`` has
    the truth value ``holds``; None for conditions that are not built from them."""
    if isinstance(cond, Not):
        return _conjunctions(cond.child, not holds)
    if isinstance(cond, Literal):
        return [(cond if holds else negate(cond),)]
    if isinstance(cond, Constraint):
        if cond.is_quadratic:
            return None
        if holds:
            return [(cond,)]
        return _conjunctions(negate(cond), True)  # '==' negates to an Or of two sides
    if isinstance(cond, (And, Or)):
        every = isinstance(cond, And) == holds  # all children at `holds`, or a first one
        parts = [_conjunctions(c, holds) for c in cond.children]
        if any(p is None for p in parts):
            return None
        if every:
            return _products(parts)
        others = [_conjunctions(c, not holds) for c in cond.children]
        if any(p is None for p in others):
            return None
        found = []
        for i, decides in enumerate(parts):  # child i decides, the ones before do not
            more = _products([*others[:i], decides])
            if more is None or len(found) + len(more) > MAX_LEAVES:
                return None
            found += more
        return found
    return None


def _products(parts: list[list[tuple[Atom, ...]]]) -> list[tuple[Atom, ...]] | None:
    """Every conjunction taking one conjunction from each part."""
    total = 1
    for p in parts:
        total *= len(p)
    if total > MAX_LEAVES:
        return None
    return [sum(choice, ()) for choice in product(*parts)]
