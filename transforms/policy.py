"""Procure-to-pay policy of a company for a source instance, as SQL over company_feeds: which document becomes the
bill (`bill_on`: po | invoice) and what an invoice that differs from its billed PO does (`invoice_difference`:
adjust | hold). Defaults come from each source's declaration (warehouse.company_sources)."""

from __future__ import annotations


def setting(name: str, company: str, system: str) -> str:
    """SQL expression: policy `name` of the company and source system named by the SQL expressions given."""
    return f"(SELECT min(cs.{name}) FROM company_feeds cs WHERE cs.company = {company} AND cs.source_system = {system})"
