"""Whole-problem passes before the search: merged row blocks, binary products, the objective as a
row, HiGHS presolve.
"""
