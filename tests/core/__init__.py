"""Tests of what the rooms share: the pass and chain shape."""
