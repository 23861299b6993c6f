"""Logic-aware search: the logic columns a reformulation records, the fix-and-propagate
heuristic (an incumbent at the root of every job shop), branching on logic columns first
and the bounds a fixed indicator implies; optima checked against HiGHS and CP-SAT."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

import branchwise as bw
from branchwise.core.problem import Problem
from branchwise.solver.driver import solve
from branchwise.solver.heur.heuristics import fractional_columns
from branchwise.solver.heur.logic_fixing import LogicFixing
from branchwise.solver.options import SolveOptions
from branchwise.solver.plugins import HeuristicContext
from branchwise.solver.presolve.highs_presolve import Presolve
from branchwise.solver.prop.propagation import ActivityPropagator
from branchwise.solver.relax.lp import NodeLP
from branchwise.solver.search import Search
from tests.oracle import oracle_solve

Jobs = list[list[tuple[int, int]]]


def random_jobs(n_jobs: int, n_machines: int, seed: int) -> Jobs:
    """Each job visits every machine once in a random order, times in 1..99."""
    rng = random.Random(seed)
    jobs = []
    for _ in range(n_jobs):
        machines = list(range(n_machines))
        rng.shuffle(machines)
        jobs.append([(machine, rng.randint(1, 99)) for machine in machines])
    return jobs


def job_shop(jobs: Jobs) -> bw.Model:
    """Minimise the makespan; one ``either`` per pair of operations on a machine. The
    start of job j's k-th operation is variable ``j * n_machines + k``; ``cmax`` is last."""
    horizon = sum(p for job in jobs for _, p in job)
    m = bw.Model("jobshop")
    start = [[m.continuous(f"s{j}_{k}", 0, horizon) for k in range(len(job))]
             for j, job in enumerate(jobs)]
    cmax = m.continuous("cmax", 0, horizon)
    on_machine: dict[int, list[tuple[int, int, int]]] = {}
    for j, job in enumerate(jobs):
        for k, (machine, p) in enumerate(job):
            on_machine.setdefault(machine, []).append((j, k, p))
            after = start[j][k + 1] if k + 1 < len(job) else cmax
            m.add(start[j][k] + p <= after)
    for ops in on_machine.values():
        for a, (ja, ka, pa) in enumerate(ops):
            for jb, kb, pb in ops[a + 1:]:
                m.add(bw.either(start[ja][ka] + pa <= start[jb][kb],
                                start[jb][kb] + pb <= start[ja][ka]))
    m.minimize(cmax)
    return m


def makespan(jobs: Jobs, x: np.ndarray) -> float:
    """The schedule's makespan from its start times, after checking in plain Python that
    jobs keep their order and no machine runs two operations at once."""
    n_machines = len(jobs[0])
    starts = {(j, k): float(x[j * n_machines + k]) for j, job in enumerate(jobs)
              for k in range(len(job))}
    tol = 1e-6 * sum(p for job in jobs for _, p in job)
    busy: dict[int, list[tuple[float, float]]] = {}
    for j, job in enumerate(jobs):
        for k, (machine, p) in enumerate(job):
            assert starts[j, k] >= -tol
            if k:
                assert starts[j, k - 1] + job[k - 1][1] <= starts[j, k] + tol
            busy.setdefault(machine, []).append((starts[j, k], starts[j, k] + p))
    for intervals in busy.values():
        intervals.sort()
        for (_, end), (begin, _) in zip(intervals, intervals[1:], strict=False):
            assert end <= begin + tol, "two operations overlap on a machine"
    return max(end for intervals in busy.values() for _, end in intervals)


