"""The one error type of the file readers and writers."""

from __future__ import annotations


class ProblemFileError(ValueError):
    """A problem file that is missing, malformed or unsupported; the message names the file."""
