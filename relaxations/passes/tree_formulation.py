"""The rows of a decision tree (:mod:`.decision_tree`): one disjunction over its leaves.

Every comparison on a leaf is a bound on a linear *form* (its expression scaled so that its
first coefficient is 1), and a leaf's value is a constant plus a multiple of a form; so on
each leaf every form lies in an interval (its comparisons, the proven bounds and the leaf's
own domain, :mod:`.domain`, intersected). A leaf whose interval is empty is dropped. One
0/1 indicator per leaf, exactly one of them 1, chooses the leaf, and either

* **hull**: each form gets one copy per leaf, ``f = Σ_i f^i``, ``lo_i λ_i <= f^i <= hi_i
  λ_i``, and the value is ``y = Σ_i (c_i λ_i + s_i g^i)``: the convex hull of the leaves in
  form space, no M at all. For a partition of one expression's range (an ``if``/``elif``
  chain on ``q``) it is the one-binary-per-interval model written by hand; or
* **big-M**: a form bounded on every leaf gets the two aggregated rows ``Σ lo_i λ_i <= f <=
  Σ hi_i λ_i``, any other bound is an implication of its leaf's indicator, and ``y = v_i``
  two implications per leaf (one row ``y = Σ c_i λ_i`` when every value is a constant),
  each M the largest value over the *other* leaves' domains.

:func:`.choice.tree_uses_hull` decides. Two leaves share one binary (``δ``, ``1 - δ``); a
leaf where every form and the value are 0 (``if q <= 0: return 0``) needs no indicator of
its own (``1 - Σ`` of the others').
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from branchwise.expr import Constraint, LinExpr, Rows, integral_terms, quicksum, scalar_terms
from branchwise.relaxations import choice
from branchwise.relaxations.analysis.bounds import Described, What
from branchwise.relaxations.analysis.decision_tree import DecisionTree, Leaf
from branchwise.relaxations.analysis.domain import Domain, literal_row, terms
from branchwise.relaxations.analysis.variable_bounds import deciding_literal, variable_bound_rows
from branchwise.relaxations.lowering import Lowering, Solution
from branchwise.relaxations.passes.atoms import le_rows
from branchwise.relaxations.passes.bigm import imply_le
from branchwise.relaxations.passes.leaf_links import add_leaf_links
from branchwise.relaxations.target import Target, column

Interval = tuple[float, float]


@dataclass(eq=False)
class _Shape:
    """A leaf in form space: its bound per form, its domain, and its value as
    ``const + scale * form`` (``form`` None for a constant)."""

    leaf: Leaf
    domain: Domain
    bounds: dict[int, Interval]
    value: tuple[int | None, float, float]
    #: The bounds with strict comparisons on continuous forms read as non-strict (no gap):
    #: where :func:`_widen` may close a gap.
    closed: dict[int, Interval]


class _Forms:
    """The distinct forms of one tree, each a normalised linear expression."""

    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}
        self.exprs: list[LinExpr] = []

    def split(self, coefs: dict[int, float]) -> tuple[int, float] | None:
        """The form of ``Σ coefs_j x_j`` and the scale it is multiplied by (None if 0)."""
        terms = sorted((j, a) for j, a in coefs.items() if a != 0.0)
        if not terms:
            return None
        scale = terms[0][1]
        key = tuple((j, round(a / scale, 12)) for j, a in terms)
        if key not in self.index:
            self.index[key] = len(self.exprs)
            cols = np.array([j for j, _ in key], dtype=np.int64)
            self.exprs.append(LinExpr(None, Rows(np.array([0, cols.size]), cols,
                                                 np.array([a for _, a in key])),
                                      np.zeros(1), ()))
        return self.index[key], scale


class DecisionTreePass(Lowering):
    """The rows of one :class:`DecisionTree`."""

    def apply(self, tree: DecisionTree, target: Target
              ) -> tuple[DecisionTree, list[Leaf], list[LinExpr]]:
        what = Described(tree.root, target.names[tree.root.column])
        forms = _Forms()
        shapes = [s for s in (_shape(leaf, target, forms) for leaf in tree.leaves)
                  if s is not None]
        shapes = [s for s in shapes if _complete(s, forms)]
        if not shapes:  # no leaf is possible within the bounds: the model is infeasible
            target.add_row(LinExpr.constant(1.0), upper=0.0, hint="_tree")
            return tree, [], [], None
        y = _Value(tree, target)
        side = target.relaxed.get(tree.root)
        lines = _one_function(shapes, forms, side, target) if side is not None else None
        if lines is not None:  # y >= every line (y <= for "down"): exact, no binaries
            for slope, intercept in lines:
                expr = y.column - slope * forms.exprs[0] if slope else y.column
                target.add_row(expr, **{"lower" if side == "up" else "upper": intercept},
                               hint="_tree")
            return tree, [], [], None
        null = next((i for i, s in enumerate(shapes) if _is_null(s)), None)
        decided = _decided_leaf(target, shapes, forms, null)
        if side is not None and null is not None and _switched(
                target, shapes, forms, null, decided, y, side):
            return tree, [], [], None
        indicators = _indicators(target, shapes, forms, null, decided)
        bounded = all(math.isfinite(v) for s in shapes for iv in s.bounds.values() for v in iv)
        constant = all(s.value[0] is None for s in shapes)
        intervals = [s.bounds.get(0) for s in shapes]  # as the leaves came, for the way back
        widened = side is not None and _widen(target, shapes, forms, null, side)
        if choice.tree_uses_hull(target.options, len(forms.exprs), bounded, constant):
            _hull(target, shapes, forms, indicators, y)
        else:
            _big_m(target, shapes, forms, indicators, y, what)
        add_leaf_links(target, [s.domain for s in shapes], indicators, forms.exprs)
        # A widened leaf may be chosen where another holds (at no better value): the way
        # back then takes the leaf whose own interval holds the form's value.
        where = (forms.exprs[0], intervals) if widened else None
        return tree, [s.leaf for s in shapes], indicators, where

    def invert(self, data: tuple[DecisionTree, list[Leaf], list[LinExpr], Any],
               solution: Solution) -> Solution:
        """Record the sides the chosen leaf takes, then the absorbed nodes' values."""
        tree, leaves, indicators, where = data
        x, witness = solution.x, solution.witness
        if leaves:  # without them (relaxed, or infeasible) Python's branches are the ones
            chosen = int(np.argmax([float(d.evaluate(x)) for d in indicators]))
            if where is not None:
                chosen = _holding(chosen, float(where[0].evaluate(x)), where[1])
            for cond, side in leaves[chosen].path:
                witness[cond] = side
        for node in tree.inner:  # creation order: children before their parents
            x[node.column] = node.evaluate(x, witness)
        if tree.objective_only:  # fixed at 0 in the problem
            x[tree.root.column] = tree.root.evaluate(x, witness)
        return solution


