"""The fixed-structure Jacobian of nonlinear expressions: the sparse kernels against scipy's
own products, and random vector compositions (shared subexpressions included) against
derivatives by the chain rule written here on dense arrays, and against central finite
differences; values and Jacobians kept between calls must follow the point."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import branchwise as bw
from branchwise.core.sparsekernels import MatVec, ProductPlan, structure, with_values
from branchwise.nonlinear.expr import as_nlexpr
from branchwise.nonlinear.graph import ExpressionFunction

N = 6
MIX = np.array([[1.0, -2.0, 0.0], [0.5, 0.0, 3.0], [0.0, 1.0, -1.0]])


# --- kernels -------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), st.floats(0.0, 1.0),
       st.integers(0, 10_000))
def test_product_plan_matches_scipy(m, k, n, density, seed):
    rng = np.random.default_rng(seed)
    a = sp.random(m, k, density, format="csr", random_state=rng)
    b = sp.random(k, n, density, format="csr", random_state=rng)
    extra = sp.random(m, n, 0.3, format="csr", random_state=rng)
    c = structure(structure(a) @ structure(b) + extra)  # C may hold more entries
    values = ProductPlan(a, b, c)(a.data, b.data)
    np.testing.assert_allclose(with_values(c, values).toarray(), (a @ b).toarray(),
                               rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("size", [4, 40])  # below and above SCIPY_FROM_NNZ entries
def test_matvec_adds_duplicate_entries(size):
    rng = np.random.default_rng(size)
    rows, cols = rng.integers(0, size, size=(2, size * size))  # with repeats
    data = rng.normal(size=size * size)
    dense = np.zeros((size, size))
    np.add.at(dense, (rows, cols), data)
    v = rng.normal(size=size)
    product = MatVec(sp.coo_matrix((data, (rows, cols)), shape=(size, size)))(v)
    np.testing.assert_allclose(product, dense @ v, rtol=1e-12, atol=1e-12)


def test_with_values_gives_an_independent_valid_matrix():
    pattern = structure(sp.random(4, 5, 0.5, format="csr", random_state=1))
    first = with_values(pattern, np.arange(pattern.nnz, dtype=float))
    checked = sp.csr_matrix((first.data, pattern.indices, pattern.indptr), shape=(4, 5))
    np.testing.assert_array_equal(first.toarray(), checked.toarray())
    first.eliminate_zeros()  # changes the index arrays in place: the pattern keeps its own
    second = with_values(pattern, np.ones(pattern.nnz))
    np.testing.assert_array_equal(second.toarray(), pattern.toarray())
    with pytest.raises(ValueError):
        with_values(pattern, np.ones(pattern.nnz + 1))


# --- random compositions against the chain rule on dense arrays ----------------------------

class Dense:
    """A vector's values and dense Jacobian over the N columns: the reference."""

    def __init__(self, value: np.ndarray, jac: np.ndarray) -> None:
        self.value, self.jac = value, jac


def _scale(d: Dense, factor: np.ndarray, value: np.ndarray) -> Dense:
    """``g(d)`` with ``g' = factor`` element by element."""
    return Dense(value, factor[:, None] * d.jac)


def _norm_times(d: Dense) -> Dense:
    r = np.linalg.norm(d.value)
    return Dense(r * d.value, r * d.jac + np.outer(d.value, d.value @ d.jac / r))


