"""Callbacks on a solve (branchwise/watching.py, solver/watch.py): every incumbent in
order of improvement, verified in the model's variables; stopping from either callback;
an exception that stops the search and reaches the caller with the result made; the
problem-level callbacks see points of the problem they were given, presolve or not."""

from __future__ import annotations

import math

import highspy
import pytest

from branchwise.solver import SolveOptions, solve
from tests import yardsticks
from tests.modeling.test_start import VALUES, WEIGHTS, knapsack


@pytest.mark.parametrize("presolve", [True, False])
def test_every_incumbent_is_seen_verified_and_improving(presolve):
    m, x = knapsack()
    seen = []
    res = m.solve(presolve=presolve, on_incumbent=lambda r: seen.append(
        (r.objective, r.verified, r[x].copy())))
    assert res.status == "optimal" and seen
    objectives = [objective for objective, _, _ in seen]
    assert all(b > a for a, b in zip(objectives, objectives[1:], strict=False))  # maximising
    assert all(verified for _, verified, _ in seen)
    assert math.isclose(objectives[-1], res.objective)
    for objective, _, values in seen:  # each reported point is what it claims
        assert WEIGHTS @ values <= 300 and math.isclose(float(VALUES @ values), objective)


def test_incumbents_of_a_logic_model_are_in_the_users_variables():
    m, start, makespan = yardsticks.job_shop_variables(hand=False)
    seen = []
    res = m.solve(time_limit=60, on_incumbent=lambda r: seen.append((r.objective,
                                                                     r[makespan])))
    assert res.status == "optimal" and math.isclose(res.objective, 55.0)
    assert [a for a, _ in seen] == sorted((a for a, _ in seen), reverse=True)
    assert all(math.isclose(a, b) for a, b in seen)


def test_true_from_on_incumbent_stops_with_that_incumbent():
    m, x = knapsack()
    first = []
    res = m.solve(on_incumbent=lambda r: first.append(r.objective) or True)
    assert res.status == "interrupted" and res.verified
    assert first == [res.objective]


def test_true_from_on_progress_stops_the_search():
    m = yardsticks.job_shop(hand=False)
    calls = []
    res = m.solve(time_limit=60, log_interval=0.0, on_progress=lambda s: calls.append(s)
                  or s["nodes"] >= 5)
    assert res.status == "interrupted"
    assert calls and set(calls[0]) == {"objective", "bound", "gap", "nodes", "open_nodes",
                                       "time"}


def test_an_exception_in_a_callback_reaches_the_caller_after_a_clean_stop():
    class Refused(Exception):
        pass

    def refuse(result):
        raise Refused("no thanks")

    m, x = knapsack()
    with pytest.raises(Refused) as raised:
        m.solve(on_incumbent=refuse)
    assert raised.value.result.status == "interrupted" and raised.value.result.verified
    # Nothing is left half done: the next solve, and the caller's own HiGHS, work.
    m, x = knapsack()
    assert m.solve().status == "optimal"
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.addVar(0.0, 1.0)
    assert h.run() == highspy.HighsStatus.kOk


@pytest.mark.parametrize("presolve", [True, False])
def test_problem_level_incumbents_are_points_of_the_problem_given(presolve):
    m, _ = knapsack()
    problem = m.to_problem()
    seen = []
    options = SolveOptions(presolve=presolve, on_incumbent=lambda x, progress: seen.append(
        (x.copy(), progress["objective"])))
    report = solve(problem, options)
    assert report.status == "optimal" and seen
    for x, objective in seen:
        assert x.shape == (problem.n_cols,) and problem.violation(x)[0] <= 1e-6
        assert math.isclose(problem.objective_value(x), objective)
    assert math.isclose(seen[-1][1], report.objective)


def test_the_trajectory_closes_the_gap_and_plots():
    m = yardsticks.job_shop(hand=False)
    res = m.solve(time_limit=60)
    times = [t for t, _, _ in res.trajectory]
    incumbents = [o for _, o, _ in res.trajectory if o is not None]
    assert times == sorted(times) and incumbents == sorted(incumbents, reverse=True)
    assert res.trajectory[-1][1:] == (res.objective, res.bound)
    figure = res.plot()
    assert [line.get_label() for line in figure.axes[0].get_lines()] == ["incumbent", "bound"]


def test_the_plot_is_saved_where_asked(tmp_path):
    m, _ = knapsack()
    res = m.solve()
    res.plot(tmp_path / "run.png")
    assert (tmp_path / "run.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_maximisations_trajectory_speaks_its_sense():
    # HiGHS presolves the knapsack into a minimisation; the trajectory is turned back.
    m, _ = knapsack()
    res = m.solve()
    assert all(o is None or o > 0 for _, o, _ in res.trajectory)
    assert res.trajectory[-1][1] == res.objective
