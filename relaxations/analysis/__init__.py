"""What the reductions know before they write a row: proven bounds (interval arithmetic, FBBT,
OBBT), bounds over one side of a disjunction, and which derived columns are used and may be
relaxed.
"""
