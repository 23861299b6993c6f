"""Read OSiL (the XML instance format of COIN-OR Optimization Services, used by MINLPLib).

Supported: one objective (``maxOrMin``, ``constant``, linear ``coef``); variables of type
C, B and I with their bounds; constraints with bounds and ``constant``;
``linearConstraintCoefficients`` by row (``colIdx``) or by column (``rowIdx``);
``quadraticCoefficients`` (``idx="-1"`` is the objective); ``nonlinearExpressions`` built
from the operators of :data:`branchwise.io.modeldata.OPERATORS`, ``number`` and ``variable``
(with ``coef``). Every list element may carry ``mult`` (repeat) and ``incr`` (step). Anything
else (several objectives, base64 arrays, cones, other operators, semicontinuous, semi-integer
or string variables) is refused with an error that names it.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET  # noqa: N817
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from branchwise.io.files import ProblemFileError
from branchwise.io.modeldata import OBJECTIVE, OPERATORS, ModelData, Tree, build
from branchwise.model import Model

#: Children of ``<instanceData>`` this reader understands.
SECTIONS = {"variables", "objectives", "constraints", "linearConstraintCoefficients",
            "quadraticCoefficients", "nonlinearExpressions"}
#: Operators with a fixed number of operands (the others take any number).
ARITY = {"plus": 2, "minus": 2, "times": 2, "divide": 2, "power": 2, "negate": 1,
         "square": 1, "sqrt": 1, "ln": 1, "exp": 1}


class OsilError(ValueError):
    """Something in the file this reader cannot take; the message says what."""


def read_osil(path: str | Path) -> Model:
    """The ``bw.Model`` an OSiL file describes."""
    path = Path(path)
    if not path.is_file():
        raise ProblemFileError(f"{path}: no such file")
    try:
        data = parse_osil(path)
        return build(data)
    except ET.ParseError as error:
        raise ProblemFileError(f"{path}: not well-formed XML ({error})") from None
    except (ValueError, TypeError, NotImplementedError, ZeroDivisionError) as error:
        raise ProblemFileError(f"{path}: {' '.join(str(error).split())}") from None


def parse_osil(path: Path) -> ModelData:
    """The columns, rows, objective and expressions of an OSiL file."""
    root = ET.parse(path).getroot()
    _strip_namespaces(root)
    if root.tag != "osil":
        raise OsilError(f"the root element is <{root.tag}>, not <osil>")
    instance = _child(root, "instanceData", required=True)
    unknown = sorted({child.tag for child in instance} - SECTIONS)
    if unknown:
        raise OsilError(f"OSiL element <{unknown[0]}> is not supported")
    names, lower, upper, integer = _variables(_child(instance, "variables"))
    n = len(names)
    maximize, constant, c = _objective(_child(instance, "objectives"), n)
    row_names, row_lower, row_upper = _constraints(_child(instance, "constraints"))
    m = len(row_names)
    return ModelData(
        name=_name(root, path), col_names=names, col_lower=lower, col_upper=upper,
        integer=integer, c=c, maximize=maximize,
        objective_constant=constant, row_names=row_names, row_lower=row_lower,
        row_upper=row_upper, A=_linear(_child(instance, "linearConstraintCoefficients"), m, n),
        quadratic=_quadratic(_child(instance, "quadraticCoefficients"), m, n),
        nonlinear=_nonlinear(_child(instance, "nonlinearExpressions"), m, n))


def _strip_namespaces(root: ET.Element) -> None:
    """Drop the ``{namespace}`` part of every tag, so elements are found by plain name."""
    for element in root.iter():
        element.tag = element.tag.rsplit("}", 1)[-1]


def _child(parent: ET.Element, tag: str, required: bool = False) -> ET.Element | None:
    """The one child named ``tag`` (None when absent and not required)."""
    found = parent.findall(tag)
    if len(found) > 1:
        raise OsilError(f"<{parent.tag}> has {len(found)} <{tag}> elements, expected one")
    if not found and required:
        raise OsilError(f"<{parent.tag}> has no <{tag}>")
    return found[0] if found else None


def _name(root: ET.Element, path: Path) -> str:
    """The instance name from the header, else the file name without ``.osil``."""
    header = root.find("instanceHeader/name")
    text = header.text.strip() if header is not None and header.text else ""
    return text or path.stem


def _number(text: str | None, what: str, default: float | None = None) -> float:
    """A float from an attribute or element text (``INF`` and ``-INF`` included)."""
    if text is None or not text.strip():
        if default is None:
            raise OsilError(f"{what} is missing")
        return default
    try:
        return float(text)
    except ValueError:
        raise OsilError(f"{what} is not a number: {text!r}") from None


def _integer(text: str | None, what: str, default: int | None = None) -> int:
    """An int from an attribute or element text."""
    value = _number(text, what, None if default is None else float(default))
    if not value.is_integer():
        raise OsilError(f"{what} is not an integer: {text!r}")
    return int(value)


def _repeated(elements: list[ET.Element], tag: str) -> Iterator[ET.Element]:
    """Each element as often as its ``mult`` says."""
    for element in elements:
        for _ in range(_integer(element.get("mult"), f"mult of <{tag}>", 1)):
            yield element


# --- variables, objective, constraints ---------------------------------------------------

def _variables(section: ET.Element | None) -> tuple[list[str], np.ndarray, np.ndarray,
                                                    np.ndarray]:
    """Names, bounds and integrality of the columns."""
    if section is None:
        return [], np.zeros(0), np.zeros(0), np.zeros(0, bool)
    names, lower, upper, integer = [], [], [], []
    for var in _repeated(section.findall("var"), "var"):
        j = len(names)
        kind = var.get("type", "C")
        if kind not in ("C", "B", "I"):
            raise OsilError(f"variable {var.get('name', j)} has type {kind!r}; "
                            "only C, B and I are supported")
        lo = _number(var.get("lb"), f"lb of variable {j}", 0.0)
        hi = _number(var.get("ub"), f"ub of variable {j}", 1.0 if kind == "B" else math.inf)
        if kind == "B":
            lo, hi = max(lo, 0.0), min(hi, 1.0)
        names.append(var.get("name") or f"x{j}")
        lower.append(lo)
        upper.append(hi)
        integer.append(kind in ("B", "I"))
    declared = section.get("numberOfVariables")
    if declared is not None and _integer(declared, "numberOfVariables") != len(names):
        raise OsilError(f"numberOfVariables is {declared} but {len(names)} <var> are given")
    return names, np.array(lower, float), np.array(upper, float), np.array(integer, bool)


def _objective(section: ET.Element | None, n: int) -> tuple[bool, float, np.ndarray]:
    """Sense, constant and linear coefficients of the one objective (none: minimise 0)."""
    c = np.zeros(n)
    objectives = [] if section is None else section.findall("obj")
    if len(objectives) > 1:
        raise OsilError(f"{len(objectives)} objectives; only one is supported")
    if not objectives:
        return False, 0.0, c
    obj = objectives[0]
    sense = obj.get("maxOrMin", "min").lower()
    if sense not in ("min", "max"):
        raise OsilError(f"maxOrMin is {sense!r}, not min or max")
    for coef in obj.findall("coef"):
        j = _index(coef.get("idx"), n, "objective coefficient")
        c[j] += _number(coef.text, f"objective coefficient of variable {j}")
    return sense == "max", _number(obj.get("constant"), "objective constant", 0.0), c


def _constraints(section: ET.Element | None) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Names and bounds of the rows, each bound moved by the row's ``constant``."""
    if section is None:
        return [], np.zeros(0), np.zeros(0)
    names, lower, upper = [], [], []
    for con in _repeated(section.findall("con"), "con"):
        i = len(names)
        constant = _number(con.get("constant"), f"constant of constraint {i}", 0.0)
        names.append(con.get("name") or f"c{i}")
        lower.append(_number(con.get("lb"), f"lb of constraint {i}", -math.inf) - constant)
        upper.append(_number(con.get("ub"), f"ub of constraint {i}", math.inf) - constant)
    declared = section.get("numberOfConstraints")
    if declared is not None and _integer(declared, "numberOfConstraints") != len(names):
        raise OsilError(f"numberOfConstraints is {declared} but {len(names)} <con> are given")
    return names, np.array(lower, float), np.array(upper, float)


