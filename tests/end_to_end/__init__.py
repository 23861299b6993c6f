"""Whole solves against independent oracles: MIPLIB, MINLPLib, MPECs, random sweeps, the README."""
