"""Pure transforms: source records to canonical rows to QuickBooks requests (no Dagster, no I/O)."""
