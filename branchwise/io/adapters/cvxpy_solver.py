"""branchwise as a cvxpy solver: ``prob.solve(solver=bw.CvxpySolver())`` for mixed-integer
cvxpy problems (linear rows, convex quadratic objectives, second-order cones).

cvxpy hands the class its conic form ``min ½xᵀPx + cᵀx + d  s.t.  A x + s = b,  s ∈ K`` with
``K`` = zero cone × nonnegative orthant × second-order cones, plus column bounds and the
indices of boolean and integer columns. The class builds a ``bw.Model`` from those arrays
through the public modeling API, solves it, and reports status and values in cvxpy's terms.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp
from cvxpy import settings as s
from cvxpy.constraints import SOC
from cvxpy.error import SolverError
from cvxpy.problems.problem import SolverStats
from cvxpy.reductions.solution import Solution, failure_solution
from cvxpy.reductions.solvers.conic_solvers.conic_solver import ConicSolver
from cvxpy.reductions.solvers.utilities import stack_vals

import branchwise as bw
from branchwise.solver import option_names

#: branchwise's status → cvxpy's, when the solve returned a verified point. A limit with a
#: point is cvxpy's USER_LIMIT, as its HiGHS and Gurobi interfaces report one; a point
#: whose bound is unproven is OPTIMAL_INACCURATE.
_WITH_SOLUTION = {
    "optimal": s.OPTIMAL,
    "time_limit": s.USER_LIMIT,
    "node_limit": s.USER_LIMIT,
    "interrupted": s.USER_LIMIT,
    "numerical_error": s.OPTIMAL_INACCURATE,
}

#: branchwise's status → cvxpy's, when there is no point and none is expected. Every other
#: ending without a verified point raises :class:`BranchwiseSolverError` (cvxpy's own
#: interfaces make a limit without a point an error too).
_WITHOUT_SOLUTION = {"infeasible": s.INFEASIBLE, "unbounded": s.UNBOUNDED}

#: What each status means, for the message of a solve that returns no solution.
_ENDINGS = {
    "time_limit": "reached its time limit before it found a solution",
    "node_limit": "reached its node limit before it found a solution",
    "interrupted": "was interrupted before it found a solution",
    "numerical_error": "could not solve a relaxation reliably",
}

#: ``prob.solve(solver=..., **options)`` keywords passed on to ``Model.solve``: every solve
#: option but the log (cvxpy's ``verbose`` sets it) and how logic becomes rows.
_OPTIONS = (option_names() - {"log"}) | {"reformulation", "obbt"}

#: The key under which ``apply`` leaves the variables' values for a warm start.
START = "branchwise_start"

#: Keywords cvxpy itself reads at canonicalization and passes on to every solver.
_CVXPY_OWN = frozenset({"use_quad_obj"})


class CvxpySolver(ConicSolver):
    """branchwise's branch-and-bound behind cvxpy's solver interface (MIP-capable).

    Options are keywords of ``prob.solve``: every ``Model.solve`` option (``time_limit``
    in s, ``gap``, ``node_limit``, ``threads``, ``reformulation``, ``cut_rounds``, ...);
    ``verbose=True`` prints the search log; ``warm_start=True`` passes the values the
    variables hold (``.value``, all or some) as a MIP start.
    ``prob.solver_stats`` has the solve and setup times, nodes as ``num_iters``, and the
    ``bw.Result`` (bound, gap, verified; ``.report.reason``) as ``extra_stats``. A solve without
    a verified solution that is not proven infeasible or unbounded raises
    :class:`BranchwiseSolverError` (a ``cvxpy.error.SolverError``) with the reason.
    """

    MIP_CAPABLE = True
    BOUNDED_VARIABLES = True
    SUPPORTED_CONSTRAINTS = [*ConicSolver.SUPPORTED_CONSTRAINTS, SOC]
    MI_SUPPORTED_CONSTRAINTS = SUPPORTED_CONSTRAINTS

    def name(self) -> str:
        """The name cvxpy shows in logs and ``solver_stats`` (not one of cvxpy's own)."""
        return "BRANCHWISE"

    def import_solver(self) -> None:
        """Nothing to import: this module already runs inside branchwise."""

    def supports_quad_obj(self) -> bool:
        """Quadratic objectives arrive as ``P`` instead of being lifted into cones."""
        return True

    def cite(self, data: dict) -> str:
        """What to cite: the project itself."""
        return "branchwise: branch-and-bound over LP/QP relaxations on HiGHS."

    def apply(self, problem: Any) -> tuple[dict, dict]:
        """cvxpy's conic data plus the boolean and integer column indices."""
        data, inv_data = super().apply(problem)
        data[s.BOOL_IDX] = [int(t[0]) for t in problem.x.boolean_idx]
        data[s.INT_IDX] = [int(t[0]) for t in problem.x.integer_idx]
        data[START] = stack_vals(problem.variables, np.nan)  # NaN where no value is set
        return data, inv_data

    def solve_via_data(self, data: dict, warm_start: bool, verbose: bool,
                       solver_opts: dict, solver_cache: dict | None = None) -> dict:
        """Build the model from ``data``, solve it, and keep the Result with the column
        values and the time the model took to build."""
        started = time.perf_counter()
        model, x = conic_model(data)
        setup = time.perf_counter() - started
        options = _solve_options(solver_opts)
        if warm_start:
            options["start"] = _start(x, data.get(START))
        result = model.solve(log=verbose, **options)
        primal = None if result.x is None else np.asarray(result[x], dtype=float)
        return {"result": result, "primal": primal, "setup_time": setup}

    def invert(self, solution: dict, inverse_data: dict) -> Solution:
        """cvxpy's Solution: status, objective with cvxpy's offset, values; no duals.

        A solve that ends without a verified point, and is not proven infeasible or
        unbounded, raises :class:`BranchwiseSolverError` saying why: cvxpy would otherwise
        say only that the solver failed."""
        result = solution["result"]
        attr = _stats(result, solution.get("setup_time"))
        if solution["primal"] is not None and result.verified \
                and result.status in _WITH_SOLUTION:
            value = result.objective + inverse_data[s.OFFSET]
            primal = {inverse_data[self.VAR_ID]: solution["primal"]}
            return Solution(_WITH_SOLUTION[result.status], value, primal, {}, attr)
        if solution["primal"] is None and result.status in _WITHOUT_SOLUTION:
            return failure_solution(_WITHOUT_SOLUTION[result.status], attr)
        raise BranchwiseSolverError(result, SolverStats.from_dict(attr, self.name()))


class BranchwiseSolverError(SolverError):
    """A solve that ended without a verified solution, as cvxpy's ``SolverError`` with
    branchwise's reason in its message. cvxpy leaves ``prob.solver_stats`` as it was when
    a solver fails, so this solve's statistics travel here: ``solver_stats`` (time, nodes)
    and ``result`` (the ``bw.Result``: status, bound, ``.report.reason``)."""

    def __init__(self, result: bw.Result, solver_stats: SolverStats) -> None:
        super().__init__(failure_message(result))
        self.result = result
        self.solver_stats = solver_stats


def failure_message(result: bw.Result) -> str:
    """Why ``result`` gives cvxpy no solution: what the search ran into, after how many
    nodes and seconds, and its reason or the constraint its point breaks."""
    if result.x is not None:
        amount, where = result.violation
        ending = (f"ended '{result.status}' with a point that fails verification (largest "
                  f"violation {amount:.3g}{f' in {where}' if where else ''})")
    else:
        ending = _ENDINGS.get(result.status, f"ended '{result.status}' without a solution")
    reason = result.report.reason
    return (f"BRANCHWISE {ending} after {result.nodes} nodes in {result.time:.3g} s"
            + (f": {reason}" if reason else ""))


def _stats(result: bw.Result, setup_time: float | None) -> dict:
    """cvxpy's solver statistics of a solve: times, nodes as iterations, the Result."""
    return {s.SOLVE_TIME: result.time, s.SETUP_TIME: setup_time, s.NUM_ITERS: result.nodes,
            s.EXTRA_STATS: result}


def conic_model(data: dict) -> tuple[bw.Model, bw.LinExpr]:
    """A ``bw.Model`` of cvxpy's conic data and the expression of its column vector."""
    c = np.asarray(data[s.C], dtype=float)
    model = bw.Model("cvxpy")
    x = _columns(model, data, len(c))
    A, b, dims = sp.csr_array(data[s.A]), np.asarray(data[s.B], dtype=float), data[s.DIMS]  # noqa: N806
    zero, nonneg = dims.zero, dims.nonneg
    if zero:
        model.add(A[:zero] @ x == b[:zero], name="zero")
    if nonneg:
        model.add(A[zero:zero + nonneg] @ x <= b[zero:zero + nonneg], name="nonneg")
    start = zero + nonneg
    for k, size in enumerate(dims.soc):
        cone = b[start:start + size] - A[start:start + size] @ x  # (t, u) with ||u|| <= t
        model.add(bw.norm2(cone[1:]) <= cone[0], name=f"soc{k}")
        model.add(cone[0] >= 0, name=f"soc{k}_head")  # implied; bounds the first relaxation
        start += size
    objective = c @ x
    P = data.get(s.P)  # noqa: N806
    if P is not None and P.nnz:
        objective = objective + 0.5 * (x @ (sp.csr_array(P) @ x))
    model.minimize(objective)
    return model, x


def _columns(model: bw.Model, data: dict, n: int) -> bw.LinExpr:
    """cvxpy's ``n`` columns as one expression: an integer block and a continuous block,
    each with cvxpy's bounds (booleans clipped to [0, 1]), placed back in cvxpy's order."""
    lower = _bound(data.get(s.LOWER_BOUNDS), n, -np.inf)
    upper = _bound(data.get(s.UPPER_BOUNDS), n, np.inf)
    boolean = np.asarray(data[s.BOOL_IDX], dtype=int)
    lower[boolean], upper[boolean] = np.maximum(lower[boolean], 0), np.minimum(upper[boolean], 1)
    integral = np.zeros(n, dtype=bool)
    integral[boolean] = True
    integral[np.asarray(data[s.INT_IDX], dtype=int)] = True
    x = bw.LinExpr.constant(np.zeros(n))
    for make, name, mask in ((model.integer, "int", integral),
                             (model.continuous, "x", ~integral)):
        where = np.flatnonzero(mask)
        if len(where):
            block = make(name, lower[where], upper[where], shape=len(where))
            place = sp.csr_array((np.ones(len(where)), (where, np.arange(len(where)))),
                                 shape=(n, len(where)))
            x = x + place @ block
    return x


def _start(x: bw.LinExpr, values: np.ndarray | None) -> dict | None:
    """A MIP start from the values cvxpy's variables hold (``warm_start=True``): the
    columns with a value, partial when some have none."""
    if values is None:
        return None
    given = np.flatnonzero(np.isfinite(values[:x.shape[0]]))
    return {x[given]: values[given]} if given.size else None


def _bound(values: np.ndarray | None, n: int, default: float) -> np.ndarray:
    """cvxpy's column bounds as a float array (``default`` where cvxpy gives none)."""
    return np.full(n, default) if values is None else np.array(values, dtype=float)


def _solve_options(solver_opts: dict | None) -> dict:
    """``Model.solve`` keywords from cvxpy's solver options; unknown options are an error."""
    opts = {k: v for k, v in (solver_opts or {}).items() if k not in _CVXPY_OWN}
    unknown = sorted(set(opts) - _OPTIONS)
    if unknown:
        raise ValueError(f"BRANCHWISE does not know the option(s) {unknown}; "
                         f"it accepts {sorted(_OPTIONS)}")
    return opts
