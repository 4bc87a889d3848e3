"""One `<...Rq>` in, its `<...Rs>` out: dispatch to the writes, queries and host answers, status on errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from qbxml.schema import QbxmlSchema
from qbxml.xmltree import render
from sandbox.quickbooks import host, queries, statuses, writes
from sandbox.quickbooks.context import Context
from sandbox.quickbooks.faults import MessageFaults
from sandbox.quickbooks.kinds import ITEM_KINDS, PAYMENT_KINDS, Kind, kind_of_op
from sandbox.quickbooks.values import as_list, check_lengths, latin1


@dataclass
class Answer:
    rets: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (element name, data)
    code: int = statuses.OK
    message: str = statuses.OK_MESSAGE
    attributes: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)  # children of the Rs itself (TxnDelRs, ListDelRs)


@dataclass
class Company:
    country: str
    max_version: str


@dataclass(frozen=True)
class Checks:
    """What the message-wide schema pass found: the requests holding a text longer than its maxLength (the only ones
    that can be 3070), and whether any text may fall outside Latin-1."""

    long_text: set[etree._Element]
    latin1: bool = True


def answer_request(
    ctx: Context,
    schema: QbxmlSchema,
    rq: etree._Element,
    rq_data: Any,
    draws: MessageFaults,
    company: Company,
    checks: Checks,
) -> tuple[str, bool]:
    """The `<opRs>` for `rq` (`rq_data`: it read as data) as text and whether it is an error (which stops a
    stopOnError message)."""
    op = rq.tag.removesuffix("Rq")
    try:
        with ctx.store.savepoint():
            answer = _dispatch(ctx, schema, op, rq, rq_data, draws, company, checks)
    except statuses.QbError as err:
        answer = Answer(code=err.code, message=err.message)
    severity = "Info" if answer.code in (statuses.OK, statuses.NO_MATCH) else "Warn" if answer.code < 1000 else "Error"
    head = {
        "@requestID": rq.get("requestID"),
        "@statusCode": answer.code,
        "@statusSeverity": severity,
        "@statusMessage": answer.message,
        **{f"@{k}": v for k, v in answer.attributes.items()},
    }
    rets = "".join(render(schema, schema.element(name), data) for name, data in answer.rets)
    return render(schema, schema.response(op), {**head, **answer.fields}, then=rets), severity == "Error"


def _dispatch(
    ctx: Context,
    schema: QbxmlSchema,
    op: str,
    rq: etree._Element,
    rq_data: Any,
    draws: MessageFaults,
    company: Company,
    checks: Checks,
) -> Answer:
    long_text = rq in checks.long_text
    if not isinstance(rq_data, dict):
        rq_data = {}
    attrs = {k[1:]: v for k, v in rq_data.items() if k.startswith("@")}
    body = {k: v for k, v in rq_data.items() if not k.startswith("@")}
    if checks.latin1:
        body = latin1(body)
    if op == "HostQuery":
        return Answer([("HostRet", host.host_ret(company.country, company.max_version))])
    if op == "CompanyQuery":
        return Answer([("CompanyRet", host.company_ret(company.country))])
    if op == "PreferencesQuery":
        return Answer([("PreferencesRet", host.preferences_ret())])
    if op in ("TxnDeletedQuery", "ListDeletedQuery"):
        return _deleted_query(ctx, op, body)
    if op in ("TxnDel", "ListDel"):
        if long_text:
            check_lengths(body, schema.request(op))
        _maybe_transient(draws, body.get(f"{op[:-3]}DelType", op))
        return Answer(fields=writes.txn_del(ctx, body) if op == "TxnDel" else writes.list_del(ctx, body))
    if op == "TxnVoid":
        if long_text:
            check_lengths(body, schema.request(op))
        _maybe_transient(draws, body.get("TxnVoidType", op))
        return Answer(fields=writes.txn_void(ctx, body))
    if op == "ItemQuery":
        return _query(ctx, op, ITEM_KINDS, body, attrs)
    for verb, write in (("Add", writes.add), ("Mod", writes.mod)):
        kind = kind_of_op(op, verb)
        if kind is not None and not (verb == "Mod" and kind.name in PAYMENT_KINDS):
            return _write(ctx, schema, op, kind, body, draws, write, long_text)
    kind = kind_of_op(op, "Query")
    if kind is not None:
        return _query(ctx, op, (kind.name,), body, attrs)
    raise statuses.not_supported(op)


def _write(ctx, schema, op: str, kind: Kind, body: dict, draws: MessageFaults, write, long_text: bool) -> Answer:
    content = body.get(op, {})
    if long_text:
        check_lengths(content, schema.request(op).child(op))
    _maybe_transient(draws, kind.name, (content.get("Name") or content.get("ListID")) if kind.is_list else None)
    doc = write(ctx, kind, content)
    return Answer([(f"{kind.name}Ret", queries.shape(kind.name, doc, _all_lines(body)))])


def _all_lines(body: dict) -> dict:
    """An Add/Mod answer carries the whole object with its lines (IncludeRetElement still narrows it)."""
    return {"IncludeLineItems": "true", "IncludeLinkedTxns": "true", "IncludeRetElement": body.get("IncludeRetElement")}


def _maybe_transient(draws: MessageFaults, kind_name: str, element: str | None = None) -> None:
    code = draws.transient_code()
    if code is not None:
        raise statuses.transient(code, kind_name, element)


def _query(ctx: Context, op: str, kinds: tuple[str, ...], body: dict, attrs: dict) -> Answer:
    found = queries.run_query(ctx, op, kinds, body, attrs)
    return Answer([(f"{kind}Ret", doc) for kind, doc in found.rets], found.code, found.message, found.attributes)


def _deleted_query(ctx: Context, op: str, body: dict) -> Answer:
    is_list = op == "ListDeletedQuery"
    prefix = "List" if is_list else "Txn"
    window = body.get("DeletedDateRangeFilter", {})
    rets = []
    for row in ctx.store.deleted(as_list(body.get(f"{prefix}DelType")), is_list=is_list):
        if not ctx.clock.in_range(row["time_deleted"], window.get("FromDeletedDate"), window.get("ToDeletedDate")):
            continue
        label = "FullName" if is_list else "RefNumber"
        ret = {
            f"{prefix}DelType": row["kind"],
            f"{prefix}ID": row["id"],
            "TimeCreated": row["time_created"],
            "TimeDeleted": row["time_deleted"],
            label: row["label"],
        }
        rets.append((f"{prefix}DeletedRet", queries.shape_fields(ret, body)))
    if not rets:
        return Answer(code=statuses.NO_MATCH, message=statuses.NO_MATCH_MESSAGE)
    return Answer(rets)
