"""Outbox rows -> one qbXML message: what each row sends next, rendered for the negotiated version, within bounds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from lxml import etree

from qbxml import envelope, requests
from qbxml.editions import Edition
from qbxml.text import QbxmlFieldError
from qbxml.values import Ref
from warehouse import outbox
from warehouse.audit import now
from warehouse.store import Conn


class Unsendable(ValueError):
    """The row cannot be sent as it stands (bad field, or an unknown outcome with no way to look it up)."""


@dataclass
class Batch:
    batch_id: str
    xml: str
    rows: list[dict]  # claimed rows, each with the `sent_action` it carries
    failed: int  # rows failed at render time (bad input), already settled


def _obj(op: str) -> str:
    """'VendorAdd' -> 'Vendor', 'ItemServiceMod' -> 'ItemService'."""
    return op.removesuffix("Add").removesuffix("Mod")


def _body(row: dict) -> dict[str, Any]:
    """The object inside an Add/Mod payload ({"VendorAdd": {...}} -> {...})."""
    return row["payload"].get(row["op"]) or {}


def _is_txn(obj: str) -> bool:
    return obj not in LIST_OBJECTS and not obj.startswith("Item")


LIST_OBJECTS = {"Vendor", "Customer", "Account", "Employee", "OtherName", "Class", "Terms"}


def lookup_query(row: dict) -> tuple[str, dict[str, Any]]:
    """The query that tells whether an Add already reached QuickBooks: by stored ID, else by its natural key."""
    obj, body = _obj(row["op"]), _body(row)
    if row.get("qb_id"):
        key = "TxnID" if _is_txn(obj) else "ListID"
        return f"{obj}Query", {key: [row["qb_id"]]}
    if obj == "Bill":
        ref = body.get("VendorRef") or {}
        vendor = Ref(full_name=ref.get("FullName"), list_id=ref.get("ListID")) if ref else None
        if not body.get("RefNumber") or not vendor:
            raise Unsendable(
                "outcome unknown and the bill has no RefNumber and vendor to look it up by: check QuickBooks"
            )
        return "BillQuery", requests.BillQuery.lookup(vendor, body["RefNumber"]).fields()
    if not _is_txn(obj) and body.get("Name"):
        parent = (body.get("ParentRef") or {}).get("FullName")
        name = f"{parent}:{body['Name']}" if parent else body["Name"]
        return f"{obj}Query", {"FullName": [name]}
    raise Unsendable(f"outcome unknown and a {row['op']} cannot be looked up by a natural key: check QuickBooks")


def requery(row: dict) -> tuple[str, dict[str, Any]]:
    """The query that reads the current EditSequence of the object a Mod changes."""
    obj, body = _obj(row["op"]), _body(row)
    key = "TxnID" if _is_txn(obj) else "ListID"
    if not body.get(key):
        raise Unsendable(f"{row['op']} without {key}: cannot re-read its EditSequence")
    return f"{obj}Query", {key: [body[key]]}


def plan(row: dict, ticket: str) -> tuple[str, str, dict[str, Any]]:
    """(action, op, fields) the row sends now."""
    action = row.get("next_action") or "send"
    if action == "lookup":
        return (action, *lookup_query(row))
    if action == "requery":
        return (action, *requery(row))
    payload = dict(row["payload"])
    if action == "continue" and row.get("iterator_id") and row.get("iterator_ticket") == ticket:
        return action, row["op"], {**payload, "@iterator": "Continue", "@iteratorID": row["iterator_id"]}
    if "@iterator" in payload:  # a new session (or 3391): start the query again from its own watermark
        payload["@iterator"] = "Start"
        payload.pop("@iteratorID", None)
    if row["op"].endswith("Mod") and row.get("qb_edit_sequence"):
        payload[row["op"]] = {**_body(row), "EditSequence": row["qb_edit_sequence"]}
    return "send", row["op"], payload


def render_row(row: dict, ticket: str, version: str, edition: Edition | None = None) -> tuple[str, etree._Element]:
    """(action, `<opRq>` element) for one row, in the terms of the session's edition; Unsendable when it cannot go."""
    action, op, fields = plan(row, ticket)
    try:
        fields = edition.adapt(fields) if edition else fields
        return action, requests.render(op, fields, version=version, request_id=row["request_id"])
    except (QbxmlFieldError, ValueError, KeyError) as exc:
        raise Unsendable(f"cannot render {op}: {exc}") from exc


def next_batch(
    conn: Conn,
    company: str,
    ticket: str,
    version: str,
    max_requests: int,
    max_bytes: int,
    edition: Edition | None = None,
) -> Batch | None:
    """Claim, render (for the session's edition) and mark sent the next message for `company`; None when nothing is
    sendable now.

    At least one request goes even if it alone exceeds `max_bytes`; rows that cannot render are failed here.
    """
    chosen: list[dict] = []
    elements: list[etree._Element] = []
    failures: list[dict] = []
    size = 0
    for row in outbox.claim(conn, company, max_requests):
        try:
            action, element = render_row(row, ticket, version, edition)
        except Unsendable as exc:
            failures.append({**row, "status": "failed", "last_error": str(exc), "event": "failed"})
            continue
        length = len(etree.tostring(element))
        if chosen and size + length > max_bytes:
            break
        chosen.append({**row, "sent_action": action})
        elements.append(element)
        size += length
    outbox.settle(conn, failures)
    if not chosen:
        return None
    batch_id = "b" + uuid.uuid4().hex
    written = edition.version_string if edition else None
    xml = envelope.message(elements, version=version, on_error="continueOnError", written=written).decode("utf-8")
    outbox.mark_sent(conn, chosen, ticket, batch_id)
    conn.execute(
        "INSERT INTO qbxml_messages (batch_id, company, ticket, qbxml_version, request_count, request_xml, sent_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [batch_id, company, ticket, version, len(chosen), xml, now()],
    )
    return Batch(batch_id, xml, chosen, len(failures))
