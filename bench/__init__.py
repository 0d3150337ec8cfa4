"""Benchmarks: `python -m bench`. Numbers are reported, never asserted."""
