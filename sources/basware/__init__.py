"""Basware P2P: approved, coded invoices (accounting documents) into QuickBooks; confirmations and master data back."""
