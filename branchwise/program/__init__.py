"""``@bw.program``: the decorator, the AST transform, and what the rewritten body calls while it
runs.
"""
