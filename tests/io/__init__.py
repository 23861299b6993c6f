"""Tests of problem files in and out, and of the cvxpy adapter."""
