"""`qbsync vendors link`: an operator resolves a supplier (e.g. one held for review) to an existing QuickBooks
vendor; matching keeps the link on every later run (match method `operator`)."""

from __future__ import annotations

from sources.keys import record_key
from warehouse.audit import now, record
from warehouse.store import Conn


def link(conn: Conn, source_key: str, list_id: str, company: str | None = None) -> list[str]:
    """Link supplier `source_key` (<system>:supplier:<id>) to vendor `list_id` in every company it feeds (or in
    `company`); the vendor must be in the company's QuickBooks vendors as last read. Returns one line per link."""
    system, kind, supplier_id = [*source_key.split(":", 2), "", ""][:3]
    if kind != "supplier" or not supplier_id:
        raise ValueError(f"{source_key}: expected a supplier key such as <source>:supplier:17")
    if not conn.scalar("SELECT 1 FROM stg_suppliers WHERE source_system = ? AND source_id = ?", [system, supplier_id]):
        raise ValueError(f"{source_key}: no such supplier in the warehouse")
    companies = [
        r[0]
        for r in conn.fetchall(
            "SELECT DISTINCT company FROM company_sources WHERE source_system = ? ORDER BY 1", [system]
        )
        if company is None or r[0] == company
    ]
    if not companies:
        raise ValueError(f"{source_key}: {company or 'no company'} is not fed by {system}")
    lines, events = [], []
    for name in companies:
        vendor = conn.fetchone("SELECT vendor_name FROM qb_vendors WHERE company = ? AND list_id = ?", [name, list_id])
        if vendor is None:
            raise ValueError(
                f"{source_key}: company {name} has no QuickBooks vendor with ListID {list_id} "
                "(as last read from QuickBooks; let a sync read the vendor list first)"
            )
        conn.execute(
            "DELETE FROM vendor_links WHERE company = ? AND source_system = ? AND supplier_source_id = ?",
            [name, system, supplier_id],
        )
        conn.execute(
            "INSERT INTO vendor_links (company, source_system, supplier_source_id, qb_list_id, linked_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [name, system, supplier_id, list_id, now()],
        )
        lines.append(f"{name}: {source_key} -> {vendor[0]} ({list_id})")
        events.append(
            {
                "actor": "cli:vendors",
                "company": name,
                "record_key": record_key(system, "supplier", supplier_id),
                "event": "linked",
                "detail": {"list_id": list_id, "vendor_name": vendor[0]},
            }
        )
    record(conn, events)
    return lines
