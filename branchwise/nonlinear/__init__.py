"""Nonlinear expressions: node types, functions of one real, graph passes, stacking, and their
rows.
"""