#: name: (on expressions, on the reference); values stay finite on [0.5, 2]^N.
UNARY = {
    "exp": (lambda u: bw.exp(0.3 * u),
            lambda d: _scale(d, 0.3 * np.exp(0.3 * d.value), np.exp(0.3 * d.value))),
    "log": (lambda u: bw.log(1.0 + u * u),
            lambda d: _scale(d, 2 * d.value / (1 + d.value ** 2), np.log(1 + d.value ** 2))),
    "sqrt": (lambda u: bw.sqrt(1.0 + u * u),
             lambda d: _scale(d, d.value / np.sqrt(1 + d.value ** 2),
                              np.sqrt(1 + d.value ** 2))),
    "cube": (lambda u: 0.1 * u ** 3, lambda d: _scale(d, 0.3 * d.value ** 2, 0.1 * d.value ** 3)),
    "reverse": (lambda u: u[::-1], lambda d: Dense(d.value[::-1], d.jac[::-1])),
    "plus sum": (lambda u: u + u.sum(), lambda d: Dense(d.value + d.value.sum(),
                                                        d.jac + d.jac.sum(axis=0))),
    "mix": (lambda u: MIX @ u, lambda d: Dense(MIX @ d.value, MIX @ d.jac)),
    "norm times": (lambda u: bw.norm2(u) * u, _norm_times),
}
BINARY = {
    "mul": (lambda a, b: a * b,
            lambda p, q: Dense(p.value * q.value,
                               q.value[:, None] * p.jac + p.value[:, None] * q.jac)),
    "div": (lambda a, b: a / (1.0 + b * b),
            lambda p, q: Dense(p.value / (1 + q.value ** 2),
                               p.jac / (1 + q.value ** 2)[:, None]
                               - (2 * p.value * q.value / (1 + q.value ** 2) ** 2)[:, None]
                               * q.jac)),
    "sub": (lambda a, b: a - 2.0 * b, lambda p, q: Dense(p.value - 2 * q.value, p.jac - 2 * q.jac)),
}
#: The first terms: three-element slices of the columns.
SLICES = [slice(0, 3), slice(3, 6), slice(0, 6, 2)]


@st.composite
def programs(draw):
    """Steps ``(op, operand positions)``, each making a new term from earlier ones (so
    terms are shared across the DAG), over the slices of the columns."""
    steps = []
    for count in range(len(SLICES), len(SLICES) + draw(st.integers(1, 6))):
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(sorted(UNARY))), (draw(st.integers(0, count - 1)),)))
        else:
            steps.append((draw(st.sampled_from(sorted(BINARY))),
                          (draw(st.integers(0, count - 1)), draw(st.integers(0, count - 1)))))
    return steps


def run(steps, terms: list):
    """The last term after ``steps``, on expressions or on the reference."""
    on_reference = isinstance(terms[0], Dense)
    for name, operands in steps:
        op = UNARY.get(name) or BINARY[name]
        terms.append(op[on_reference](*(terms[i] for i in operands)))
    return terms[-1]


