"""What all three rooms share: the canonical Problem, tolerances, intervals, smooth rows, sparse
kernels, the clock and the HiGHS model builder.
"""
