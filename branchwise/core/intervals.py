"""Interval arithmetic on arrays: element-by-element products and quadratic forms over a
box, shared by the expression nodes and the engine's epigraph bounds."""

from __future__ import annotations

import numpy as np

#: Element-by-element lower and upper ends.
Interval = tuple[np.ndarray, np.ndarray]


def product_interval(a: Interval, b: Interval) -> Interval:
    """Interval of ``a * b`` element by element (``0 * inf`` counts as 0)."""
    with np.errstate(invalid="ignore"):
        corners = np.stack([a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]])
    corners = np.where(np.isnan(corners), 0.0, corners)
    return corners.min(axis=0), corners.max(axis=0)


def scale_interval(a: Interval, factor: np.ndarray) -> Interval:
    """Interval of ``factor * a`` for constant factors."""
    return product_interval(a, (factor, factor))


def quadratic_interval(qi: np.ndarray, qj: np.ndarray, qv: np.ndarray, lower: np.ndarray,
                       upper: np.ndarray) -> tuple[float, float]:
    """Interval of ``Σ_k qv[k]·x[qi[k]]·x[qj[k]]`` over ``lower <= x <= upper``, term by
    term (a square is never negative)."""
    lo, hi = product_interval((lower[qi], upper[qi]), (lower[qj], upper[qj]))
    square = (qi == qj) & (lower[qi] < 0) & (upper[qi] > 0)
    terms = scale_interval((np.where(square, 0.0, lo), hi), qv)
    return float(terms[0].sum()), float(terms[1].sum())