class _Value:
    """The tree's column: defined by a row, or (read only by the objective) replaced there
    by its defining expression."""

    def __init__(self, tree: DecisionTree, target: Target) -> None:
        self.tree, self.target = tree, target
        self.column = column(tree.root.column)

    def equals(self, expr: LinExpr) -> None:
        if self.tree.objective_only:
            self.target.move_objective_term(self.tree.root.column, expr)
        else:
            self.target.add_row(self.column - expr, 0.0, 0.0, hint="_tree")


def _shape(leaf: Leaf, target: Target, forms: _Forms) -> _Shape | None:
    """The leaf's rows read as bounds on forms; None when a row is a false constant."""
    rows = _leaf_rows(leaf, target, target.options.strict_gap)
    bounds, closed = _form_bounds(rows, forms), _form_bounds(_leaf_rows(leaf, target, 0.0),
                                                             forms)
    if bounds is None or closed is None:
        return None
    value_coefs, value_const = leaf.value
    split = forms.split(value_coefs)
    value = (None, 0.0, value_const) if split is None else (split[0], split[1], value_const)
    return _Shape(leaf, Domain(target.bounds, rows), bounds, value, closed)


def _leaf_rows(leaf: Leaf, target: Target, gap: float) -> list[LinExpr]:
    """The rows ``e <= 0`` of a leaf's comparisons (a strict one on a continuous expression
    kept ``gap`` inside) and literals."""
    rows: list[LinExpr] = []
    for atom in leaf.atoms:
        if isinstance(atom, Constraint):
            rows += le_rows(atom, target.integral, gap)
        else:
            rows.append(literal_row(atom.column, atom.positive))
    return rows


