"""A problem file's text: gunzipped when its name ends in ``.gz``, decoded whatever its bytes.

HiGHS reads files as bytes, so a comment or a name with bytes outside UTF-8 (a latin-1
``ü`` in an old MIPLIB comment) is fine to it. Here such a byte decodes as its latin-1
character; valid UTF-8 around it is kept. Tokens that were equal as bytes stay equal as
text (unless one file spells the same name in both encodings, which no file does on
purpose). A truncated or corrupt gzip stream, or a file that cannot be opened, is a
:class:`ProblemFileError` that names the file.
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from pathlib import Path
from typing import NamedTuple

from branchwise.io.errors import ProblemFileError

#: The decoding error handler that turns each byte outside UTF-8 into its latin-1 character.
LATIN1_FALLBACK = "branchwise-latin-1-fallback"


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error(LATIN1_FALLBACK, _latin1_fallback)


class FileText(NamedTuple):
    """The decoded text of a file, and whether its bytes were UTF-8 throughout."""

    text: str
    utf8: bool


def file_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when its name ends in ``.gz``."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ProblemFileError(f"{path}: cannot read it ({error.strerror or error})") from None
    if not path.name.lower().endswith(".gz"):
        return data
    try:
        return gzip.decompress(data)
    except EOFError:
        raise ProblemFileError(f"{path}: the gzip data is truncated") from None
    except (gzip.BadGzipFile, zlib.error) as error:
        raise ProblemFileError(f"{path}: not valid gzip data ({error})") from None


def read_text(path: Path) -> FileText:
    """The file's text (see the module docstring for the bytes outside UTF-8)."""
    data = file_bytes(path)
    try:
        return FileText(data.decode("utf-8"), True)
    except UnicodeDecodeError:
        return FileText(data.decode("utf-8", errors=LATIN1_FALLBACK), False)
