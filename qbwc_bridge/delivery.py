"""Outbox rows -> one qbXML message: what each row sends next, rendered for the negotiated version, within bounds."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from qbwc_bridge.pacing import Pace, request_types
from qbxml import envelope, requests
from qbxml.editions import Edition
from qbxml.schema import load, supported_version
from qbxml.text import QbxmlFieldError
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
    ops: dict[str, int] = field(default_factory=dict)  # request type -> requests in the message


def _obj(op: str) -> str:
    """'VendorAdd' -> 'Vendor', 'ItemServiceMod' -> 'ItemService'."""
    return op.removesuffix("Add").removesuffix("Mod")


def _body(row: dict) -> dict[str, Any]:
    """The object inside an Add/Mod payload ({"VendorAdd": {...}} -> {...})."""
    return row["payload"].get(row["op"]) or {}


def _is_txn(obj: str) -> bool:
    return obj not in LIST_OBJECTS and not obj.startswith("Item")


LIST_OBJECTS = {"Vendor", "Customer", "Account", "Employee", "OtherName", "Class", "Terms"}


# The namespace of our ExternalGUIDs: uuid5(namespace, company + dedup key) is the same on every bridge and replay.
GUID_NAMESPACE = uuid.UUID("5b0c6f1e-3f7a-4c55-9b8e-1d2f0a9c7e41")
ENTITY_REFS = ("VendorRef", "PayeeEntityRef", "CustomerRef", "EntityRef")


def external_guid(company: str, dedup_key: str) -> str:
    """The ExternalGUID an Add of this dedup key carries, in QuickBooks' GUIDTYPE form ({8-4-4-4-12})."""
    return "{" + str(uuid.uuid5(GUID_NAMESPACE, f"{company}\0{dedup_key}")).upper() + "}"


def new_batch_id() -> str:
    """A message id ordered by time ("b" + nanoseconds + random, 33 characters): the outbox rows a message touches
    sit together, so looking them up skips the history (DuckDB's zone maps) instead of scanning it."""
    return f"b{time.time_ns():016x}{uuid.uuid4().hex[:16]}"


def carries_guid(op: str, version: str) -> bool:
    """Whether `<op>` of this qbXML version has an ExternalGUID element (BillAdd, VendorAdd, ... in 13.0 and 16.0)."""
    if not op.endswith("Add"):
        return False
    schema = load(supported_version(version))
    if not schema.has_request(op):
        return False
    body = schema.request(op).child(op)
    return body is not None and body.child("ExternalGUID") is not None


def lookup_query(row: dict) -> tuple[str, dict[str, Any]]:
    """The query that tells whether an Add already reached QuickBooks: by stored ID, else by its natural key
    (a list entry by full name; a transaction by payee/vendor and RefNumber, or TxnDate when it has none).
    A transaction found this way is ours only when it holds our ExternalGUID (see is_ours). A transaction is asked
    with its lines where its query takes IncludeLineItems: the answer is folded into the mirror as the Add's would
    have been (a PO's lines are what its bills link to; a later query of the same version brings no lines anew)."""
    obj, body = _obj(row["op"]), _body(row)
    lines = {"IncludeLineItems": "true"} if _is_txn(obj) and requests.query_takes(obj, "IncludeLineItems") else {}
    if row.get("qb_id"):
        key = "TxnID" if _is_txn(obj) else "ListID"
        return f"{obj}Query", {key: [row["qb_id"]], **lines}
    if not _is_txn(obj) and body.get("Name"):
        parent = (body.get("ParentRef") or {}).get("FullName")
        name = f"{parent}:{body['Name']}" if parent else body["Name"]
        return f"{obj}Query", {"FullName": [name]}
    entity = next((body[k] for k in ENTITY_REFS if body.get(k)), None)
    if _is_txn(obj) and entity and requests.has_query(obj):
        who = {"ListID": [entity["ListID"]]} if entity.get("ListID") else {"FullName": [entity.get("FullName")]}
        ref_number, txn_date = body.get("RefNumber"), body.get("TxnDate")
        if ref_number:
            refs = {"FromRefNumber": ref_number, "ToRefNumber": ref_number}
            return f"{obj}Query", {"EntityFilter": who, "RefNumberRangeFilter": refs, **lines}
        if txn_date and row.get("external_guid"):
            dates = {"FromTxnDate": txn_date, "ToTxnDate": txn_date}
            return f"{obj}Query", {"TxnDateRangeFilter": dates, "EntityFilter": who, **lines}
    raise Unsendable(
        f"outcome unknown and a {row['op']} cannot be looked up by a natural key (name, or payee/vendor with "
        "RefNumber or with ExternalGUID and TxnDate): check QuickBooks"
    )


