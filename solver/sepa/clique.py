"""Clique cuts from a conflict graph over binary literals (columns and their complements)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from branchwise.core.problem import Problem
from branchwise.core.tolerances import FEASIBILITY
from branchwise.solver.plugins import SearchSetup, Separator
from branchwise.solver.relax.lp import NodeLP
from branchwise.solver.sepa.cut_rows import (
    MIN_EFFICACY,
    BinaryKnapsacks,
    binary_knapsacks,
    binary_mask,
    integer_rounded,
    less_equal_rows,
)
from branchwise.solver.sepa.cuts import Cut, _clean

#: Literal values below this count as zero when growing a clique.
_ZERO = 1e-6


class ConflictGraph:
    """Literals ``p < n`` stand for ``x_p``, ``p >= n`` for ``1 - x_(p-n)``; an edge says the
    two literals cannot both be 1 in any feasible point."""

    def __init__(self, n: int, heads: np.ndarray, tails: np.ndarray) -> None:
        self.n = n
        size = 2 * n
        adjacency = sp.coo_matrix((np.ones(heads.size, dtype=np.int32), (heads, tails)),
                                  shape=(size, size)).tocsr()
        adjacency = adjacency + adjacency.T
        adjacency.sum_duplicates()
        adjacency.sort_indices()
        self.indptr, self.indices = adjacency.indptr, adjacency.indices

    @property
    def edges(self) -> int:
        return self.indices.size // 2

    def neighbours(self, p: int) -> np.ndarray:
        """Literals in conflict with ``p`` (sorted)."""
        return self.indices[self.indptr[p]:self.indptr[p + 1]]


def conflict_graph(problem: Problem, max_edges: int = 1_000_000) -> ConflictGraph:
    """Edges from every row where two literals' weights together exceed the capacity, plus
    each binary column against its complement; rows stop adding once ``max_edges`` is hit."""
    n = problem.n_cols
    lower, upper = integer_rounded(problem.col_lower, problem.col_upper, problem.integrality)
    binary = binary_mask(lower, upper, problem.integrality)
    knap = binary_knapsacks(less_equal_rows(problem.A, problem.row_lower, problem.row_upper),
                            lower, upper, binary)
    literal = knap.cols + n * knap.complemented
    own = np.flatnonzero(binary)
    heads, tails, total = [own], [own + n], own.size
    for i in range(knap.capacity.size):
        pairs = _row_conflicts(knap, i)
        if pairs is None:
            continue
        if total + pairs[0].size > max_edges:
            break
        heads.append(literal[pairs[0]])
        tails.append(literal[pairs[1]])
        total += pairs[0].size
    return ConflictGraph(n, np.concatenate(heads), np.concatenate(tails))


def _row_conflicts(knap: BinaryKnapsacks, i: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Positions (into the knapsack arrays) of the literal pairs row ``i`` forbids."""
    part = knap.row(i)
    capacity = knap.capacity[i] + FEASIBILITY * knap.row_scale[i]
    if part.stop - part.start < 2 or not 0 <= capacity < np.inf:
        return None
    order = np.argsort(-knap.weights[part], kind="stable")
    heavy = knap.weights[part][order]
    if heavy[0] + heavy[1] <= capacity:
        return None
    # partners[k]: how many of the heaviest literals conflict with literal k (sorted order)
    partners = np.searchsorted(-heavy, heavy - capacity, side="left")
    count = np.maximum(partners - np.arange(heavy.size) - 1, 0)
    first = np.repeat(np.arange(heavy.size), count)
    offset = np.arange(first.size) - np.repeat(np.cumsum(count) - count, count)
    second = first + 1 + offset
    return part.start + order[first], part.start + order[second]


@dataclass(frozen=True)
class CliqueParameters:
    #: Most edges of the conflict graph (past it, the graph stays partial).
    max_edges: int = 1_000_000
    #: Fractional literals cliques are grown from, per round.
    max_seeds: int = 200


class CliqueSeparator(Separator):
    """Violated cliques of the conflict graph, grown greedily from fractional literals and
    extended to maximal ones. The graph is built once from the problem's global bounds."""

    name = "clique"
    priority = 100
    Parameters = CliqueParameters

    def setup(self, search: SearchSetup) -> None:
        self.graph = conflict_graph(search.problem, self.parameters.max_edges)

    def separate(self, lp: NodeLP, x: np.ndarray) -> list[Cut]:
        """Clique inequalities ``Σ literals <= 1`` violated by ``x``."""
        graph = self.graph
        values = np.clip(np.concatenate([x, 1.0 - x]), 0.0, 1.0)
        degree = np.diff(graph.indptr)
        seeds = np.flatnonzero((values > _ZERO) & (values < 1.0 - _ZERO) & (degree > 0))
        seeds = seeds[np.argsort(-values[seeds], kind="stable")][: self.parameters.max_seeds]
        seen: set[frozenset] = set()
        cuts = []
        for seed in seeds:
            clique = _grow(graph, [int(seed)], values, positive_only=True)
            if values[clique].sum() <= 1.0 + MIN_EFFICACY:
                continue
            clique = _grow(graph, clique, values, positive_only=False)
            key = frozenset(clique)
            if key in seen:
                continue
            seen.add(key)
            cut = _clique_cut(np.array(clique), graph.n, lp.lower, lp.upper)
            if cut is not None and cut.violation(x) > MIN_EFFICACY:
                cuts.append(cut)
        return cuts


def _grow(graph: ConflictGraph, clique: list[int], values: np.ndarray,
          positive_only: bool) -> list[int]:
    """Add common neighbours of the clique, highest value first, until none is left."""
    candidates = graph.neighbours(clique[0])
    for p in clique[1:]:
        candidates = np.intersect1d(candidates, graph.neighbours(p), assume_unique=True)
    if positive_only:
        candidates = candidates[values[candidates] > _ZERO]
    clique = list(clique)
    while candidates.size:
        p = int(candidates[np.argmax(values[candidates])])
        clique.append(p)
        candidates = np.intersect1d(candidates, graph.neighbours(p), assume_unique=True)
    return clique


def _clique_cut(clique: np.ndarray, n: int, lower: np.ndarray, upper: np.ndarray) -> Cut | None:
    """``Σ_{p in clique} literal_p <= 1`` as ``coefficients · x >= rhs``."""
    complemented = clique >= n
    coefficients = np.zeros(n)
    np.add.at(coefficients, clique % n, np.where(complemented, 1.0, -1.0))
    return _clean(coefficients, complemented.sum() - 1.0, lower, upper)
