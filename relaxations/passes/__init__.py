"""One construct each, lowered into rows with its way back: disjunctions (big-M, hull), indicators,
decision trees, if-then-else, abs/max/min, piecewise, steps, semicontinuous columns, SOS sets,
complementarity, epigraph equalities.
"""
