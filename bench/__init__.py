"""Benchmarks: one command each, sizes as arguments, never part of the test suite.

Each prints medians of several runs as absolute rates and as ratios against a baseline measured in
the same run on the same PostgreSQL (see ../shared/BENCHMARKS.md and bench/README.md).
"""
