"""Procure-to-pay policy of a company for a source, as SQL: which document becomes the bill (`bill_on`: po |
invoice) and what an invoice that differs from its billed PO does (`invoice_difference`: adjust | hold)."""

from __future__ import annotations

BILL_ON = ("po", "invoice")
INVOICE_DIFFERENCE = ("adjust", "hold")
DEFAULTS = {"bill_on": "po", "invoice_difference": "adjust"}  # Coupa: the approved PO is the bill


def setting(name: str, company: str) -> str:
    """SQL expression: the policy `name` of the company named by the SQL expression `company`."""
    return f"'{DEFAULTS[name]}'"
