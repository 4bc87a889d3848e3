"""Procurify: purchase orders and AP bills into QuickBooks bills; bills paid in QuickBooks marked paid back."""
