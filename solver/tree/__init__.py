"""The search tree: nodes as bound-change trails, the node queue and its selection, the incumbent
(with its repair and the objective's step).
"""
