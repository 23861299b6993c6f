"""Tests of the reductions: proven bounds, each construct's rows, brute-force agreement."""
