"""Primal heuristics: rounding and diving, guided diving, logic fixing, the feasibility pump, RENS
and RINS sub-MIPs, Scholtes' regularisation.
"""