def _form_bounds(rows: list[LinExpr], forms: _Forms) -> dict[int, Interval] | None:
    """Each row read as a bound on its form; None when a row is a false constant."""
    bounds: dict[int, Interval] = {}
    for e in rows:
        cols, coefs, const = terms(e)
        split = forms.split(dict(zip(cols, coefs, strict=True)))
        if split is None:
            if const > 0:
                return None
            continue
        form, scale = split  # scale * f + const <= 0
        lo, hi = bounds.get(form, (-math.inf, math.inf))
        limit = -const / scale
        bounds[form] = (lo, min(hi, limit)) if scale > 0 else (max(lo, limit), hi)
    return bounds


def _complete(shape: _Shape, forms: _Forms) -> bool:
    """Give the shape an interval on every form of the tree; False when one is empty.
    (The domain's bounds are never looser than the proven ones: it caps them there.)"""
    if shape.domain.empty:
        return False
    for k, f in enumerate(forms.exprs):
        lo, hi = shape.bounds.get(k, (-math.inf, math.inf))
        lo = max(lo, -shape.domain.upper(-f))
        hi = min(hi, shape.domain.upper(f))
        if lo > hi:
            return False
        shape.bounds[k] = (lo, hi)
    return True


def _one_function(shapes: list[_Shape], forms: _Forms, side: str, target: Target
                  ) -> list[tuple[float, float]] | None:
    """The leaves' values as lines (slope, intercept) along the tree's one form, when
    together they are a continuous convex function of it (concave for ``side`` "down"):
    then the function is the largest (smallest) of the lines everywhere. None otherwise.

    Consecutive leaves may leave between them only what strict comparisons exclude (the
    model's gap, or less than 1 on an integer form), and their lines must meet in there,
    so that each line is the largest (smallest) one over its own leaf."""
    if len(forms.exprs) != 1:
        return None
    f = forms.exprs[0]
    hole = 1.0 if integral_terms(f, target.integral) else 2 * target.options.strict_gap
    ordered = sorted(shapes, key=lambda s: s.bounds[0])
    lines = [(s.value[1] if s.value[0] is not None else 0.0, s.value[2]) for s in ordered]
    rising = 1.0 if side == "up" else -1.0
    for left, right, (a1, b1), (a2, b2) in zip(ordered, ordered[1:], lines, lines[1:],
                                               strict=False):
        end, start = left.bounds[0][1], right.bounds[0][0]
        if not start - end <= hole + _tolerance(end):
            return None
        if rising * (a2 - a1) < -_tolerance(a1):
            return None
        if abs(a2 - a1) <= _tolerance(a1):
            if abs(b2 - b1) > _tolerance(b1):
                return None
            continue
        meet = (b2 - b1) / (a1 - a2)  # each line the largest (smallest) on its own leaf
        if not end - _tolerance(end) <= meet <= start + _tolerance(start):
            return None
    return lines


def _tolerance(value: float) -> float:
    return 1e-9 * max(1.0, abs(value))


def _is_null(shape: _Shape) -> bool:
    """True when every form and the value are 0 on the leaf."""
    return shape.value[2] == 0.0 and all(iv == (0.0, 0.0) for iv in shape.bounds.values())


def _decided_leaf(target: Target, shapes: list[_Shape], forms: _Forms, null: int | None
                  ) -> tuple[int, LinExpr] | None:
    """A leaf a model binary already decides, and that binary's literal (see
    :mod:`..analysis.variable_bounds`): for a tree on one column, the null leaf tried first.
    None when there is none."""
    if len(shapes) < 2 or len(forms.exprs) != 1:
        return None
    cols, coefs = scalar_terms(forms.exprs[0])
    if cols.size != 1:
        return None
    order = sorted(range(len(shapes)), key=lambda i: i != null)
    for i in order:
        others = [s.bounds[0] for k, s in enumerate(shapes) if k != i]
        found = deciding_literal(target, int(cols[0]), shapes[i].bounds[0], others)
        if found is not None:
            return i, found.indicator
    return None


