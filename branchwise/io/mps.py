"""Read MPS files with quadratic sections: ``QUADOBJ``, ``QMATRIX`` and ``QCMATRIX <row>``.

Plain MPS files go to HiGHS (:mod:`branchwise.io.files`); a file with one of the quadratic
sections of :data:`QUADRATIC` comes here. Free format, which also reads fixed-format files
whose names have no spaces. Sections: NAME, OBJSENSE, OBJNAME, ROWS, COLUMNS (with
``MARKER INTORG/INTEND``), RHS (the objective row's entry is minus the objective constant),
RANGES, BOUNDS (UP, LO, FX, FR, MI, PL, BV, LI, UI, SC), QUADOBJ (lower triangle of Q in
``½xᵀQx``), QMATRIX (all of Q in ``½xᵀQx``), QCMATRIX (all of Q in ``xᵀQx`` added to the
row), ENDATA. Conventions follow HiGHS and SCIP: an integer column between the markers with
no bound entry is binary; a negative ``UP`` bound leaves the lower bound at 0.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from branchwise.io.files import ProblemFileError
from branchwise.io.modeldata import OBJECTIVE, ModelData, build
from branchwise.model import Model

#: The sections that make a file quadratic (and send it to this reader).
QUADRATIC = ("QUADOBJ", "QMATRIX", "QCMATRIX")
#: Every section this reader understands.
SECTIONS = ("NAME", "OBJSENSE", "OBJSENCE", "OBJNAME", "ROWS", "COLUMNS", "RHS", "RANGES",
            "BOUNDS", *QUADRATIC, "ENDATA")
#: Bound types that take a value, and those that do not.
VALUED_BOUNDS = ("UP", "LO", "FX", "LI", "UI", "SC")
PLAIN_BOUNDS = ("FR", "MI", "PL", "BV")


class MpsError(ValueError):
    """A line this reader cannot take; the message gives its number."""


def quadratic_sections(path: str | Path) -> set[str]:
    """The quadratic sections (of :data:`QUADRATIC`) an MPS file has, by its section lines."""
    found = set()
    with _open(Path(path)) as lines:
        for line in lines:
            if line[:1].isalpha():
                keyword = line.split()[0].upper()
                if keyword in QUADRATIC:
                    found.add(keyword)
    return found


def read_mps(path: str | Path) -> Model:
    """The ``bw.Model`` an MPS file (quadratic sections included) describes."""
    path = Path(path)
    if not path.is_file():
        raise ProblemFileError(f"{path}: no such file")
    try:
        return build(parse_mps(path))
    except (ValueError, TypeError, NotImplementedError) as error:
        raise ProblemFileError(f"{path}: {' '.join(str(error).split())}") from None


def parse_mps(path: Path) -> ModelData:
    """The columns, rows, objective and quadratic terms of an MPS file."""
    reader = _Reader(path)
    with _open(path) as lines:
        for number, line in enumerate(lines, start=1):
            try:
                reader.line(line)
            except MpsError as error:
                raise MpsError(f"line {number}: {error}") from None
            if reader.section == "ENDATA":
                break
    return reader.data()


def _open(path: Path) -> Iterator[str]:
    """The file's text, gunzipped when its name ends in ``.gz``."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt")
    return path.open()


def _value(text: str) -> float:
    """A number field."""
    try:
        return float(text)
    except ValueError:
        raise MpsError(f"{text!r} is not a number") from None


