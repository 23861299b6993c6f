"""Reductions that turn modeling constructs into plain MILP rows and map solutions back."""