def cp_sat_makespan(jobs: Jobs) -> float:
    """The optimal makespan by CP-SAT (interval variables, no-overlap per machine)."""
    cp_model = pytest.importorskip("ortools.sat.python.cp_model")
    model = cp_model.CpModel()
    horizon = sum(p for job in jobs for _, p in job)
    intervals: dict[int, list] = {}
    ends = []
    for job in jobs:
        previous_end = None
        for machine, p in job:
            s = model.NewIntVar(0, horizon, "")
            intervals.setdefault(machine, []).append(model.NewIntervalVar(s, p, s + p, ""))
            if previous_end is not None:
                model.Add(previous_end <= s)
            previous_end = s + p
        ends.append(previous_end)
    span = model.NewIntVar(0, horizon, "")
    for end in ends:
        model.Add(span >= end)
    for group in intervals.values():
        model.AddNoOverlap(group)
    model.Minimize(span)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 30
    assert solver.Solve(model) == cp_model.OPTIMAL
    return solver.ObjectiveValue()


def root_only(problem: Problem):
    """Solve with no node beyond the root."""
    return solve(problem, SolveOptions(node_limit=0, time_limit=60, cut_rounds=0))


@pytest.mark.parametrize("size, seed, reformulation", [
    ((4, 3), 0, "auto"), ((5, 4), 1, "bigm"), ((6, 3), 2, "hull"), ((5, 5), 3, "auto")])
def test_job_shop_has_an_incumbent_at_the_root(size, seed, reformulation):
    jobs = random_jobs(*size, seed)
    report = root_only(job_shop(jobs).to_problem(reformulation))
    assert report.x is not None and report.nodes == 0
    span = makespan(jobs, report.x)
    assert report.objective == pytest.approx(report.x[size[0] * size[1]])  # cmax
    assert report.objective >= span - 1e-6
    assert span >= cp_sat_makespan(jobs) - 1e-6


@pytest.mark.parametrize("reformulation", ["auto", "bigm"])
def test_ten_by_five_job_shop_has_an_incumbent_at_the_root(reformulation):
    jobs = random_jobs(10, 5, 1)
    report = root_only(job_shop(jobs).to_problem(reformulation))
    assert report.x is not None and report.nodes == 0
    assert report.objective >= makespan(jobs, report.x) - 1e-6
    assert makespan(jobs, report.x) >= cp_sat_makespan(jobs) - 1e-6


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("priority", [True, False])
def test_small_job_shop_optimum_matches_cp_sat_and_highs(seed, priority):
    jobs = random_jobs(3, 3, seed)
    problem = job_shop(jobs).to_problem()
    report = solve(problem, SolveOptions(time_limit=60, logic_priority=priority))
    assert report.status == "optimal"
    expected = cp_sat_makespan(jobs)
    assert makespan(jobs, report.x) == pytest.approx(expected, abs=1e-6)
    assert report.objective == pytest.approx(expected, abs=1e-6)
    assert oracle_solve(problem).objective == pytest.approx(expected, abs=1e-6)


def test_reformulation_records_its_binaries_as_logic_columns():
    m = bw.Model()
    x = m.integer("x", 0, 10)
    y = m.continuous("y", 0, 10)
    m.add(bw.either(x + y <= 3, x - y >= 6))
    m.minimize(y - x)
    problem = m.to_problem("bigm")
    logic = problem.logic_columns
    assert logic.size >= 1 and problem.integrality[logic].all()
    assert 0 not in logic  # the user's integer x is not logic
    assert all(problem.col_names[j].startswith("_") for j in logic)


def test_logic_columns_are_validated():
    base = dict(c=[1.0, 0.0], A=sp.csr_matrix((0, 2)), row_lower=[], row_upper=[],
                col_lower=[0, 0], col_upper=[1, 1], integrality=[True, False])
    assert Problem(**base, logic_columns=[0]).logic_columns.tolist() == [0]
    for bad in ([1], [2], [-1]):  # continuous, out of range, negative
        with pytest.raises(ValueError, match="logic_columns"):
            Problem(**base, logic_columns=bad)