def _switched(target: Target, shapes: list[_Shape], forms: _Forms, null: int,
              decided: tuple[int, LinExpr] | None, y: _Value, side: str) -> bool:
    """A tree that is off (form and value 0) on one leaf and, on the others, a convex
    function of its one form (concave for ``side`` "down") that the objective pushes
    against: with ``on`` the 0/1 expression that is 1 off the null leaf, the rows

        ``y >= a_k f + b_k on`` per line,   ``lo on <= f <= hi on``

    (``[lo, hi]`` the other leaves' span, not containing 0) are the perspective of the
    lines: the convex hull of the off point and the function's epigraph, with one binary
    (none when a model binary decides the null leaf). False, adding nothing, when the
    tree is not of that shape."""
    rest = [s for k, s in enumerate(shapes) if k != null]
    lines = _one_function(rest, forms, side, target) if len(forms.exprs) == 1 else None
    if lines is None:
        return False
    lo, hi = min(s.bounds[0][0] for s in rest), max(s.bounds[0][1] for s in rest)
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= 0.0 <= hi:
        return False
    if decided is None:
        on = target.binary("_leaf")
    elif decided[0] == null:
        on = 1 - decided[1]
    elif len(shapes) == 2:
        on = decided[1]
    else:
        return False
    f = forms.exprs[0]
    for slope, intercept in lines:
        target.add_row(y.column - slope * f - intercept * on,
                       **{"lower" if side == "up" else "upper": 0.0}, hint="_tree")
    held = _held_by_variable_bounds(target, f, on, lo, hi)
    if not held[1]:
        target.add_row(f - hi * on, upper=0.0, hint="_tree")
    if not held[0]:
        target.add_row(f - lo * on, lower=0.0, hint="_tree")
    return True


def _held_by_variable_bounds(target: Target, f: LinExpr, on: LinExpr, lo: float, hi: float
                             ) -> tuple[bool, bool]:
    """Whether one of the model's rows between the form's column and ``on``'s binary
    already implies ``f >= lo on`` (first) and ``f <= hi on`` (second): a unit
    commitment's ``p >= pmin u`` and ``p <= pmax u`` written as implications or by hand."""
    cols, _ = scalar_terms(f)
    binaries, weights = scalar_terms(on)
    if cols.size != 1 or binaries.size != 1:
        return False, False
    z, sign, offset = int(binaries[0]), float(weights[0]), float(on.const[0])
    low = high = False
    for a, lower, upper in variable_bound_rows(target, int(cols[0])).get(z, []):
        # x + a z in [lower, upper], z = (on - offset) / sign: at on = 0 and on = 1
        at = [(lower - a * (v - offset) / sign, upper - a * (v - offset) / sign)
              for v in (0.0, 1.0)]
        low = low or (at[0][0] >= 0.0 and at[1][0] >= lo)
        high = high or (at[0][1] <= 0.0 and at[1][1] <= hi)
    return low, high


def _holding(chosen: int, value: float, intervals: list[Interval]) -> int:
    """The leaf whose own interval holds the form's ``value``: ``chosen`` (the solver's)
    when it does, else the nearest."""
    def distance(k: int) -> float:
        lo, hi = intervals[k]
        return max(lo - value, value - hi, 0.0)

    return min(range(len(intervals)), key=lambda k: (distance(k), k != chosen))


