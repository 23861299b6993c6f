"""Smooth functions of one real for :class:`~branchwise.nonlinear.nodes.Elementwise` nodes: each
an :class:`Atom` with its value and derivative side by side, the image of an interval, and
its shape (convex, concave, increasing, decreasing) on an interval; and the composition
rule that turns an outer shape and an inner curvature into the curvature of ``f(g)``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from branchwise.core.intervals import Interval

#: Per element: (convex, concave); an affine element is both, an unknown one neither.
Curvature = tuple[np.ndarray, np.ndarray]


#: (convex, concave, increasing, decreasing) of a function on an interval, per element.
Verdict = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Atom:
    """A smooth function of one real: value and derivative side by side, the image of an
    interval, and its shape on an interval. NaN outside its domain; its shape is the one
    it has on its domain (``log`` is concave where it is defined)."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    image: Callable[[np.ndarray, np.ndarray], Interval]
    shape: Callable[[np.ndarray, np.ndarray], Verdict]


def _log_image(lo: np.ndarray, hi: np.ndarray) -> Interval:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.maximum(lo, 0.0)), np.log(np.maximum(hi, 0.0))


EXP = Atom("exp", np.exp, np.exp, lambda lo, hi: (np.exp(lo), np.exp(hi)),
           lambda lo, hi: (True, False, True, False))
LOG = Atom("log", np.log, np.reciprocal, _log_image,
           lambda lo, hi: (False, True, True, False))

#: The shape of ``u**p`` on ``[lo, hi]`` by the kind of exponent ("even" or "odd" integer,
#: or "real", defined for ``u >= 0`` only) and its range ("up": p > 1, "root": 0 < p < 1,
#: "down": p < 0).
POWER_SHAPES: dict[tuple[str, str], Callable[[np.ndarray, np.ndarray], Verdict]] = {
    ("even", "up"): lambda lo, hi: (True, False, lo >= 0, hi <= 0),
    ("odd", "up"): lambda lo, hi: (lo >= 0, hi <= 0, True, False),
    ("real", "up"): lambda lo, hi: (True, False, True, False),
    ("real", "root"): lambda lo, hi: (False, True, True, False),
    ("even", "down"): lambda lo, hi: ((lo > 0) | (hi < 0), False, hi < 0, lo > 0),
    ("odd", "down"): lambda lo, hi: (lo > 0, hi < 0, False, True),
    ("real", "down"): lambda lo, hi: (True, False, False, True),
}


@cache
def power(p: float) -> Atom:
    """``u**p`` for a real ``p`` other than 0 and 1 (one atom per ``p``: equal atoms let
    :mod:`~branchwise.nonlinear.batch` merge their nodes)."""
    kind = "real" if p != round(p) else "even" if round(p) % 2 == 0 else "odd"
    reach = "up" if p > 1 else "root" if p > 0 else "down"

    def f(u: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.power(u, p)

    def df(u: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return p * np.power(u, p - 1)

    def image(lo: np.ndarray, hi: np.ndarray) -> Interval:
        if kind == "real":
            lo, hi = np.maximum(lo, 0.0), np.maximum(hi, 0.0)
        ends = np.stack([f(lo), f(hi)])
        low, high = ends.min(axis=0), ends.max(axis=0)
        straddles = (lo < 0) & (hi > 0)
        if kind == "even":
            low = np.where(straddles, 0.0, low) if p > 0 else low
            high = np.where((lo <= 0) & (hi >= 0), np.inf, high) if p < 0 else high
        elif kind == "odd" and p < 0:
            low = np.where((lo < 0) & (hi >= 0), -np.inf, low)
            high = np.where((lo <= 0) & (hi > 0), np.inf, high)
        return low, high

    return Atom(f"power{p:g}", f, df, image, POWER_SHAPES[kind, reach])


def compose(verdict: Verdict, inner: Curvature) -> Curvature:
    """Curvature of ``f(g)`` from ``f``'s verdict and ``g``'s curvature (the DCP rule):
    convex ``f`` of affine ``g``, of convex ``g`` where ``f`` grows, of concave ``g`` where
    ``f`` falls; concave likewise."""
    f_convex, f_concave, grows, falls = verdict
    convex, concave = inner
    affine = convex & concave
    return (f_convex & (affine | (grows & convex) | (falls & concave)),
            f_concave & (affine | (grows & concave) | (falls & convex)))
