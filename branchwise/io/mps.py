"""Read MPS files with quadratic sections: ``QUADOBJ``, ``QMATRIX`` and ``QCMATRIX <row>``.

Plain MPS files go to HiGHS (:mod:`branchwise.io.files`); a file with one of the quadratic
sections of :data:`QUADRATIC` comes here. Free format, which also reads fixed-format files
whose names have no spaces. Sections: NAME, OBJSENSE, OBJNAME, ROWS, COLUMNS (with
``MARKER INTORG/INTEND``), RHS (the objective row's entry is minus the objective constant),
RANGES, BOUNDS (UP, LO, FX, FR, MI, PL, BV, LI, UI, SC), QUADOBJ (lower triangle of Q in
``½xᵀQx``), QMATRIX (all of Q in ``½xᵀQx``), QCMATRIX (all of Q in ``xᵀQx`` added to the
row), ENDATA. Conventions follow HiGHS and SCIP: an integer column between the markers with
no bound entry is binary; a negative ``UP`` bound leaves the lower bound at 0. A file with
SC bounds comes here too (a Problem cannot hold semicontinuous columns).

This reader is also the checker of every MPS file HiGHS reads (:mod:`branchwise.io.files`),
so both readers accept the same files. What HiGHS would drop with only a warning, read in
a way the author cannot have meant, or what solvers read differently, is an
:class:`MpsError` with the line: a row or column never declared; a column that comes back
after another one; a second value for the same entry, RHS, range, bound or quadratic term;
RANGES on an N row; a repeated section; an unmatched integer marker; a second RHS, RANGES
or BOUNDS set (HiGHS reads them all, SCIP only the first); an asymmetric QMATRIX; a number
field that is not a number (HiGHS reads ``abc`` as 0 and ``1.5x`` as 1.5). Keywords are
upper case and fields are split on ASCII blanks, as in HiGHS. Not supported (refused with
the reason): names with spaces (HiGHS's fixed-format fallback reads them), semi-integer
columns, SOS and cone sections.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from branchwise.io.errors import ProblemFileError
from branchwise.io.modeldata import OBJECTIVE, ModelData, build
from branchwise.io.text import read_text
from branchwise.model import Model

#: The sections that make a file quadratic (and send it to this reader).
QUADRATIC = ("QUADOBJ", "QMATRIX", "QCMATRIX")
#: Every section this reader understands.
SECTIONS = ("NAME", "OBJSENSE", "OBJSENCE", "OBJNAME", "ROWS", "COLUMNS", "RHS", "RANGES",
            "BOUNDS", *QUADRATIC, "ENDATA")
#: Bound types that take a value, and those that do not.
VALUED_BOUNDS = ("UP", "LO", "FX", "LI", "UI", "SC")
PLAIN_BOUNDS = ("FR", "MI", "PL", "BV")
#: The sides of a column each bound type sets (a second entry for a side is refused).
BOUND_SIDES = {"UP": "u", "LO": "l", "FX": "lu", "LI": "l", "UI": "u", "SC": "u",
               "FR": "lu", "MI": "l", "PL": "u", "BV": "lu"}
#: A field: a run of characters other than ASCII blanks (HiGHS's separators).
_FIELD = re.compile(r"[^\t\n\v\f\r ]+")
#: A number field: decimal with an optional exponent (E or D), or an infinity.
_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+)?|inf|infinity)",
                     re.IGNORECASE)
#: What a line starts with when it continues a section (else it starts one).
_BLANKS = " \t\v\f\r"


class MpsError(ValueError):
    """A line this reader cannot take; the message gives its number."""


def quadratic_sections(path: str | Path) -> set[str]:
    """The quadratic sections (of :data:`QUADRATIC`) an MPS file has, by its section lines."""
    return features(path) & set(QUADRATIC)


def features(path: str | Path) -> set[str]:
    """What in an MPS file needs this reader rather than HiGHS's Problem: its quadratic
    sections (of :data:`QUADRATIC`) and ``"SC"`` for a semicontinuous bound."""
    found, section = set(), ""
    for line in read_text(Path(path)).text.split("\n"):
        fields = _FIELD.findall(line)
        if not fields or line[0] == "*":
            continue
        if line[0] not in _BLANKS:
            section = fields[0]
            found |= {section} & set(QUADRATIC)
        elif section == "BOUNDS" and fields[0] == "SC":
            found.add("SC")
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
    return parse_mps_text(read_text(path).text, path.name.split(".")[0])


def parse_mps_text(text: str, name: str) -> ModelData:
    """The columns, rows, objective and quadratic terms of an MPS file's text."""
    reader = _Reader(name)
    for number, line in enumerate(text.split("\n"), start=1):
        try:
            reader.line(line)
        except MpsError as error:
            raise MpsError(f"line {number}: {error}") from None
        if reader.section == "ENDATA":
            break
    return reader.data()


