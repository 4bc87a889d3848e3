"""A local Basware P2P tenant: seeded coded invoices and vendors served with the official shapes and behaviours."""
