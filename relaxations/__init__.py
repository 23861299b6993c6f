"""Reductions that turn modeling constructs into plain MILP rows and map solutions back.

:func:`reformulate` runs the passes of :mod:`.chain`; :mod:`.choice` documents which
formulation each construct gets; :mod:`.bounds` proves the bounds every big-M comes from.
"""

from branchwise.relaxations.analysis.bounds import UnboundedExpressionError
from branchwise.relaxations.chain import Reformulation, reformulate
from branchwise.relaxations.choice import REFORMULATIONS

__all__ = ["REFORMULATIONS", "Reformulation", "UnboundedExpressionError", "reformulate"]
