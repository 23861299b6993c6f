"""Which formulation each construct gets: the one place the rules of ``reformulation`` live.

Modes (``Model.solve(reformulation=...)``, ``Model.to_problem(...)``):

``"bigm"``
    Every construct with binaries and big-M rows, each M the tightest proven bound
    (:mod:`.bounds`); a bound that cannot be proven is an error naming the variable. A
    top-level disjunction of three or more linear conjunctions gets one M per other side
    (:func:`.indicator._either_many`); a decision tree (a nest of ``if_then_else``, an
    ``@bw.program``'s branches) one binary per leaf and Ms over the other leaves' domains.
``"hull"``
    As ``"bigm"``, except that every top-level disjunction of linear conjunctions
    (``either``/``|`` over comparisons, ``&`` of comparisons, binary variables) gets its
    convex hull, and every decision tree its hull in the space of the forms its leaves
    read (:mod:`.tree_formulation`); that needs finite bounds on the variables in it.
``"sos"``
    Native branching wherever it exists: complementarity pairs and user SOS sets go to the
    engine as SOS1/SOS2 sets, piecewise functions as SOS2 weights, and every implication
    ``δ = 1 ⇒ e <= 0`` becomes ``e <= s`` with SOS1{δ, s}: no M at all.
``"auto"`` (the default), construct by construct:
    * a top-level disjunction of two conditions: one binary ``y`` (``y`` switches the
      first side on, ``1 - y`` the second), each row's M proven over the *other* side's
      domain (:mod:`.domain`). Measured against the hull (HiGHS 1.16, one thread): ft06
      job shop 216 x 127 x 90 ints, LP bound 47, 0.82 s, versus the hull's 1206 x 577 x
      180, the same bound 47, 2.5 s; 30 two-box disjunctions (three rows a side) 209 x 90,
      LP 81.45, versus 539 x 240, LP 81.45; 60 one-row disjunctions 179 x 180, LP 78.44,
      versus 839 x 480, LP 78.44. The hull never raised the bound, so two-term
      disjunctions never get it in "auto";
    * a top-level disjunction of three to HULL_MAX_DISJUNCTS linear conjunctions over at
      most HULL_MAX_COLUMNS variables, all with finite bounds: convex hull (not measured
      against big-M yet);
    * a decision tree whose leaves read at most TREE_HULL_MAX_FORMS forms, all bounded:
      their hull (for an if/elif chain on one expression, the hand model's one binary per
      interval); measured on the 10-week purchasing rule (HiGHS 1.16, one thread): 90 x 80
      live rows and columns, 0.08 s, versus 80 x 80 and 0.08 s by hand (the node-by-node
      compile was 337 x 120, 11 s). More forms: big-M as in "bigm". Over one form with
      constant leaf values (a fee by tier of the load) the aggregated rows ``Σ lo_i λ_i
      <= f <= Σ hi_i λ_i`` are the hull themselves (any f between the sums is ``Σ λ_i
      f_i`` with every ``f_i`` at the same fraction of its leaf's interval), so no copies
      are made, in "hull" mode either: the facility export went from 326 x 280 to
      302 x 264 (the hand model 294 x 264) with the same root LP;
    * other top-level disjunctions of linear conjunctions: one M per other side;
    * an implication ``δ = 1 ⇒ e <= 0`` (inside conditions, if_then_else, max, steps,
      semicontinuous variables, SOS sets): big-M when M is finite and at most LARGE_M_RATIO
      times the expression's scale (the largest of 1, |coefficients|, |constant|); else
      native SOS1;
    * a complementarity pair ``y ⟂ z``: one binary and two big-M rows when both Ms are small
      by the same rule; else an SOS1 pair (no binary, no M);
    * piecewise: SOS2 weights; user SOS sets: native.

Without native SOS (``native_sos=False``: ``branchwise convert`` writes files other
solvers read, which cannot hold our SOS sets) every native choice becomes binaries, and a
bound that cannot be proven is then an error. In every mode, a use of abs/max/min/piecewise
where only one side matters (``m.add(abs(x) <= 3)``, a minimised convex cost) is written as
its epigraph without binaries, and so is a decision tree whose leaves form a continuous
convex (concave) function of one form there: that is exact, not a choice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from branchwise.core.tolerances import STRICT_GAP

#: The modes ``reformulation`` accepts.
REFORMULATIONS = ("auto", "bigm", "hull", "sos")
#: In "auto", an M larger than this many times the expression's scale counts as large.
LARGE_M_RATIO = 1e4
#: In "auto", the hull is used for disjunctions of at most this many disjuncts ...
HULL_MAX_DISJUNCTS = 3
#: ... over at most this many variables (the hull copies each of them once per disjunct).
HULL_MAX_COLUMNS = 10
#: In "auto", a decision tree whose leaves read at most this many forms gets their hull.
TREE_HULL_MAX_FORMS = 3


@dataclass(frozen=True)
class Options:
    """How a model is reformulated: the mode, whether the consumer branches on SOS sets,
    the gap kept by strict comparisons on continuous expressions, and OBBT."""

    mode: str = "auto"
    native_sos: bool = True
    strict_gap: float = STRICT_GAP
    obbt: bool = False


def implication_is_native(options: Options, m: float, scale: float) -> bool:
    """Whether ``δ = 1 ⇒ e <= 0`` with big-M ``m`` is branched on natively (SOS1)."""
    if not options.native_sos:
        return False
    if options.mode == "sos":
        return True
    return options.mode == "auto" and not m <= LARGE_M_RATIO * scale


def complementarity_is_native(options: Options, m_y: float, m_z: float,
                              scale: float) -> bool:
    """Whether ``y ⟂ z`` becomes an SOS1 pair rather than a binary with two big-M rows."""
    return implication_is_native(options, max(m_y, m_z), scale)


def sos_is_native(options: Options) -> bool:
    """Whether SOS sets (declared, or the weights of piecewise functions) go to the engine."""
    return options.native_sos and options.mode in ("auto", "sos")


def use_hull(options: Options, disjuncts: int, columns: int, bounded: bool) -> bool:
    """Whether a top-level disjunction of linear conjunctions gets its convex hull."""
    if options.mode == "hull":
        return bounded
    return (hull_possible(options, disjuncts) and bounded and columns <= HULL_MAX_COLUMNS)


def hull_possible(options: Options, disjuncts: int) -> bool:
    """Whether a disjunction of this many terms may get its hull at all (before its
    columns and bounds are looked at)."""
    if options.mode == "hull":
        return True
    return options.mode == "auto" and 2 < disjuncts <= HULL_MAX_DISJUNCTS


def tree_uses_hull(options: Options, forms: int, bounded: bool, constant_values: bool
                   ) -> bool:
    """Whether a decision tree's leaves get their hull in form space with copies (else
    big-M). Over one form with constant leaf values the aggregated big-M rows already are
    the hull (module docstring): no copies then, in any mode."""
    if forms == 1 and constant_values:
        return False
    if options.mode == "hull":
        return bounded
    return options.mode == "auto" and bounded and forms <= TREE_HULL_MAX_FORMS


def scale(coefficients: list[float], constant: float) -> float:
    """The size an M is compared with: the largest of 1, |coefficients| and |constant|."""
    return max([1.0, abs(constant)] + [abs(a) for a in coefficients if math.isfinite(a)])