def test_presolve_keeps_logic_columns_by_name():
    # One extra disjunction whose first side cannot hold (late <= 10): presolve fixes its
    # indicator and removes it; every other logic column keeps its name in the reduced model.
    model = job_shop(random_jobs(4, 3, 5))
    late = model.continuous("late", 0, 10)
    model.add(bw.either(late >= 20, late <= 5))
    problem = model.to_problem("bigm")
    presolve = Presolve(problem, 10.0)
    assert presolve.outcome == "reduced"
    reduced = presolve.reduced
    logic_names = {problem.col_names[j] for j in problem.logic_columns}
    kept = {reduced.col_names[j] for j in reduced.logic_columns}
    integer_names = {reduced.col_names[j] for j in np.flatnonzero(reduced.integrality)}
    assert kept == logic_names & integer_names
    assert len(kept) == len(logic_names) - 1


def big_m_milp(seed: int) -> Problem:
    """Binaries y switching rows ``a·x <= b + M (1 - y)`` (M from the bounds of x), at
    least two rows on, a few general integers and a random objective."""
    rng = np.random.default_rng(seed)
    n_x, n_y, n_int = 5, 6, 2
    n = n_x + n_y + n_int
    rows, lower, upper = [], [], []
    for i in range(n_y):
        a = np.zeros(n)
        a[:n_x] = rng.integers(-4, 5, n_x)
        a[n_x + n_y:] = rng.integers(-2, 3, n_int)
        b = float(rng.integers(-5, 10))
        worst = np.maximum(a[:n_x], 0).sum() * 10 + np.abs(a[n_x + n_y:]).sum() * 5
        big_m = max(worst - b, 1.0)
        a[n_x + i] = big_m  # a·x + M y <= b + M
        rows.append(a)
        lower.append(-np.inf)
        upper.append(b + big_m)
    pick = np.zeros(n)
    pick[n_x:n_x + n_y] = 1.0
    rows.append(pick)
    lower.append(2.0)
    upper.append(np.inf)
    integrality = np.r_[np.zeros(n_x, bool), np.ones(n_y + n_int, bool)]
    return Problem(c=rng.integers(-5, 6, n).astype(float), A=sp.csr_matrix(np.array(rows)),
                   row_lower=lower, row_upper=upper, col_lower=np.zeros(n),
                   col_upper=np.r_[np.full(n_x, 10.0), np.ones(n_y), np.full(n_int, 5.0)],
                   integrality=integrality, logic_columns=np.arange(n_x, n_x + n_y))


@pytest.mark.parametrize("seed", range(12))
def test_big_m_milps_match_highs_with_and_without_priority(seed):
    problem = big_m_milp(seed)
    expected = oracle_solve(problem)
    for priority in (True, False):
        report = solve(problem, SolveOptions(time_limit=30, logic_priority=priority))
        assert report.status == expected.status
        if expected.status == "optimal":
            assert report.objective == pytest.approx(expected.objective, abs=1e-6)
            assert problem.is_feasible(report.x)


def logic_fixing(problem: Problem) -> tuple[LogicFixing, NodeLP, np.ndarray]:
    """The heuristic set up as a search on ``problem`` sets it up, with that search's node
    LP and integer columns."""
    search = Search(problem, SolveOptions())
    heuristic = LogicFixing()
    heuristic.setup(search.setup)
    return heuristic, search.lp, search.integer_cols


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("named", [True, False])
def test_logic_fixing_proposes_only_feasible_points(seed, named):
    """Straight from the heuristic (not through the incumbent's checks): whatever it
    returns satisfies every row, bound and integrality."""
    problem = big_m_milp(seed)
    if not named:  # a hand-written model: every binary is a candidate
        problem = replace(problem, logic_columns=np.zeros(0, dtype=np.int64))
    heuristic, lp, integer_cols = logic_fixing(problem)
    lp.set_bounds(problem.col_lower, problem.col_upper)
    root = lp.solve()
    if root.status != "optimal":
        return
    fractional = fractional_columns(root.x, integer_cols)
    context = HeuristicContext(root.x, fractional, problem.col_lower.copy(),
                               problem.col_upper.copy(), np.inf, 0, 0)
    if not heuristic.should_run(context):
        return
    point = heuristic.run(context)
    if point is not None:
        assert problem.violation(point)[0] <= 1e-6
    # the LP is handed back with the domain it had
    assert np.array_equal(lp.lower, problem.col_lower)
    assert np.array_equal(lp.upper, problem.col_upper)


