"""Benchmarks: `python -m bench.<name> [--quick]`; each measures its own floor in the same run."""
