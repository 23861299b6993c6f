"""Branching rules: reliability branching on pseudocosts, and the children of a violated SOS set."""
