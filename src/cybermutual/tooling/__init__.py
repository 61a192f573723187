"""Tools for tests and benchmarks that ship with the package (no effect on the running system)."""