def test_logic_fixing_takes_the_side_nearest_the_lp_point():
    """``x_i <= -1 | x_i >= 1 + k_i``, minimising ``|x_i - u_i|``: the root LP puts each
    x_i at u_i with its binary wherever the rows allow; the side whose rows that point
    violates less is the nearer interval, which makes the fixed point optimal."""
    rng = np.random.default_rng(3)
    targets, shifts = rng.uniform(-2, 2, 40), np.arange(40) % 3
    m = bw.Model("nearest")
    x = m.continuous("x", shape=40, lb=-10, ub=10)
    for i in range(40):
        m.add(bw.either(x[i] <= -1, x[i] >= 1 + shifts[i]))
    m.minimize(bw.quicksum(abs(x[i] - targets[i]) for i in range(40)))
    problem = m.to_problem()
    heuristic, lp, integer_cols = logic_fixing(problem)
    lp.set_bounds(problem.col_lower, problem.col_upper)
    root = lp.solve()
    context = HeuristicContext(root.x, fractional_columns(root.x, integer_cols),
                               problem.col_lower.copy(), problem.col_upper.copy(), np.inf, 0, 0)
    point = heuristic.run(context)
    assert point is not None and problem.violation(point)[0] <= 1e-6
    nearest = np.minimum(np.maximum(targets + 1, 0), np.maximum(1 + shifts - targets, 0))
    assert problem.objective_value(point) == pytest.approx(nearest.sum(), abs=1e-6)


def test_fixing_an_indicator_tightens_the_rows_it_switches():
    """``s_a + 5 <= s_b + 100 (1 - y)`` and ``s_b + 3 <= s_a + 100 y``, starts in
    [0, 100]: y = 1 gives ``s_a <= 95``, ``s_b >= 5``; y = 0 gives ``s_b <= 97``,
    ``s_a >= 3`` — from the indicator's column alone, as at a node."""
    A = sp.csr_matrix(np.array([[1.0, -1.0, 100.0], [-1.0, 1.0, -100.0]]))  # noqa: N806
    problem = Problem(c=np.zeros(3), A=A, row_lower=[-np.inf, -np.inf],
                      row_upper=[95.0, -3.0], col_lower=[0, 0, 0], col_upper=[100, 100, 1],
                      integrality=[False, False, True], logic_columns=[2])
    propagator = ActivityPropagator(problem)
    for y, expected_lower, expected_upper in ((1.0, [0, 5], [95, 100]),
                                              (0.0, [3, 0], [100, 97])):
        lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
        lower[2] = upper[2] = y
        assert propagator.propagate(lower, upper, np.array([2]))
        np.testing.assert_allclose(lower[:2], expected_lower, atol=1e-4)
        np.testing.assert_allclose(upper[:2], expected_upper, atol=1e-4)


@pytest.mark.parametrize("reformulation", ["bigm", "hull", "auto"])
def test_fixing_a_compiled_disjunct_binary_moves_a_start_bound(reformulation):
    """On the rows the reformulation writes for ``either(a + 4 <= b, b + 6 <= a)``, fixing
    any one of its binaries either way tightens a bound of ``a`` or ``b`` (or empties the
    domain), through the incremental propagation the nodes use."""
    m = bw.Model()
    a, b = m.continuous("a", 0, 50), m.continuous("b", 0, 50)
    m.add(bw.either(a + 4 <= b, b + 6 <= a))
    m.minimize(a + b)
    problem = m.to_problem(reformulation)
    propagator = ActivityPropagator(problem)
    assert problem.logic_columns.size
    for col in problem.logic_columns:
        for value in (0.0, 1.0):
            lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
            lower[col] = upper[col] = value
            if not propagator.propagate(lower, upper, np.array([col])):
                continue
            moved = ((lower[:2] > problem.col_lower[:2] + 1)
                     | (upper[:2] < problem.col_upper[:2] - 1))
            assert moved.any(), f"{problem.col_names[col]} = {value} implied nothing"