def _widen(target: Target, shapes: list[_Shape], forms: _Forms, null: int | None, side: str
           ) -> bool:
    """Drop the conditions the objective makes idle, on a tree over one form (``side`` "up":
    the value is only pushed down, so a leaf may also hold where its value is at least that
    of the leaf that really holds; "down" the other way round). The epigraph stays the
    same, and the rows lose what a modeler leaves out by hand:

    * a leaf with a constant value at least every value below it (above it) holds down to
      the lowest (up to the highest) end: the large fee's ``load > small capacity``;
    * a strict comparison on a continuous form is closed (its gap dropped) where the leaf
      is no better than the leaf holding at the closed end: the set-up cost of ordering
      makes ``q > 0`` into ``q >= 0``, the dearer tier ``q < 100`` into ``q <= 100``, the
      hand model's closed tiers. (Closing it the other way, the cheaper leaf's end, would
      change the answer, and moving the round end of the next leaf onto the gap instead
      was measured slower: tariff 0.13 s to 0.17 s over twelve seeds.)

    Values are linear along the form, so "no better" is checked at end points. The
    leaves' domains widen with them (for the links and the Ms). True when one widened."""
    if len(forms.exprs) != 1:
        return False
    sign = 1.0 if side == "up" else -1.0
    given = [s.bounds[0] for s in shapes]  # every leaf judged as it came
    lowest, highest = min(lo for lo, _ in given), max(hi for _, hi in given)
    if not (math.isfinite(lowest) and math.isfinite(highest)):
        return False

    def no_better(i: int, k: int, points: tuple[float, ...]) -> bool:
        return all(sign * (_value_at(shapes[i], t) - _value_at(shapes[k], t)) >= 0
                   for t in points)

    def holding(t: float, i: int) -> int | None:
        return next((k for k, (lo, hi) in enumerate(given) if k != i and lo <= t <= hi), None)

    hole = 2 * target.options.strict_gap
    widened = False
    for i, (lo, hi) in enumerate(given):
        if i == null:
            continue
        below = [k for k, (_, end) in enumerate(given) if k != i and end <= lo]
        above = [k for k, (start, _) in enumerate(given) if k != i and start >= hi]
        closed_lo, closed_hi = shapes[i].closed.get(0, (lo, hi))
        if shapes[i].value[0] is None and below and all(no_better(i, k, given[k])
                                                        for k in below):
            lo = lowest
        elif lo - hole <= closed_lo < lo:  # a strict lower end, a gap above the closed one
            k = holding(closed_lo, i)
            if k is not None and no_better(i, k, (closed_lo,)):
                lo = closed_lo
        if shapes[i].value[0] is None and above and all(no_better(i, k, given[k])
                                                        for k in above):
            hi = highest
        elif hi < closed_hi <= hi + hole:
            k = holding(closed_hi, i)
            if k is not None and no_better(i, k, (closed_hi,)):
                hi = closed_hi
        if (lo, hi) != given[i]:
            f = forms.exprs[0]
            shapes[i].bounds[0] = (lo, hi)
            shapes[i].domain = Domain(target.bounds, [f - hi, lo - f])
            widened = True
    return widened


def _value_at(shape: _Shape, t: float) -> float:
    """A leaf's value where its one form is ``t``."""
    form, scale, const = shape.value
    return const if form is None else const + scale * t


def _indicators(target: Target, shapes: list[_Shape], forms: _Forms, null: int | None,
                decided: tuple[int, LinExpr] | None) -> list[LinExpr]:
    """One 0/1 expression per leaf, exactly one of them 1. Two leaves told apart by a
    binary variable (``if on: ...``) use that variable itself; a leaf a model binary
    decides uses that binary's literal."""
    count = len(shapes)
    if count == 1:
        return [LinExpr.constant(1.0)]
    if decided is not None:
        i, literal = decided
        if count == 2:
            return [literal, 1 - literal] if i == 0 else [1 - literal, literal]
        own = [target.binary("_leaf") for _ in range(count - 1)]
        target.add_row(quicksum(own) + literal, 1.0, 1.0, hint="_tree")
        return [*own[:i], literal, *own[i:]]
    if count == 2:
        for k, f in enumerate(forms.exprs):
            cols, coefs = scalar_terms(f)
            sides = [s.bounds[k] for s in shapes]
            if (cols.size == 1 and target.integral[cols[0]] and sorted(sides) == [(0.0, 0.0),
                                                                             (1.0, 1.0)]):
                return [f, 1 - f] if sides[0] == (1.0, 1.0) else [1 - f, f]
        delta = target.binary("_leaf")
        return [1 - delta, delta] if null == 0 else [delta, 1 - delta]
    own = [target.binary("_leaf") for _ in range(count - (null is not None))]
    if null is None:
        target.add_row(quicksum(own), 1.0, 1.0, hint="_tree")
        return own
    target.add_row(quicksum(own), upper=1.0, hint="_tree")
    return [*own[:null], 1 - quicksum(own), *own[null:]]


