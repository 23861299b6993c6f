"""Tests of @bw.program: the transform, its errors, the Python it accepts."""
