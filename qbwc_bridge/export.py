"""Pending outbox rows written out as the qbXML messages that would carry them, for review or manual import."""

from __future__ import annotations

from pathlib import Path

from qbwc_bridge import companies, delivery
from qbxml import envelope
from qbxml.schema import supported_version
from warehouse import outbox
from warehouse.store import Conn


def export_pending(conn: Conn, directory: Path) -> tuple[int, list[str]]:
    """One file per sendable row at `directory/<company>/<request_id>.xml`, rendered for the company's ceiling.

    Returns (files written, one line per row that cannot render, naming it and why).
    """
    ceilings = {c.company: supported_version(c.max_qbxml_version) for c in companies.list_all(conn)}
    rows = outbox.sendable_rows(conn)
    written, problems = 0, []
    for row in rows:
        version = ceilings.get(row["company"]) or supported_version("16.0")
        try:
            _, element = delivery.render_row(row, "", version)
        except delivery.Unsendable as exc:
            problems.append(f"{row['company']} {row['request_id']} ({row['record_key']}): {exc}")
            continue
        target = directory / row["company"] / f"{row['request_id']}.xml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(envelope.message([element], version=version, on_error="continueOnError"))
        written += 1
    return written, problems
