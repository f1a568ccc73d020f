"""Benchmarks: scripts that print their figures and ratios measured in the same run
(`make bench`). Nothing here asserts on time; the tests never time anything."""
