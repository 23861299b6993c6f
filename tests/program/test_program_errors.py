"""``@bw.program`` refuses what cannot become constraints, naming the file and the line.

Each function below marks the line its error must name with ``# refused``.
"""

from __future__ import annotations

import inspect
import linecache
import types

import pytest

import branchwise as bw
from branchwise import ProgramError

TABLE = [4, 1, 3]
STATE = types.SimpleNamespace(last=0)


def refused_line(fn) -> int:
    """The line of ``fn`` marked ``# refused``."""
    lines, first = inspect.getsourcelines(fn)
    marked = [first + k for k, text in enumerate(lines) if "# refused" in text]
    assert len(marked) == 1
    return marked[0]


def while_on_variable(x):
    total = 0
    while x >= total:  # refused
        total += 1
    return total


def break_under_condition(x):
    total = 0
    for k in range(5):
        if x <= k:
            break  # refused
        total += 1
    return total


def continue_under_condition(x):
    total = 0
    for k in range(5):
        if x <= k:
            continue  # refused
        total += k
    return total


def index_list_of_variables(x, ys):
    return ys[x]  # refused


def index_by_continuous(x, y):
    return TABLE[y]  # refused


def index_out_of_range(x):
    return TABLE[x + 2]  # refused


def print_in_branch(x):
    if x >= 2:
        print("big")  # refused
        return 1
    return 0


def append_in_branch(x):
    seen = []
    if x >= 2:
        seen.append(x)  # refused
    return len(seen)


def item_assignment_in_branch(x):
    costs = [0, 0]
    if x >= 2:
        costs[0] = 3  # refused
    return costs[0]


def attribute_in_branch(x):
    if x >= 1:
        STATE.last = x  # refused
    return x


def raise_in_branch(x):
    if x >= 4:
        raise ValueError("too big")  # refused
    return x


def assert_on_variable(x):
    assert x >= 0  # refused
    return x


def range_over_variable(x):
    total = 0
    for _ in range(x):  # refused
        total += 1
    return total


def comprehension_filter(x, ys):
    return sum(y for y in ys if y >= x)  # refused


def assigned_in_one_branch(x):
    if x >= 3:  # refused
        label = 1
    return label


def text_values(x):
    if x >= 3:  # refused
        label = "big"
    else:
        label = "small"
    return label


def falls_off_the_end(x):
    if x >= 1:
        return 2
    x += 1  # refused: falling off the end returns None here


def assignment_by_variable_index(x):
    costs = [0, 0, 0]
    costs[x] = 1  # refused
    return costs[0]


def min_with_key(x, y):
    return min(x, y, key=abs)  # refused


def nested_def(x):
    def helper(y):  # refused
        return y
    return helper(x)


def uses_global(x):
    global TABLE  # refused
    return x


def generator(x):
    yield x  # refused


def matches(x):
    match x:  # refused
        case 1:
            return 2
    return 0


RUNTIME = [while_on_variable, break_under_condition, continue_under_condition,
           index_list_of_variables, index_by_continuous, index_out_of_range, print_in_branch,
           append_in_branch, item_assignment_in_branch, attribute_in_branch, raise_in_branch,
           assert_on_variable, range_over_variable, comprehension_filter,
           assignment_by_variable_index, min_with_key, text_values, assigned_in_one_branch,
           falls_off_the_end]
STATIC = [nested_def, uses_global, generator, matches]


def call(fn):
    """Call ``bw.program(fn)`` on decision variables: x integer in [0, 1], y continuous."""
    m = bw.Model()
    x, y = m.integer("x", 0, 1), m.continuous("y", 0, 2)
    n_args = len(inspect.signature(fn).parameters)
    args = [x, y] if fn is not index_list_of_variables else [x, [y, y]]
    if fn in (comprehension_filter,):
        args = [x, [1, 2]]
    return bw.program(fn)(*args[:n_args])


@pytest.mark.parametrize("fn", RUNTIME + STATIC, ids=lambda f: f.__name__)
def test_refused_with_file_and_line(fn):
    with pytest.raises(ProgramError) as info:
        call(fn)
    line = refused_line(fn)
    assert (info.value.filename, info.value.lineno) == (__file__, line)
    assert str(info.value).startswith(f"{__file__}:{line}: ")


def test_messages_say_what_to_write_instead():
    with pytest.raises(ProgramError, match="'while' on a decision variable cannot become "
                                           "constraints; unroll it with a for loop"):
        call(while_on_variable)
    with pytest.raises(ProgramError, match="'break' under a condition"):
        call(break_under_condition)
    with pytest.raises(ProgramError, match="lookup table"):
        call(index_list_of_variables)
    with pytest.raises(ProgramError, match="integer-valued"):
        call(index_by_continuous)
    with pytest.raises(ProgramError, match="can be 3, which the table does not have"):
        call(index_out_of_range)
    with pytest.raises(ProgramError, match=r"print\(\) inside a branch"):
        call(print_in_branch)
    with pytest.raises(ProgramError, match=r"calling \.append\(\) inside a branch"):
        call(append_in_branch)
    with pytest.raises(ProgramError, match="label is 'big' on one side"):
        call(text_values)
    with pytest.raises(ProgramError, match="nested 'def'"):
        call(nested_def)


def test_plain_numbers_still_run_refused_constructs():
    assert bw.program(while_on_variable)(2) == 3
    assert bw.program(break_under_condition)(3) == 3
    assert bw.program(raise_in_branch)(1) == 1
    with pytest.raises(ValueError, match="too big"):
        bw.program(raise_in_branch)(5)
    assert bw.program(nested_def)(4) == 4


def test_side_effects_outside_symbolic_branches_are_allowed(capsys):
    @bw.program
    def noisy(x, verbose):
        costs = []
        if verbose:
            print("building")
        costs.append(2 * x)
        return costs[0]

    m = bw.Model()
    x = m.integer("x", 0, 3)
    expr = noisy(x, True)
    assert capsys.readouterr().out == "building\n"
    assert isinstance(expr, bw.LinExpr)


def test_no_source_gives_a_clear_error():
    namespace = {}
    exec(compile("f = lambda x: 1 if x <= 2 else x", "<stdin>", "exec"), namespace)
    prog = bw.program(namespace["f"])
    assert prog(1) == 1 and prog(5) == 5  # plain numbers need no source
    m = bw.Model()
    with pytest.raises(ProgramError, match="cannot read the source of <lambda>") as info:
        prog(m.integer("x", 0, 4))
    assert (info.value.filename, info.value.lineno) == ("<stdin>", 1)


def test_stale_source_is_refused():
    source = "def price(x):\n    return 2 * x\n"
    filename = "<bw-test-stale>"
    namespace = {}
    exec(compile(source, filename, "exec"), namespace)
    edited = "def price(x, y):\n    return 2 * x + y\n"
    linecache.cache[filename] = (len(edited), None, edited.splitlines(True), filename)
    try:
        m = bw.Model()
        with pytest.raises(ProgramError, match="does not match the function"):
            bw.program(namespace["price"])(m.integer("x", 0, 4))
    finally:
        del linecache.cache[filename]


def test_decorating_something_else_is_a_type_error():
    with pytest.raises(TypeError, match="decorates a function"):
        bw.program(len)
