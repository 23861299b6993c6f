"""Relaxation subsolvers: the warm-started HiGHS LP/QP, the gradient NLP, outer approximation and
the LP/NLP side that joins them.
"""
