"""Tests of the engine's parts: tree, plugins, heuristics, cuts, propagation, subsolvers, limits."""
