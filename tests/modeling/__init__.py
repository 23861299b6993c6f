"""Tests of the modeling layer: expressions, models, conditions, the command line."""