def is_ours(row: dict, record: Any) -> bool:
    """Whether a record a lookup found is the object this row added: a transaction must hold the ExternalGUID
    the row's Add carried (RefNumber + vendor alone when it carried none); a list entry is known by its name."""
    guid = row.get("external_guid")
    if not guid or row.get("qb_id") or not _is_txn(_obj(row["op"])):
        return True
    return str(record.data.get("ExternalGUID") or "").upper() == guid.upper()


def requery(row: dict) -> tuple[str, dict[str, Any]]:
    """The query that reads the current EditSequence of the object a Mod changes."""
    obj, body = _obj(row["op"]), _body(row)
    key = "TxnID" if _is_txn(obj) else "ListID"
    if not body.get(key):
        raise Unsendable(f"{row['op']} without {key}: cannot re-read its EditSequence")
    return f"{obj}Query", {key: [body[key]]}


def plan(row: dict, ticket: str, version: str) -> tuple[str, str, dict[str, Any]]:
    """(action, op, fields) the row sends now; an Add carries its ExternalGUID where the version has one, a Mod
    the EditSequence a query of this session returned (it reads its object first when it has none)."""
    action = row.get("next_action") or "send"
    if action == "lookup":
        return (action, *lookup_query(row))
    if action == "requery" or (row["op"].endswith("Mod") and row.get("edit_sequence_ticket") != ticket):
        return ("requery", *requery(row))
    payload = dict(row["payload"])
    if action == "continue" and row.get("iterator_id") and row.get("iterator_ticket") == ticket:
        return action, row["op"], {**payload, "@iterator": "Continue", "@iteratorID": row["iterator_id"]}
    if "@iterator" in payload:  # a new session (or 3391): start the query again from its own watermark
        payload["@iterator"] = "Start"
        payload.pop("@iteratorID", None)
    if row["op"].endswith("Mod") and row.get("qb_edit_sequence"):
        payload[row["op"]] = {**_body(row), "EditSequence": row["qb_edit_sequence"]}
    if carries_guid(row["op"], version):
        payload[row["op"]] = {**_body(row), "ExternalGUID": external_guid(row["company"], row["dedup_key"])}
    return "send", row["op"], payload


def render_row(row: dict, ticket: str, version: str, edition: Edition | None = None) -> tuple[str, etree._Element]:
    """(action, `<opRq>` element) for one row, in the terms of the session's edition; Unsendable when it cannot go."""
    action, op, fields = plan(row, ticket, version)
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
    deps: dict[str, dict] | None = None,
    pace: Pace | None = None,
) -> Batch | None:
    """Claim, render (for the session's edition) and mark sent the next message for `company`; None when nothing is
    sendable now (`deps`: outbox.dependencies(), when the caller has it; `pace`: the QuickBooks time each request
    type is expected to take and the message's budget of it).

    At least one request goes even if it alone exceeds `max_bytes` or the budget; rows that cannot render are failed
    here.
    """
    chosen: list[dict] = []
    elements: list[etree._Element] = []
    failures: list[dict] = []
    size, spent = 0, 0.0
    for row in outbox.claim(conn, company, pace.claim_limit(max_requests) if pace else max_requests, deps):
        try:
            action, element = render_row(row, ticket, version, edition)
        except Unsendable as exc:
            failures.append({**row, "status": "failed", "last_error": str(exc), "event": "failed"})
            continue
        op = element.tag.removesuffix("Rq")
        if chosen and pace and not pace.fits(spent, op):
            break
        length = len(etree.tostring(element))
        if chosen and size + length > max_bytes:
            break
        spent += pace.cost(op) if pace else 0.0
        adds = action == "send" and row["op"].endswith("Add")
        guid = external_guid(row["company"], row["dedup_key"]) if adds and carries_guid(row["op"], version) else None
        chosen.append({**row, "sent_action": action, "external_guid": guid if adds else row.get("external_guid")})
        elements.append(element)
        size += length
    outbox.settle(conn, failures)
    if not chosen:
        return None
    batch_id = new_batch_id()
    written = edition.version_string if edition else None
    xml = envelope.message(elements, version=version, on_error="continueOnError", written=written).decode("utf-8")
    outbox.mark_sent(conn, chosen, ticket, batch_id)
    conn.execute(
        "INSERT INTO qbxml_messages (batch_id, company, ticket, qbxml_version, request_count, request_xml, sent_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [batch_id, company, ticket, version, len(chosen), xml, now()],
    )
    return Batch(batch_id, xml, chosen, len(failures), request_types([e.tag for e in elements]))