def _hull(target: Target, shapes: list[_Shape], forms: _Forms, indicators: list[LinExpr],
          y: _Value) -> None:
    """The convex hull of the leaves in form space (module docstring)."""
    copies = [[_copy(target, s.bounds[k], d) for k in range(len(forms.exprs))]
              for s, d in zip(shapes, indicators, strict=True)]
    for k, f in enumerate(forms.exprs):
        linking = f - quicksum(parts[k] for parts in copies)
        if scalar_terms(linking)[0].size:  # empty when the copies are the form itself
            target.add_row(linking, 0.0, 0.0, hint="_tree")
    value = []
    for s, d, parts in zip(shapes, indicators, copies, strict=True):
        form, scale, const = s.value
        value.append(const * d if form is None else const * d + scale * parts[form])
    y.equals(quicksum(value))


def _copy(target: Target, interval: Interval, indicator: LinExpr) -> LinExpr:
    """A form's copy on one leaf: ``lo λ <= f^i <= hi λ`` (the constant ``lo λ`` when the
    interval is a point)."""
    lo, hi = interval
    if lo == hi:
        return lo * indicator
    part = target.continuous("_part", min(lo, 0.0), max(hi, 0.0))
    if hi != 0.0:
        target.add_row(part - hi * indicator, upper=0.0, hint="_tree")
    if lo != 0.0:
        target.add_row(part - lo * indicator, lower=0.0, hint="_tree")
    return part


def _big_m(target: Target, shapes: list[_Shape], forms: _Forms, indicators: list[LinExpr],
           y: _Value, what: What) -> None:
    """Each leaf's bounds and value as implications of its indicator (module docstring)."""
    for k, f in enumerate(forms.exprs):
        lows = [s.bounds[k][0] for s in shapes]
        highs = [s.bounds[k][1] for s in shapes]
        _side(target, -f, [-v for v in lows], -target.bounds.lower_of(f), indicators, what)
        _side(target, f, highs, target.bounds.upper_of(f), indicators, what)
    values = [_value_expr(s, forms) for s in shapes]
    if all(s.value[0] is None for s in shapes):
        y.equals(quicksum(s.value[2] * d for s, d in zip(shapes, indicators, strict=True)))
        return
    for i, (v, d) in enumerate(zip(values, indicators, strict=True)):
        others = [j for j in range(len(shapes)) if j != i]
        above = max((shapes[j].domain.upper(values[j] - v) for j in others), default=0.0)
        below = max((shapes[j].domain.upper(v - values[j]) for j in others), default=0.0)
        imply_le(target, y.column - v, d, what, when_off=above)
        imply_le(target, v - y.column, d, what, when_off=below)


def _side(target: Target, f: LinExpr, limits: list[float], proven: float,
          indicators: list[LinExpr], what: What) -> None:
    """``f <= limits[i]`` on leaf ``i``: one aggregated row when every limit is finite,
    else one implication per leaf whose limit is below the proven bound."""
    if all(v >= proven for v in limits):
        return
    if all(map(math.isfinite, limits)):
        target.add_row(f - quicksum(v * d for v, d in zip(limits, indicators, strict=True)),
                       upper=0.0, hint="_tree")
        return
    for i, (limit, d) in enumerate(zip(limits, indicators, strict=True)):
        if limit < proven:
            when_off = max((limits[j] for j in range(len(limits)) if j != i),
                           default=limit) - limit
            imply_le(target, f - limit, d, what, when_off=min(when_off, proven - limit))


def _value_expr(shape: _Shape, forms: _Forms) -> LinExpr:
    form, scale, const = shape.value
    return LinExpr.constant(const) if form is None else scale * forms.exprs[form] + const
