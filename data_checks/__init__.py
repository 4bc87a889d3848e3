"""Data-quality rules (Great Expectations suites and SQL checks) exposed as asset checks."""
