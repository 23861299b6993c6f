"""Tests of nonlinear expressions: values, derivatives, intervals, curvature."""
