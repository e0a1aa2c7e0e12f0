"""Benchmarks (`nox -s bench`): speed and cost measured, never asserted in timed tests."""
