"""One HTTP client per cloud system on a shared core (auth, retry, pagination, watermarks)."""
