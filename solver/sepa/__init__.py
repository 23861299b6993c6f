"""Separators: Gomory, mixed-integer rounding, knapsack cover and clique cuts, and the pool they
feed.
"""
