"""The node relaxation: one long-lived HiGHS model whose column bounds change in place."""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from branchwise.core.highs_model import to_highs_model
from branchwise.core.highs_session import new_highs
from branchwise.core.problem import Problem

_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "unbounded_or_infeasible",
    highspy.HighsModelStatus.kObjectiveBound: "cutoff",
    highspy.HighsModelStatus.kIterationLimit: "iteration_limit",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kModelEmpty: "optimal",
}


@dataclass
class LPSolution:
    """Outcome of one relaxation solve, objective in the internal minimisation sense."""

    status: str
    objective: float
    x: np.ndarray | None
    iterations: int


class NodeLP:
    """The continuous relaxation of a problem, minimised, warm-started between solves.

    Maximisation problems are negated once here, so everything above works with a
    minimisation; ``sign`` converts back.
    """

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.sign = -1.0 if problem.maximize else 1.0
        self.n = problem.n_cols
        self.lower = problem.col_lower.copy()
        self.upper = problem.col_upper.copy()
        self.is_qp = problem.Q is not None and problem.Q.nnz > 0
        self.integer_mask = problem.integrality
        self.A = problem.A.tocsr()
        self.row_lower = problem.row_lower.copy()
        self.row_upper = problem.row_upper.copy()
        self.highs = new_highs()
        self._load(problem)
        self._configure()
        self._cols = np.arange(self.n, dtype=np.int32)

    def _load(self, problem: Problem) -> None:
        """Pass the model to HiGHS once: integrality dropped, turned into a minimisation,
        objective constant left out (the search adds it back)."""
        model = to_highs_model(problem, relax=True)
        model.lp_.col_cost_ = self.sign * problem.c
        model.lp_.sense_ = highspy.ObjSense.kMinimize
        model.lp_.offset_ = 0.0
        if self.is_qp:
            model.hessian_.value_ = self.sign * np.array(model.hessian_.value_)
        _check(self.highs.passModel(model), "load the relaxation")

    def _configure(self) -> None:
        """Options for fast warm re-solves: no presolve, dual simplex, devex pricing.

        ``threads`` is left alone: HiGHS sizes one scheduler per process at its first run,
        and asking for another count afterwards makes every solve fail."""
        options = {
            "presolve": "off",
            "solve_relaxation": True,
        }
        if not self.is_qp:
            options.update(simplex_strategy=1, simplex_dual_edge_weight_strategy=1)
        for name, value in options.items():
            _check(self.highs.setOptionValue(name, value), f"set option {name}")

    def set_bounds(self, lower: np.ndarray, upper: np.ndarray) -> None:
        """Change the column bounds to these arrays, touching only columns that differ."""
        changed = np.flatnonzero((lower != self.lower) | (upper != self.upper))
        if changed.size == 0:
            return
        self.lower[changed] = lower[changed]
        self.upper[changed] = upper[changed]
        _check(
            self.highs.changeColsBounds(
                changed.size, changed.astype(np.int32), lower[changed], upper[changed]
            ),
            "change column bounds",
        )

    def add_rows(self, rows: sp.csr_matrix, lower: np.ndarray, upper: np.ndarray) -> None:
        """Append rows (cuts) to the relaxation; the current basis extends with them basic."""
        rows = sp.csr_matrix(rows)
        rows.sort_indices()
        _check(
            self.highs.addRows(
                rows.shape[0], lower, upper, rows.nnz, rows.indptr[:-1].astype(np.int32),
                rows.indices.astype(np.int32), rows.data,
            ),
            "add rows",
        )
        self.A = sp.vstack([self.A, rows], format="csr")
        self.row_lower = np.concatenate([self.row_lower, lower])
        self.row_upper = np.concatenate([self.row_upper, upper])

    def drop_slack_rows(self, first: int) -> int:
        """Delete rows from index ``first`` on that are basic (not binding) in the current
        optimal basis, so the LP stays small; returns how many went. The basis stays valid."""
        basis = self.highs.getBasis()
        basic = np.array([status == highspy.HighsBasisStatus.kBasic
                          for status in list(basis.row_status)[first:]], dtype=bool)
        slack = first + np.flatnonzero(basic)
        if slack.size == 0:
            return 0
        _check(self.highs.deleteRows(slack.size, slack.astype(np.int32)), "delete rows")
        keep = np.ones(self.A.shape[0], dtype=bool)
        keep[slack] = False
        self.A = self.A[keep]
        self.row_lower, self.row_upper = self.row_lower[keep], self.row_upper[keep]
        return int(slack.size)

    def solve(
        self,
        cutoff: float = np.inf,
        iteration_limit: int | None = None,
        time_limit: float = np.inf,
        with_point: bool = True,
    ) -> LPSolution:
        """Re-solve from the current basis; a dual bound above ``cutoff`` stops early.
        Without ``with_point`` the optimal point is not copied out (probes need only the
        objective, and the copy costs as much as a short warm re-solve on wide LPs)."""
        h = self.highs
        if not self.is_qp:
            h.setOptionValue("objective_bound", float(cutoff) if np.isfinite(cutoff) else np.inf)
            h.setOptionValue(
                "simplex_iteration_limit", iteration_limit if iteration_limit else 2**31 - 1
            )
        # HiGHS measures its time limit on a clock that runs across all solves of this
        # object, so the limit is the time used so far plus what this solve may take.
        h.setOptionValue("time_limit", h.getRunTime() + float(max(time_limit, 1e-3)))
        h.run()
        status = _STATUS.get(h.getModelStatus(), "error")
        info = h.getInfo()
        # HiGHS reports the last run's count (-1 once the model has changed since).
        iterations = max(0, info.qp_iteration_count if self.is_qp else
                         info.simplex_iteration_count)
        if status == "optimal" and with_point:
            x = np.array(h.getSolution().col_value)
            return LPSolution(status, float(info.objective_function_value), x, iterations)
        objective = float(info.objective_function_value) if status != "infeasible" else np.inf
        return LPSolution(status, objective, None, iterations)

    def unbounded_direction(self) -> tuple[np.ndarray, np.ndarray] | None:
        """After a solve that ended unbounded: HiGHS's last point and a primal ray along
        which the objective falls without end (None when HiGHS has no ray, as for QPs)."""
        if self.is_qp:
            return None
        status, has_ray, ray = self.highs.getPrimalRay()
        if status != highspy.HighsStatus.kOk or not has_ray:
            return None
        ray = np.asarray(ray, dtype=float)
        point = np.array(self.highs.getSolution().col_value)
        if point.shape != (self.n,) or not np.all(np.isfinite(ray)) or not ray.any():
            return None
        return np.where(np.isfinite(point), point, 0.0), ray

    def probe(
        self, col: int, lower: float, upper: float, cutoff: float, iteration_limit: int
    ) -> LPSolution:
        """Solve with column ``col`` restricted to ``[lower, upper]``, then put the bounds
        and the basis back as they were (strong branching uses this)."""
        basis = self.highs.getBasis()
        old_lower, old_upper = self.lower[col], self.upper[col]
        self.highs.changeColBounds(col, lower, upper)
        try:
            return self.solve(cutoff=cutoff, iteration_limit=iteration_limit, with_point=False)
        finally:
            self.highs.changeColBounds(col, old_lower, old_upper)
            self.highs.setBasis(basis)

    def solve_from_scratch(self, time_limit: float = np.inf) -> LPSolution:
        """Discard the basis and solve again, then with primal simplex, then with HiGHS's
        presolve: the remedies after a numerical failure (dual simplex without presolve
        can end 'unknown' on an unbounded LP)."""
        result = LPSolution("error", np.nan, None, 0)
        for options in ({}, {"simplex_strategy": 4}, {"presolve": "on"}):
            if self.is_qp and options:
                break
            for name, value in options.items():
                self.highs.setOptionValue(name, value)
            self.highs.clearSolver()
            try:
                result = self.solve(time_limit=time_limit)
            finally:
                self._configure()
            if result.status not in ("error", "unbounded_or_infeasible"):
                break
        return result

    def reduced_costs(self) -> np.ndarray:
        """Reduced costs of the columns at the last optimal solve (minimisation sense)."""
        return np.array(self.highs.getSolution().col_dual)

    def get_basis(self) -> highspy.HighsBasis | None:
        """The current basis, for warm-starting later nodes (None for QP relaxations)."""
        if self.is_qp:
            return None
        basis = self.highs.getBasis()
        return basis if basis.valid else None

    def set_basis(self, basis: highspy.HighsBasis | None) -> None:
        """Warm-start the next solve from ``basis`` (ignored when None)."""
        if basis is not None:
            self.highs.setBasis(basis)


def _check(status: highspy.HighsStatus, what: str) -> None:
    """Raise when HiGHS refuses a call: the engine never continues on a failed change."""
    if status == highspy.HighsStatus.kError:
        raise RuntimeError(f"HiGHS could not {what}")
