"""SCIP's own reading of a problem file, evaluated at points: the oracle for our file readers.

PySCIPOpt reads OSiL and MPS (QUADOBJ, QCMATRIX) natively. Linear constraints are evaluated
from SCIP's coefficients; nonlinear ones through SCIP's NLP rows, which exist once the
solve has started (presolve off, stopped after the root, so the rows are the file's rows).
SCIP moves a nonlinear or constant part of the objective into auxiliary variables (defined
by a row such as ``objcons: f(x) - z <= 0``, or fixed); their values are derived from ``x``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pyscipopt

#: Magnitude SCIP uses for infinity.
SCIP_INFINITY = 1e20


def _finite(value: float) -> float:
    """SCIP's ±1e20 as ±inf."""
    return math.copysign(math.inf, value) if abs(value) >= SCIP_INFINITY else value


class ScipReading:
    """The variables, constraints and objective SCIP reads from ``path``."""

    def __init__(self, path: Path) -> None:
        model = pyscipopt.Model()
        model.hideOutput()
        model.readProblem(str(path))
        self.model = model
        self.maximize = model.getObjectiveSense() == "maximize"
        self.variables = {v.name: v for v in model.getVars()}
        self.constraints = {c.name: c for c in model.getConss()}
        self.sides = {c.name: self._sides(c) for c in model.getConss()}
        self.linear = {c.name: model.getValsLinear(c) for c in model.getConss()
                       if c.getConshdlrName() == "linear"}
        model.setPresolve(pyscipopt.SCIP_PARAMSETTING.OFF)
        model.setHeuristics(pyscipopt.SCIP_PARAMSETTING.OFF)
        model.setSeparating(pyscipopt.SCIP_PARAMSETTING.OFF)
        model.setParam("limits/nodes", 1)
        model.setParam("lp/solvefreq", -1)
        model.optimize()
        if model.getStage() != pyscipopt.SCIP_STAGE.SOLVING:
            raise AssertionError(f"SCIP finished {path.name} at the root ({model.getStatus()}); "
                                 "its NLP rows are gone")
        self.rows = {r.name: r for r in model.getNlRows()}

    def _sides(self, cons: pyscipopt.scip.Constraint) -> tuple[float, float]:
        kind = cons.getConshdlrName()
        if kind not in ("linear", "nonlinear"):
            raise AssertionError(f"SCIP made a {kind} constraint {cons.name}")
        return _finite(self.model.getLhs(cons)), _finite(self.model.getRhs(cons))

    def bounds(self, name: str) -> tuple[float, float]:
        variable = self.variables[name]
        return _finite(variable.getLbOriginal()), _finite(variable.getUbOriginal())

    def is_integer(self, name: str) -> bool:
        return self.variables[name].vtype() in ("BINARY", "INTEGER")

    def evaluate(self, point: dict[str, float]) -> tuple[float, dict[str, float]]:
        """The objective and the activity of every constraint at ``point`` (variable name →
        value). Auxiliary variables (SCIP's, not in ``point``) are derived from it; the rows
        that define them are left out of the activities."""
        values = dict(point)
        auxiliary = [name for name in self.variables if name not in point]
        for name in auxiliary:
            low, high = self.bounds(name)
            if low == high:
                values[name] = low
        defined = {name: self._defining_row(name) for name in auxiliary if name not in values}
        at_zero = {**values, **dict.fromkeys(defined, 0.0)}
        for name, (row, coef) in defined.items():
            nlrow = self.rows[row]
            side = _finite(nlrow.getRhs())
            side = side if math.isfinite(side) else _finite(nlrow.getLhs())
            values[name] = (side - self._row_activity(nlrow, at_zero)) / coef
        rows = {row for row, _ in defined.values()}
        activities = {name: self._activity(name, values) for name in self.constraints
                      if name not in rows}
        objective = self.model.getObjoffset() + sum(
            v.getObj() * values[name] for name, v in self.variables.items())
        return objective, activities

    def _activity(self, name: str, values: dict[str, float]) -> float:
        """A constraint's activity (its sides hold it), or an NLP row's (a row's name)."""
        if name in self.linear:
            return sum(coef * values[var] for var, coef in self.linear[name].items())
        cons = self.constraints.get(name)
        if cons is not None and self.model.checkQuadraticNonlinear(cons):
            bilinear, square, linear = self.model.getTermsQuadratic(cons)
            return (sum(c * values[a.name] * values[b.name] for a, b, c in bilinear)
                    + sum(c * values[a.name] ** 2 + d * values[a.name] for a, c, d in square)
                    + sum(c * values[a.name] for a, c in linear))
        return self._row_sign(name) * self._row_activity(self.rows[name], values)

    def _row_activity(self, row: pyscipopt.scip.NLRow, values: dict[str, float]) -> float:
        model = self.model
        solution = model.createSol()
        for var_name, variable in self.variables.items():
            model.setSolVal(solution, model.getTransformedVar(variable), values[var_name])
        activity = model.getNlRowSolActivity(row, solution)
        model.freeSol(solution)
        return activity

    def _row_sign(self, name: str) -> float:
        """+1 when the NLP row states the constraint as read, -1 when SCIP negated it (the
        row's sides are the constraint's, negated and swapped); constraints only."""
        if name not in self.constraints:
            return 1.0
        row, (lhs, rhs) = self.rows[name], self.sides[name]
        sides = (_finite(row.getLhs()), _finite(row.getRhs()))
        same, negated = sides == (lhs, rhs), sides == (-rhs, -lhs)
        if same == negated:
            raise AssertionError(f"cannot tell how SCIP's NLP row {name} relates to the constraint")
        return 1.0 if same else -1.0

    def _defining_row(self, name: str) -> tuple[str, float]:
        """The one row an auxiliary variable appears in, and its coefficient there."""
        found = [(row.name, coef) for row in self.rows.values()
                 for v, coef in row.getLinearTerms() if v.name == f"t_{name}"]
        if len(found) != 1:
            raise AssertionError(f"SCIP variable {name} is neither ours nor defined by one row")
        return found[0]