def _index(text: str | None, size: int, what: str) -> int:
    """A checked index into ``size`` items."""
    k = _integer(text, f"index of {what}")
    if not 0 <= k < size:
        raise OsilError(f"{what} refers to index {k}, outside 0..{size - 1}")
    return k


# --- linear and quadratic coefficients ---------------------------------------------------

def _array(parent: ET.Element, tag: str, kind: type) -> np.ndarray:
    """The values of ``<tag><el mult incr>v</el>...</tag>``, expanded."""
    section = _child(parent, tag, required=True)
    if section.find("base64BinaryData") is not None:
        raise OsilError(f"<{tag}> in base64 is not supported")
    values: list[float] = []
    for el in section.findall("el"):
        start = _number(el.text, f"<el> of <{tag}>")
        step = _number(el.get("incr"), f"incr of <{tag}>", 0.0)
        count = _integer(el.get("mult"), f"mult of <{tag}>", 1)
        values.extend(start + step * np.arange(count))
    array = np.array(values, dtype=float)
    if kind is int:
        if not np.all(array == np.round(array)):
            raise OsilError(f"<{tag}> holds a non-integer index")
        return array.astype(np.int64)
    return array


def _linear(section: ET.Element | None, m: int, n: int) -> sp.csr_matrix:
    """The row-by-column matrix of linear coefficients."""
    if section is None or _integer(section.get("numberOfValues"), "numberOfValues", -1) == 0:
        return sp.csr_matrix((m, n))
    start = _array(section, "start", int)
    value = _array(section, "value", float)
    by_row = section.find("colIdx") is not None
    index = _array(section, "colIdx" if by_row else "rowIdx", int)
    outer, inner = (m, n) if by_row else (n, m)
    if len(start) != outer + 1 or start[0] != 0 or np.any(np.diff(start) < 0) \
            or start[-1] != len(index) or len(index) != len(value):
        raise OsilError("linearConstraintCoefficients: <start>, the indices and <value> "
                        "do not fit together")
    if len(index) and (index.min() < 0 or index.max() >= inner):
        raise OsilError("linearConstraintCoefficients refers to a missing row or column")
    if by_row:
        matrix = sp.csr_matrix((value, index, start), shape=(m, n))
    else:
        matrix = sp.csc_matrix((value, index, start), shape=(m, n)).tocsr()
    matrix.sum_duplicates()
    return matrix