def central_differences(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    return np.column_stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


@settings(max_examples=80, deadline=None)
@given(programs(), st.integers(0, 10_000))
def test_random_compositions_match_the_chain_rule_and_differences(steps, seed):
    m = bw.Model()
    v = m.continuous("v", 0.5, 2.0, shape=N)
    function = ExpressionFunction(as_nlexpr(run(steps, [v[s] for s in SLICES])), N)
    rng = np.random.default_rng(seed)
    for x in rng.uniform(0.5, 2.0, size=(2, N)):
        reference = run(steps, [Dense(x[s], np.eye(N)[s]) for s in SLICES])
        scale = 1.0 + np.abs(reference.jac).max()
        np.testing.assert_allclose(function.value(x), reference.value, rtol=1e-12,
                                   atol=1e-12 * (1 + np.abs(reference.value).max()))
        jacobian = function.jacobian(x)
        assert sp.isspmatrix_csr(jacobian) and jacobian.shape == (3, N)
        np.testing.assert_allclose(jacobian.toarray(), reference.jac, rtol=1e-10,
                                   atol=1e-10 * scale)
        np.testing.assert_allclose(central_differences(function.value, x), reference.jac,
                                   rtol=1e-5, atol=1e-5 * scale)


# --- values kept between calls -------------------------------------------------------------

def test_kept_values_follow_the_point_and_results_are_the_callers():
    m = bw.Model()
    v = m.continuous("v", 0.5, 2.0, shape=N)
    function = ExpressionFunction(as_nlexpr(bw.exp(v[:3]) * v[3:]), N)
    x = np.linspace(0.6, 1.8, N)
    first = function.value(x)
    first[:] = 0.0  # the caller's array: the next call does not see this
    np.testing.assert_allclose(function.value(x), np.exp(x[:3]) * x[3:])
    jacobian = function.jacobian(x)
    jacobian.data[:] = -1.0
    x[0] += 0.25  # changed in place: the same array object, a new point
    np.testing.assert_allclose(function.value(x), np.exp(x[:3]) * x[3:])
    expected = np.zeros((3, N))
    expected[range(3), range(3)] = np.exp(x[:3]) * x[3:]
    expected[range(3), range(3, 6)] = np.exp(x[:3])
    np.testing.assert_allclose(function.jacobian(x).toarray(), expected)


def test_derivatives_that_vanish_at_a_point_are_zero_there():
    m = bw.Model()
    v = m.continuous("v", -1.0, 1.0, shape=N)
    function = ExpressionFunction(as_nlexpr(v[:3] * v[3:] + bw.norm2(v[:2])), N)
    x = np.array([0.0, 0.0, 0.5, 0.0, 2.0, 0.0])
    expected = np.zeros((3, N))
    expected[range(3), range(3)] = x[3:]
    expected[range(3), range(3, 6)] = x[:3]  # the norm's gradient at 0: the subgradient 0
    np.testing.assert_array_equal(function.jacobian(x).toarray(), expected)


# --- many functions merged into one ---------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.lists(programs(), min_size=1, max_size=4), st.integers(0, 10_000))
def test_stacked_functions_match_the_chain_rule(steps_per_part, seed):
    m = bw.Model()
    v = m.continuous("v", 0.5, 2.0, shape=N)
    shared = [v[s] for s in SLICES]  # the parts share their first terms' nodes
    parts = [ExpressionFunction(as_nlexpr(run(steps, list(shared))), N)
             for steps in steps_per_part]
    stacked = parts[0].stack(parts[1:])
    assert stacked.n_out == 3 * len(parts)
    for x in np.random.default_rng(seed).uniform(0.5, 2.0, size=(2, N)):
        references = [run(steps, [Dense(x[s], np.eye(N)[s]) for s in SLICES])
                      for steps in steps_per_part]
        value = np.concatenate([r.value for r in references])
        jac = np.vstack([r.jac for r in references])
        np.testing.assert_allclose(stacked.value(x), value, rtol=1e-12,
                                   atol=1e-12 * (1 + np.abs(value).max()))
        np.testing.assert_allclose(stacked.jacobian(x).toarray(), jac, rtol=1e-10,
                                   atol=1e-10 * (1 + np.abs(jac).max()))


def test_rows_of_one_form_merge_into_few_nodes():
    """Forty rows ``a·x + log(b·x) + (c·x)**-1`` (the shape of a model read from a file,
    one block per row) as one function of a handful of nodes, against numpy."""
    rng = np.random.default_rng(7)
    a, b, c = rng.uniform(0.1, 1.0, size=(3, 40, N))
    m = bw.Model()
    v = m.continuous("v", 0.5, 2.0, shape=N)
    parts = [ExpressionFunction(as_nlexpr(a[i] @ v + bw.log(b[i] @ v) + (c[i] @ v) ** -1), N)
             for i in range(40)]
    stacked = parts[0].stack(parts[1:])
    assert len(stacked._evaluator.order) < 12
    x = rng.uniform(0.5, 2.0, N)
    np.testing.assert_allclose(stacked.value(x), a @ x + np.log(b @ x) + 1 / (c @ x),
                               rtol=1e-12)
    expected = a + b / (b @ x)[:, None] - c / ((c @ x) ** 2)[:, None]
    np.testing.assert_allclose(stacked.jacobian(x).toarray(), expected, rtol=1e-12)