class _Reader:
    """The state of one pass over an MPS file: one call of :meth:`line` per line."""

    def __init__(self, path: Path) -> None:
        self.name = path.name.split(".")[0]
        self.section = ""
        self.maximize = False
        self.objective: str | None = None         # the objective row (OBJNAME or first N)
        self.objective_declared = False
        self.row_index: dict[str, int] = {}       # constraint rows, in order
        self.row_types: list[str] = []
        self.free_rows: set[str] = set()          # N rows other than the objective
        self.column_index: dict[str, int] = {}
        self.integer: list[bool] = []
        self.bounded: list[bool] = []             # a BOUNDS entry names the column
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.semicontinuous: list[bool] = []
        self.in_markers = False
        self.entries: tuple[list[int], list[int], list[float]] = ([], [], [])
        self.c: dict[int, float] = {}
        self.constant = 0.0
        self.rhs: dict[int, float] = {}
        self.ranges: dict[int, float] = {}
        self.quadratic: tuple[list[int], list[int], list[int], list[float]] = ([], [], [], [])
        self.quadratic_row = OBJECTIVE
        self.quadratic_scale = 1.0

    # --- dispatch ----------------------------------------------------------------------

    def line(self, line: str) -> None:
        """Take one line: a section header, a data line, a comment or a blank."""
        tokens = line.split()
        if not tokens or tokens[0].startswith("*"):
            return
        if not line[:1].isspace():
            self.header(tokens)
        elif self.section in ("OBJSENSE", "OBJSENCE"):
            self.sense(tokens[0])
        elif self.section == "OBJNAME":
            self.objective = tokens[0]
        elif self.section in self.DATA:
            self.DATA[self.section](self, tokens)
        else:
            raise MpsError(f"data outside a section: {line.strip()!r}")

    def header(self, tokens: list[str]) -> None:
        """A section line; some carry their value on the same line."""
        keyword = tokens[0].upper()
        if keyword not in SECTIONS:
            raise MpsError(f"MPS section {keyword} is not supported "
                           f"(supported: {', '.join(SECTIONS)})")
        self.section = keyword
        if keyword == "NAME" and len(tokens) > 1:
            self.name = tokens[1]
        elif keyword in ("OBJSENSE", "OBJSENCE") and len(tokens) > 1:
            self.sense(tokens[1])
        elif keyword == "OBJNAME" and len(tokens) > 1:
            self.objective = tokens[1]
        elif keyword in ("QUADOBJ", "QMATRIX"):
            self.quadratic_row, self.quadratic_scale = OBJECTIVE, 0.5
        elif keyword == "QCMATRIX":
            if len(tokens) != 2 or tokens[1] not in self.row_index:
                raise MpsError("QCMATRIX needs the name of a constraint row")
            self.quadratic_row, self.quadratic_scale = self.row_index[tokens[1]], 1.0

    def sense(self, word: str) -> None:
        """OBJSENSE: MAX or MIN (MAXIMIZE and MINIMIZE too)."""
        word = word.upper()
        if word not in ("MAX", "MAXIMIZE", "MIN", "MINIMIZE"):
            raise MpsError(f"OBJSENSE {word} is neither MAX nor MIN")
        self.maximize = word.startswith("MAX")

    # --- sections ----------------------------------------------------------------------

    def row(self, tokens: list[str]) -> None:
        """ROWS: ``type name``; the objective is the OBJNAME row, else the first N row."""
        if len(tokens) != 2 or tokens[0].upper() not in ("N", "E", "L", "G"):
            raise MpsError(f"a ROWS line is 'N|E|L|G name', not {' '.join(tokens)!r}")
        kind, name = tokens[0].upper(), tokens[1]
        if name in self.row_index or name in self.free_rows or (
                name == self.objective and self.objective_declared):
            raise MpsError(f"row {name} is declared twice")
        if kind != "N":
            self.row_index[name] = len(self.row_types)
            self.row_types.append(kind)
        elif not self.objective_declared and self.objective in (None, name):
            self.objective, self.objective_declared = name, True
        else:
            self.free_rows.add(name)

    def column(self, tokens: list[str]) -> None:
        """COLUMNS: ``column row value [row value]``, or an integer marker line."""
        if len(tokens) >= 3 and tokens[1].strip("'\"").upper() == "MARKER":
            marker = tokens[2].strip("'\"").upper()
            if marker not in ("INTORG", "INTEND"):
                raise MpsError(f"unknown marker {tokens[2]}")
            self.in_markers = marker == "INTORG"
            return
        if len(tokens) not in (3, 5):
            raise MpsError("a COLUMNS line is 'column row value [row value]' "
                           "(names with spaces are not supported)")
        j = self.column_index.get(tokens[0])
        if j is None:
            j = self.column_index[tokens[0]] = len(self.integer)
            self.integer.append(self.in_markers)
            self.bounded.append(False)
            self.lower.append(0.0)
            self.upper.append(math.inf)
            self.semicontinuous.append(False)
        for row, text in zip(tokens[1::2], tokens[2::2], strict=True):
            value = _value(text)
            if row == self.objective:
                self.c[j] = self.c.get(j, 0.0) + value
            elif row in self.row_index:
                for entries, item in zip(self.entries, (self.row_index[row], j, value),
                                         strict=True):
                    entries.append(item)
            elif row not in self.free_rows:
                raise MpsError(f"column {tokens[0]} names an undeclared row {row}")

    def right_hand_side(self, tokens: list[str]) -> None:
        """RHS: ``[set] row value [row value]``; on the objective row, minus its constant."""
        for row, value in self._pairs(tokens):
            if row == self.objective:
                self.constant = -value
            elif row in self.row_index:
                self.rhs[self.row_index[row]] = value

    def range_(self, tokens: list[str]) -> None:
        """RANGES: ``[set] row value [row value]``."""
        for row, value in self._pairs(tokens):
            if row in self.row_index:
                self.ranges[self.row_index[row]] = value
            elif row != self.objective and row not in self.free_rows:
                raise MpsError(f"RANGES names an undeclared row {row}")

    def _pairs(self, tokens: list[str]) -> list[tuple[str, float]]:
        """The (row, value) pairs of an RHS or RANGES line, with or without a set name."""
        fields = tokens[1:] if len(tokens) in (3, 5) else tokens
        if len(fields) not in (2, 4):
            raise MpsError(f"expected '[set] row value [row value]', not {' '.join(tokens)!r}")
        pairs = list(zip(fields[::2], map(_value, fields[1::2]), strict=True))
        unknown = [row for row, _ in pairs if row not in self.row_index
                   and row != self.objective and row not in self.free_rows]
        if unknown:
            raise MpsError(f"undeclared row {unknown[0]}")
        return pairs

    def bound(self, tokens: list[str]) -> None:
        """BOUNDS: ``type [set] column [value]``."""
        kind = tokens[0].upper()
        if kind not in VALUED_BOUNDS + PLAIN_BOUNDS:
            raise MpsError(f"bound type {kind} is not supported")
        rest = tokens[2:] if len(tokens) > 2 and tokens[2] in self.column_index else tokens[1:]
        if not rest or rest[0] not in self.column_index:
            raise MpsError(f"bound on an undeclared column: {' '.join(tokens)!r}")
        j = self.column_index[rest[0]]
        if len(rest) > 2 or (len(rest) == 1 and kind in VALUED_BOUNDS and kind != "SC"):
            raise MpsError(f"a {kind} bound is '{kind} [set] column"
                           f"{' value' if kind in VALUED_BOUNDS else ''}'")
        value = _value(rest[1]) if len(rest) == 2 else math.inf
        self.bounded[j] = True
        if kind in ("UP", "UI", "SC"):
            self.upper[j] = value
        if kind in ("LO", "LI"):
            self.lower[j] = value
        if kind == "FX":
            self.lower[j] = self.upper[j] = value
        if kind in ("FR", "MI"):
            self.lower[j] = -math.inf
        if kind in ("FR", "PL"):
            self.upper[j] = math.inf
        if kind == "BV":
            self.lower[j], self.upper[j] = 0.0, 1.0
        if kind in ("BV", "LI", "UI"):
            self.integer[j] = True
        if kind == "SC":
            if self.integer[j]:
                raise MpsError(f"semi-integer column {rest[0]} is not supported")
            self.semicontinuous[j] = True

    def quadratic_entry(self, tokens: list[str]) -> None:
        """QUADOBJ, QMATRIX, QCMATRIX: ``column column value``."""
        if len(tokens) != 3 or tokens[0] not in self.column_index \
                or tokens[1] not in self.column_index:
            raise MpsError(f"a {self.section} line is 'column column value' with declared "
                           f"columns, not {' '.join(tokens)!r}")
        i, j = self.column_index[tokens[0]], self.column_index[tokens[1]]
        value = _value(tokens[2]) * self.quadratic_scale
        if self.section == "QUADOBJ" and i != j:
            value *= 2.0   # one triangle stands for both (i, j) and (j, i)
        for terms, item in zip(self.quadratic, (self.quadratic_row, i, j, value), strict=True):
            terms.append(item)

    DATA = {"ROWS": row, "COLUMNS": column, "RHS": right_hand_side, "RANGES": range_,
            "BOUNDS": bound, "QUADOBJ": quadratic_entry, "QMATRIX": quadratic_entry,
            "QCMATRIX": quadratic_entry}

    # --- the result --------------------------------------------------------------------

    def data(self) -> ModelData:
        """Everything read, as :class:`ModelData`."""
        if self.section != "ENDATA":
            raise MpsError("the file ends without ENDATA")
        n, m = len(self.integer), len(self.row_types)
        integer = np.array(self.integer, dtype=bool)
        upper = np.array(self.upper, dtype=float)
        binary = integer & ~np.array(self.bounded, dtype=bool)
        upper[binary] = 1.0
        lower, row_upper = self._row_bounds()
        c = np.zeros(n)
        c[list(self.c)] = list(self.c.values())
        rows, cols, values = self.entries
        return ModelData(
            name=self.name, col_names=list(self.column_index), integer=integer,
            col_lower=np.array(self.lower, dtype=float), col_upper=upper,
            semicontinuous=np.array(self.semicontinuous, dtype=bool), c=c,
            maximize=self.maximize, objective_constant=self.constant,
            row_names=list(self.row_index), row_lower=lower, row_upper=row_upper,
            A=sp.csr_matrix((values, (rows, cols)), shape=(m, n)),
            quadratic=(np.array(self.quadratic[0], dtype=np.int64),
                       np.array(self.quadratic[1], dtype=np.int64),
                       np.array(self.quadratic[2], dtype=np.int64),
                       np.array(self.quadratic[3], dtype=float)))

    def _row_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Row bounds from the row types, RHS and RANGES."""
        m = len(self.row_types)
        lower, upper = np.full(m, -np.inf), np.full(m, np.inf)
        for i, kind in enumerate(self.row_types):
            rhs, width = self.rhs.get(i, 0.0), self.ranges.get(i)
            if kind in ("E", "G"):
                lower[i] = rhs
            if kind in ("E", "L"):
                upper[i] = rhs
            if width is None:
                continue
            if kind == "L" or (kind == "E" and width < 0):
                lower[i] = rhs - abs(width)
            if kind == "G" or (kind == "E" and width > 0):
                upper[i] = rhs + abs(width)
        return lower, upper