def _quadratic(section: ET.Element | None, m: int, n: int) -> tuple[np.ndarray, ...]:
    """Coordinate arrays ``(row, i, j, value)`` of the quadratic terms."""
    rows, first, second, values = [], [], [], []
    for term in ([] if section is None else _repeated(section.findall("qTerm"), "qTerm")):
        row = _integer(term.get("idx"), "idx of <qTerm>")
        if not OBJECTIVE <= row < m:
            raise OsilError(f"<qTerm> refers to row {row}, outside -1..{m - 1}")
        rows.append(row)
        first.append(_index(term.get("idxOne"), n, "<qTerm> idxOne"))
        second.append(_index(term.get("idxTwo"), n, "<qTerm> idxTwo"))
        values.append(_number(term.get("coef"), "coef of <qTerm>", 1.0))
    as_int = [np.array(a, dtype=np.int64) for a in (rows, first, second)]
    return (*as_int, np.array(values, dtype=float))


# --- nonlinear expressions ---------------------------------------------------------------

def _nonlinear(section: ET.Element | None, m: int, n: int) -> dict[int, list[Tree]]:
    """The expression trees added to each row (-1: the objective)."""
    trees: dict[int, list[Tree]] = {}
    for nl in ([] if section is None else section.findall("nl")):
        row = _integer(nl.get("idx"), "idx of <nl>")
        if not OBJECTIVE <= row < m:
            raise OsilError(f"<nl> refers to row {row}, outside -1..{m - 1}")
        children = list(nl)
        if len(children) != 1:
            raise OsilError(f"<nl idx=\"{row}\"> must hold one expression")
        trees.setdefault(row, []).append(_tree(children[0], n))
    return trees


def _tree(element: ET.Element, n: int) -> Tree:
    """One OSnL expression as a tree of :mod:`branchwise.io.modeldata`."""
    op, children = element.tag, list(element)
    if op == "number":
        kind = element.get("type", "real")
        if kind != "real" or children:
            raise OsilError(f"<number type=\"{kind}\"> is not supported")
        return ("number", _number(element.get("value"), "value of <number>", 0.0))
    if op == "variable":
        if children:
            raise OsilError("<variable> with a nested expression is not supported")
        return ("variable", _index(element.get("idx"), n, "<variable>"),
                _number(element.get("coef"), "coef of <variable>", 1.0))
    if op not in OPERATORS:
        raise OsilError(f"nonlinear operator <{op}> is not supported "
                        f"(supported: {', '.join(sorted(OPERATORS))}, number, variable)")
    if op in ARITY and len(children) != ARITY[op]:
        raise OsilError(f"<{op}> takes {ARITY[op]} operand(s), not {len(children)}")
    if not children:
        raise OsilError(f"<{op}> has no operands")
    return (op, *(_tree(child, n) for child in children))
