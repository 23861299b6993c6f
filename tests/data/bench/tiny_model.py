"""A maximisation given as a ``.py`` model file (anything with ``to_problem()``), so the
benchmark harness sends branchwise the model and the other solvers its converted MPS."""

import numpy as np

from branchwise.core.problem import Problem


class TinyModel:
    """max 3x + 2y s.t. 2x + 2y <= 7, x, y integer in [0, 10]: optimum 9 at x=3, y=0."""

    def to_problem(self) -> Problem:
        return Problem(c=[3.0, 2.0], A=[[2.0, 2.0]], row_lower=[-np.inf], row_upper=[7.0],
                       col_lower=[0.0, 0.0], col_upper=[10.0, 10.0],
                       integrality=[True, True], maximize=True, name="tiny_model")


model = TinyModel()
