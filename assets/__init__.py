"""Software-defined assets, one module per system, plus the outbox and reconciliation."""
