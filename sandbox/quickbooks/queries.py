"""Query requests: filters in their list and transaction forms, MaxReturned, and session-bound iterators."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

from sandbox.quickbooks import statuses
from sandbox.quickbooks.clock import Clock
from sandbox.quickbooks.context import Context, full_name
from sandbox.quickbooks.kinds import KINDS
from sandbox.quickbooks.values import as_list

Predicate = Callable[[dict[str, Any]], bool]


@dataclass
class QueryAnswer:
    rets: list[tuple[str, dict[str, Any]]]
    code: int = statuses.OK
    message: str = statuses.OK_MESSAGE
    attributes: dict[str, Any] = field(default_factory=dict)


def run_query(
    ctx: Context, op: str, kinds: tuple[str, ...], body: dict[str, Any], attrs: dict[str, str]
) -> QueryAnswer:
    """Answer `<opRq>`; `attrs` are its attributes (iterator, iteratorID)."""
    mode = attrs.get("iterator")
    if mode in ("Continue", "Stop"):
        return _continue(ctx, op, body, attrs.get("iteratorID", ""), stop=mode == "Stop")
    explicit = _explicit_keys(body)
    if explicit:
        return _lookup(ctx, kinds, body, explicit)
    where, params = _narrowing(ctx.clock, kinds, body)
    matches = [
        (kind, doc) for kind, doc in ctx.store.scan(kinds, where, params) if _matches(ctx.clock, kind, doc, body)
    ]
    if KINDS[kinds[0]].is_list:
        matches.sort(key=lambda pair: full_name(pair[1]).upper())
    limit = int(body["MaxReturned"]) if body.get("MaxReturned") else None
    if mode == "Start":
        iterator_id = "{" + str(uuid.uuid4()) + "}"
        page, rest = (matches[:limit], matches[limit:]) if limit is not None else (matches, [])
        if rest:
            ctx.store.save_iterator(iterator_id, ctx.session_id, op, body, [_key(doc) for _, doc in rest])
        answer = _answer(page, body)
        answer.attributes = {"iteratorRemainingCount": len(rest), "iteratorID": iterator_id}
        return answer
    return _answer(matches[:limit] if limit is not None else matches, body)


def _continue(ctx: Context, op: str, body: dict[str, Any], iterator_id: str, *, stop: bool) -> QueryAnswer:
    saved = ctx.store.load_iterator(iterator_id, ctx.session_id, op)
    if saved is None:
        raise statuses.iterator_invalid(iterator_id)
    start_body, remaining = saved
    if stop:
        ctx.store.drop_iterator(iterator_id)
        return QueryAnswer([], attributes={"iteratorRemainingCount": 0, "iteratorID": iterator_id})
    limit = int(body.get("MaxReturned") or start_body.get("MaxReturned") or len(remaining))
    page_ids, rest = remaining[:limit], remaining[limit:]
    if rest:
        ctx.store.save_iterator(iterator_id, ctx.session_id, op, start_body, rest)
    else:
        ctx.store.drop_iterator(iterator_id)
    page = [found for found in map(ctx.store.get, page_ids) if found is not None]  # deleted meanwhile: skipped
    answer = _answer(page, start_body)
    answer.attributes = {"iteratorRemainingCount": len(rest), "iteratorID": iterator_id}
    return answer


def _answer(matches: list[tuple[str, dict]], body: dict[str, Any]) -> QueryAnswer:
    rets = [(kind, shape(kind, doc, body)) for kind, doc in matches]
    if not rets:
        return QueryAnswer([], statuses.NO_MATCH, statuses.NO_MATCH_MESSAGE)
    return QueryAnswer(rets)


def _key(doc: dict[str, Any]) -> str:
    return doc.get("ListID") or doc["TxnID"]


# -- explicit ids and names --------------------------------------------------------------------


def _explicit_keys(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name in ("ListID", "FullName", "TxnID", "RefNumber", "RefNumberCaseSensitive")
        for value in as_list(body.get(name))
    ]


def _lookup(ctx: Context, kinds: tuple[str, ...], body: dict[str, Any], keys: list[tuple[str, str]]) -> QueryAnswer:
    """Objects asked for by id or name; the ones missing make a 500 warning, as QuickBooks answers."""
    found: list[tuple[str, dict]] = []
    missing: list[str] = []
    namespace = KINDS[kinds[0]].namespace
    for name, value in keys:
        if name in ("ListID", "TxnID"):
            hit = ctx.store.get(value)
            hits = [hit] if hit and hit[0] in kinds else []
        elif name == "FullName":
            hit = ctx.store.by_name(namespace, value)
            hits = [hit] if hit and hit[0] in kinds else []
        else:
            exact = name == "RefNumberCaseSensitive"
            hits = [
                (kind, doc)
                for kind, doc in ctx.store.scan(kinds, "upper(ref_number) = upper(?)", (value,))
                if not exact or doc.get("RefNumber") == value
            ]
        if not hits:
            missing.append(value)
        found += [h for h in hits if all(_key(h[1]) != _key(f[1]) for f in found)]
    answer = _answer(found, body)
    if missing:
        answer.code, answer.message = statuses.PARTIAL, statuses.missing_objects(missing)
    return answer


# -- filters -----------------------------------------------------------------------------------


MARGIN = timedelta(minutes=1)  # around a modified-date bound: the store's UTC column narrows, _matches decides


def _narrowing(clock: Clock, kinds: tuple[str, ...], body: dict[str, Any]) -> tuple[str, tuple]:
    """An SQL condition on the store's columns that every match meets (a superset: _matches still decides), so a
    query by RefNumber or by modified date over a file of many thousand transactions decodes only its candidates."""
    txn = not KINDS[kinds[0]].is_list
    dates = body.get("ModifiedDateRangeFilter", {}) if txn else body
    conditions, params = [], []
    if dates.get("FromModifiedDate"):
        conditions.append("modified >= ?")
        params.append((clock.filter(dates["FromModifiedDate"]).astimezone(UTC) - MARGIN).isoformat())
    if dates.get("ToModifiedDate"):
        conditions.append("modified <= ?")
        params.append((clock.filter(dates["ToModifiedDate"], end_of_day=True).astimezone(UTC) + MARGIN).isoformat())
    refs = body.get("RefNumberRangeFilter") if txn else None
    bounds = [refs.get("FromRefNumber") or "", refs.get("ToRefNumber") or ""] if refs else []
    if refs and all(b.isascii() for b in bounds):  # SQLite's upper() folds ASCII only
        conditions.append("upper(coalesce(ref_number, '')) >= ?")
        params.append(refs.get("FromRefNumber", "").upper())
        if refs.get("ToRefNumber") is not None:
            conditions.append("upper(coalesce(ref_number, '')) <= ?")
            params.append(refs["ToRefNumber"].upper())
    return " AND ".join(conditions), tuple(params)


def _matches(clock: Clock, kind: str, doc: dict[str, Any], body: dict[str, Any]) -> bool:
    spec = KINDS[kind]
    if spec.is_list:
        return _list_matches(clock, doc, body)
    return _txn_matches(clock, spec.entity_ref, doc, body)


def _list_matches(clock: Clock, doc: dict[str, Any], body: dict[str, Any]) -> bool:
    status = body.get("ActiveStatus", "ActiveOnly")
    active = doc.get("IsActive", "true") == "true"
    if (status == "ActiveOnly" and not active) or (status == "InactiveOnly" and active):
        return False
    if not clock.in_range(doc["TimeModified"], body.get("FromModifiedDate"), body.get("ToModifiedDate")):
        return False
    name = full_name(doc).upper()
    if "NameFilter" in body and not _text_match(name, body["NameFilter"], "Name"):
        return False
    if "NameRangeFilter" in body and not _in_range_filter(name, body["NameRangeFilter"], "Name"):
        return False
    types = as_list(body.get("AccountType"))
    return not types or doc.get("AccountType") in types


def _txn_matches(clock: Clock, entity_ref: str | None, doc: dict[str, Any], body: dict[str, Any]) -> bool:
    modified = body.get("ModifiedDateRangeFilter", {})
    if not clock.in_range(doc["TimeModified"], modified.get("FromModifiedDate"), modified.get("ToModifiedDate")):
        return False
    dates = body.get("TxnDateRangeFilter", {})
    if (dates.get("FromTxnDate") and doc["TxnDate"] < dates["FromTxnDate"]) or (
        dates.get("ToTxnDate") and doc["TxnDate"] > dates["ToTxnDate"]
    ):
        return False
    if "EntityFilter" in body and not _ref_match(doc.get(entity_ref) if entity_ref else None, body["EntityFilter"]):
        return False
    if "AccountFilter" in body and not any(_ref_match(ref, body["AccountFilter"]) for ref in _account_refs(doc)):
        return False
    ref_number = (doc.get("RefNumber") or "").upper()
    if "RefNumberFilter" in body and not _text_match(ref_number, body["RefNumberFilter"], "RefNumber"):
        return False
    if "RefNumberRangeFilter" in body and not _in_range_filter(ref_number, body["RefNumberRangeFilter"], "RefNumber"):
        return False
    paid = body.get("PaidStatus", "All")
    is_paid = doc.get("IsPaid") == "true"
    return not ((paid == "PaidOnly" and not is_paid) or (paid == "NotPaidOnly" and is_paid))


def _text_match(value: str, spec: dict[str, str], field_name: str) -> bool:
    wanted = spec[field_name].upper()
    criterion = spec.get("MatchCriterion", "StartsWith")
    if criterion == "StartsWith":
        return value.startswith(wanted)
    if criterion == "EndsWith":
        return value.endswith(wanted)
    return wanted in value


def _in_range_filter(value: str, spec: dict[str, str], field_name: str) -> bool:
    """`value` (upper case) within From<field>..To<field>, case-insensitive; a missing bound is open."""
    low = spec.get(f"From{field_name}", "").upper()
    high = spec.get(f"To{field_name}")
    return value >= low and (high is None or value <= high.upper())


def _ref_match(ref: dict[str, Any] | None, spec: dict[str, Any]) -> bool:
    if not ref:
        return False
    ids = as_list(spec.get("ListID")) + as_list(spec.get("ListIDWithChildren"))
    names = [n.upper() for n in as_list(spec.get("FullName"))]
    name = ref.get("FullName", "").upper()
    if ref.get("ListID") in ids or name in names:
        return True
    parents = [n.upper() for n in as_list(spec.get("FullNameWithChildren"))]
    return any(name == parent or name.startswith(parent + ":") for parent in parents)


def _account_refs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    refs = [doc[k] for k in ("APAccountRef", "ARAccountRef", "BankAccountRef", "CreditCardAccountRef") if k in doc]
    for key, value in doc.items():
        if key.endswith("LineRet"):
            refs += [line["AccountRef"] for line in as_list(value) if "AccountRef" in line]
    return refs


# -- what a query returns ----------------------------------------------------------------------


def shape(kind: str, doc: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Lines only with IncludeLineItems, linked transactions only with IncludeLinkedTxns, IncludeRetElement."""
    out = dict(doc)
    if not KINDS[kind].is_list:
        if body.get("IncludeLineItems") != "true":
            out = {k: v for k, v in out.items() if not k.endswith("LineRet")}
        if body.get("IncludeLinkedTxns") != "true":
            out.pop("LinkedTxn", None)
    return shape_fields(out, body)


def shape_fields(doc: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Only the elements IncludeRetElement names, when it names any."""
    wanted = as_list(body.get("IncludeRetElement"))
    return {k: v for k, v in doc.items() if k in wanted} if wanted else doc
