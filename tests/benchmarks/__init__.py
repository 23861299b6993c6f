"""Tests of the benchmark harness and its instance families."""