def _value(text: str) -> float:
    """A number field (HiGHS would read a field that is not a number as 0, or its prefix)."""
    if not _NUMBER.fullmatch(text):
        raise MpsError(f"{text!r} is not a number")
    return float(text.replace("D", "E").replace("d", "e"))


class _Reader:
    """The state of one pass over an MPS file: one call of :meth:`line` per line."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.section = ""
        self.sections_seen: set[str] = set()
        self.set_names: dict[str, str] = {}      # the RHS, RANGES and BOUNDS set names
        self.quadratic_seen: dict[tuple[int, int, int], float] = {}  # (row, i, j): value
        self.maximize = False
        self.objective: str | None = None         # the objective row (OBJNAME or first N)
        self.objective_declared = False
        self.row_index: dict[str, int] = {}       # constraint rows, in order
        self.row_types: list[str] = []
        self.free_rows: set[str] = set()          # N rows other than the objective
        self.column_index: dict[str, int] = {}
        self.integer: list[bool] = []
        self.bounded: list[bool] = []             # a BOUNDS entry names the column
        self.sides: list[set[str]] = []           # the sides ("l", "u") BOUNDS has set
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.semicontinuous: list[bool] = []
        self.in_markers = False
        self.entries: tuple[list[int], list[int], list[float]] = ([], [], [])
        self.column_rows: set[str] = set()        # rows the current column has entries in
        self.c: dict[int, float] = {}
        self.constant: float | None = None
        self.rhs: dict[int, float] = {}
        self.ranges: dict[int, float] = {}
        self.quadratic: tuple[list[int], list[int], list[int], list[float]] = ([], [], [], [])
        self.quadratic_row = OBJECTIVE
        self.quadratic_scale = 1.0

    # --- dispatch ----------------------------------------------------------------------

    def line(self, line: str) -> None:
        """Take one line: a section header, a data line, a comment or a blank."""
        tokens = _FIELD.findall(line)
        if not tokens or line[0] == "*":
            return
        if line[0] not in _BLANKS:
            self.header(tokens)
        elif self.section in ("OBJSENSE", "OBJSENCE"):
            self.sense(tokens[0])
        elif self.section == "OBJNAME":
            self.objective = tokens[0]
        elif self.section in self.DATA:
            self.DATA[self.section](self, tokens)
        else:
            raise MpsError(f"data outside a section: {' '.join(tokens)!r}")

    def header(self, tokens: list[str]) -> None:
        """A section line; some carry their value on the same line."""
        keyword = tokens[0]
        if keyword not in SECTIONS:
            raise MpsError(f"MPS section {keyword} is not supported "
                           f"(supported: {', '.join(SECTIONS)})")
        if keyword in self.sections_seen and keyword != "QCMATRIX":
            raise MpsError(f"a second {keyword} section")
        self.sections_seen.add(keyword)
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
        if word not in ("MAX", "MAXIMIZE", "MIN", "MINIMIZE"):
            raise MpsError(f"OBJSENSE {word} is neither MAX nor MIN")
        self.maximize = word.startswith("MAX")

    # --- sections ----------------------------------------------------------------------

    def row(self, tokens: list[str]) -> None:
        """ROWS: ``type name``; the objective is the OBJNAME row, else the first N row."""
        if len(tokens) != 2 or tokens[0] not in ("N", "E", "L", "G"):
            raise MpsError(f"a ROWS line is 'N|E|L|G name', not {' '.join(tokens)!r}")
        kind, name = tokens
        if self._declared_row(name):
            raise MpsError(f"row {name} is declared twice")
        if kind != "N":
            self.row_index[name] = len(self.row_types)
            self.row_types.append(kind)
        elif not self.objective_declared and self.objective in (None, name):
            self.objective, self.objective_declared = name, True
        else:
            self.free_rows.add(name)

    def _declared_row(self, name: str) -> bool:
        """True for a row of the ROWS section (the objective and free N rows included)."""
        return name in self.row_index or name in self.free_rows or (
            name == self.objective and self.objective_declared)

    def column(self, tokens: list[str]) -> None:
        """COLUMNS: ``column row value [row value]``, or an integer marker line."""
        if len(tokens) >= 3 and tokens[1].strip("'\"") == "MARKER":
            marker = tokens[2].strip("'\"")
            if marker not in ("INTORG", "INTEND"):
                raise MpsError(f"unknown marker {tokens[2]}")
            if self.in_markers == (marker == "INTORG"):
                raise MpsError(f"marker {marker} {'inside' if self.in_markers else 'outside'} "
                               "an INTORG ... INTEND block")
            self.in_markers = marker == "INTORG"
            return
        if len(tokens) not in (3, 5):
            spaces = " (names with spaces are not supported)" if len(tokens) > 5 else ""
            raise MpsError(f"a COLUMNS line is 'column row value [row value]', not "
                           f"{' '.join(tokens)!r}{spaces}")
        name = tokens[0]
        j = self.column_index.get(name)
        if j is None:
            j = self.column_index[name] = len(self.integer)
            self.integer.append(self.in_markers)
            self.bounded.append(False)
            self.sides.append(set())
            self.lower.append(0.0)
            self.upper.append(math.inf)
            self.semicontinuous.append(False)
            self.column_rows = set()
        elif j != len(self.integer) - 1:
            raise MpsError(f"column {name} comes back after other columns "
                           "(HiGHS would read a second column of that name)")
        for row, text in zip(tokens[1::2], tokens[2::2], strict=True):
            value = _value(text)
            if not self._declared_row(row):
                raise MpsError(f"column {name} names an undeclared row {row}")
            if row in self.column_rows:
                raise MpsError(f"column {name} has a second entry in row {row}")
            self.column_rows.add(row)
            if row == self.objective:
                self.c[j] = value
            elif row in self.row_index:
                for entries, item in zip(self.entries, (self.row_index[row], j, value),
                                         strict=True):
                    entries.append(item)

    def right_hand_side(self, tokens: list[str]) -> None:
        """RHS: ``[set] row value [row value]``; on the objective row, minus its constant."""
        for row, value in self._pairs(tokens, "RHS"):
            if row == self.objective:
                if self.constant is not None:
                    raise MpsError(f"a second RHS for the objective row {row}")
                self.constant = -value
            elif row in self.row_index:
                if self.row_index[row] in self.rhs:
                    raise MpsError(f"a second RHS for row {row}")
                self.rhs[self.row_index[row]] = value

    def range_(self, tokens: list[str]) -> None:
        """RANGES: ``[set] row value [row value]``, on constraint rows only."""
        for row, value in self._pairs(tokens, "RANGES"):
            if row not in self.row_index:
                raise MpsError(f"RANGES on the N row {row}")
            if self.row_index[row] in self.ranges:
                raise MpsError(f"a second range for row {row}")
            self.ranges[self.row_index[row]] = value

    def _pairs(self, tokens: list[str], section: str) -> list[tuple[str, float]]:
        """The (row, value) pairs of an RHS or RANGES line; the set name, if any, is
        skipped (as HiGHS does, a first field that is a declared row is not a set name)."""
        fields = tokens if self._declared_row(tokens[0]) else tokens[1:]
        if fields is not tokens:
            self._one_set(section, tokens[0])
        if len(fields) not in (2, 4):
            raise MpsError(f"a {section} line is '[set] row value [row value]', "
                           f"not {' '.join(tokens)!r}")
        pairs = list(zip(fields[::2], map(_value, fields[1::2]), strict=True))
        unknown = [row for row, _ in pairs if not self._declared_row(row)]
        if unknown:
            raise MpsError(f"{section} names an undeclared row {unknown[0]}")
        return pairs

    def _one_set(self, section: str, name: str) -> None:
        """Refuse a second set name in RHS, RANGES or BOUNDS: HiGHS reads every set, SCIP
        only the first, so such a file means different models to different solvers."""
        first = self.set_names.setdefault(section, name)
        if name != first:
            raise MpsError(f"a second {section} set {name} (after {first}): solvers differ on "
                           "which sets count")

    def bound(self, tokens: list[str]) -> None:
        """BOUNDS: ``type [set] column [value]``; as HiGHS, a second field that is a column
        name is the column (no set name)."""
        kind = tokens[0]
        if kind == "SI":
            raise MpsError("semi-integer columns (SI bounds) are not supported")
        if kind not in VALUED_BOUNDS + PLAIN_BOUNDS:
            raise MpsError(f"bound type {kind} is not supported")
        named_set = len(tokens) > 2 and tokens[1] not in self.column_index
        if named_set:
            self._one_set("BOUNDS", tokens[1])
        rest = tokens[2:] if named_set else tokens[1:]
        if not rest or rest[0] not in self.column_index:
            raise MpsError(f"bound on an undeclared column: {' '.join(tokens)!r}")
        if len(rest) > 2 or (len(rest) == 1 and kind in VALUED_BOUNDS):
            raise MpsError(f"a {kind} bound is '{kind} [set] column"
                           f"{' value' if kind in VALUED_BOUNDS else ' [value]'}', "
                           f"not {' '.join(tokens)!r}")
        j = self.column_index[rest[0]]
        sides = set(BOUND_SIDES[kind])
        if sides & self.sides[j]:
            side = "lower" if "l" in sides & self.sides[j] else "upper"
            raise MpsError(f"a second {side} bound for column {rest[0]}")
        self.sides[j] |= sides
        # MI, PL, BV and FR take no value; HiGHS ignores one, so do we
        value = _value(rest[1]) if kind in VALUED_BOUNDS else math.inf
        self._set_bound(j, kind, value, rest[0])

    def _set_bound(self, j: int, kind: str, value: float, name: str) -> None:
        """What a bound entry of type ``kind`` does to column ``j``."""
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
                raise MpsError(f"an SC bound on the integer column {name} "
                               "(semi-integer columns are not supported)")
            self.semicontinuous[j] = True

    def quadratic_entry(self, tokens: list[str]) -> None:
        """QUADOBJ, QMATRIX, QCMATRIX: ``column column value``."""
        if len(tokens) != 3 or tokens[0] not in self.column_index \
                or tokens[1] not in self.column_index:
            raise MpsError(f"a {self.section} line is 'column column value' with declared "
                           f"columns, not {' '.join(tokens)!r}")
        i, j = self.column_index[tokens[0]], self.column_index[tokens[1]]
        key = (self.quadratic_row, *((min(i, j), max(i, j)) if self.section == "QUADOBJ"
                                     else (i, j)))
        if key in self.quadratic_seen:
            triangle = " (QUADOBJ holds one triangle)" if self.section == "QUADOBJ" else ""
            raise MpsError(f"a second {self.section} entry for {tokens[0]}, {tokens[1]}"
                           f"{triangle if i != j else ''}")
        self.quadratic_seen[key] = _value(tokens[2])
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
        self._check_qmatrix_symmetric()
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
            maximize=self.maximize, objective_constant=self.constant or 0.0,
            row_names=list(self.row_index), row_lower=lower, row_upper=row_upper,
            A=sp.csr_matrix((values, (rows, cols)), shape=(m, n)),
            quadratic=(np.array(self.quadratic[0], dtype=np.int64),
                       np.array(self.quadratic[1], dtype=np.int64),
                       np.array(self.quadratic[2], dtype=np.int64),
                       np.array(self.quadratic[3], dtype=float)))

    def _check_qmatrix_symmetric(self) -> None:
        """QMATRIX holds all of Q, which must be symmetric (HiGHS refuses it otherwise)."""
        if "QMATRIX" not in self.sections_seen:
            return
        names = list(self.column_index)
        for (row, i, j), value in self.quadratic_seen.items():
            if row == OBJECTIVE and self.quadratic_seen.get((row, j, i), 0.0) != value:
                raise MpsError(f"QMATRIX is not symmetric: entry {names[i]}, {names[j]} is "
                               f"{value} and entry {names[j]}, {names[i]} differs")

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
