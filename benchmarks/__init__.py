"""Benchmarks print figures (ratios within one run); they are not tests."""
