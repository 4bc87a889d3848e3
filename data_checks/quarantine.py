"""Evaluate the blocking rules: quarantine offending documents, release those whose cause is gone, audit both."""

from __future__ import annotations

import pandas as pd

from data_checks import rules, text_rules
from data_checks.results import ERROR, CheckReport, CheckResult
from warehouse.audit import now, record
from warehouse.store import Conn

ACTOR = "data_checks"

BLOCKING_RULES: list[rules.Rule] = [
    rules.Rule(
        "account_mapped",
        "every bill line maps to an existing, active QuickBooks account",
        rules.account_mapped,
    ),
    rules.Rule(
        "item_mapped",
        "every line of a PO kept in QuickBooks as a purchase order (bill_on = invoice) maps to a QuickBooks item",
        rules.item_mapped,
        static=True,
    ),
    rules.Rule(
        "tax_code_mapped",
        "in a company file whose edition takes purchase tax, every bill line maps to a QuickBooks sales tax code",
        rules.tax_code_mapped,
        static=True,
    ),
    rules.Rule(
        "vendor_resolved",
        "every document's vendor is matched in QuickBooks or queued for creation",
        rules.vendor_resolved,
    ),
    rules.Rule(
        "totals_match",
        "the document total equals the sum of its lines within a cent",
        rules.totals_match,
        static=True,
    ),
    rules.Rule("dedup_unique", "RefNumber and vendor identify one bill", rules.dedup_unique),
    rules.Rule(
        "amounts_non_negative",
        "amounts, quantities and prices are present and not negative",
        rules.amounts_non_negative,
        static=True,
    ),
    rules.Rule(
        "invoice_matches_po",
        "an invoice booked on its PO's bill invoices what was ordered, or the company adjusts the bill to it",
        rules.invoice_matches_po,
    ),
    rules.Rule(
        "invoice_po_known",
        "an invoice against a PO waits for that PO when the PO's bill books the purchase",
        rules.invoice_po_known,
    ),
    rules.Rule(
        "cancelled_after_booking",
        "a document cancelled at the source after its bill was booked is voided by policy, else held for review",
        rules.cancelled_after_booking,
    ),
    rules.Rule(
        "booked_once",
        "each purchase is booked once: never a bill for a PO and one for its invoice",
        rules.booked_once,
    ),
    rules.Rule(
        "payment_invoices_billed",
        "every invoice a payment pays is a bill of the company (each detail's share goes to its bill)",
        rules.payment_invoices_billed,
    ),
    rules.Rule(
        "latin1_and_lengths",
        "text has a Latin-1 form and fits the qbXML schema's lengths",
        text_rules.latin1_and_lengths,
        static=True,
    ),
]
RULE_NAMES = [r.name for r in BLOCKING_RULES]

QUARANTINE_COLUMNS = ["record_key", "check_name", "field", "reason", "company", "detected_at", "released_at"]


def evaluate(conn: Conn, company: str | None = None, rebuilt: str | None = None) -> CheckReport:
    """Run every blocking rule over the bill drafts (of one company or all) and bring `quarantine` in line.

    A document with a fault gets one open quarantine row per failing rule (field = the first offending field,
    reason = every fault of that rule, readable); an open row whose rule no longer finds a fault is released.
    Newly quarantined and released documents are appended to audit_log. The good documents are untouched.

    `rebuilt`: a table (company, record_key) of the drafts rebuilt (or removed) since the last evaluation. The static
    rules (Rule.static) then look at those alone, and their holds of other drafts stay as they are: nothing a static
    rule reads of such a draft has changed (their offenders in the report are the rebuilt ones).
    """
    stamp = now()
    results, faults = [], []
    for rule in BLOCKING_RULES:
        found = rule.find(conn, company, rebuilt) if rebuilt and rule.static else rule.find(conn, company)
        found = _collapse(found, rule.name)
        faults.append(found)
        offenders = sorted(found["record_key"].unique())
        details = dict(zip(found["record_key"], found["reason"], strict=True))
        results.append(CheckResult(rule.name, ERROR, rule.description, offenders, details))
    current = pd.concat(faults, ignore_index=True)
    opened, released = _apply(conn, current, company, stamp, _kept(conn, rebuilt) if rebuilt else None)
    held = held_keys(conn, company)
    held_set = set(held)
    for res in results:
        res.metrics["quarantined_now"] = sum(1 for k in res.offenders if k in held_set)
    return CheckReport(results, quarantined=opened, released=released, held=held)


def current(conn: Conn) -> CheckReport:
    """What the last evaluation left, read from `quarantine` alone (no rule runs, nothing written): per blocking
    rule its open holds with their reasons."""
    rows = conn.fetchall(
        "SELECT check_name, company, record_key, reason FROM quarantine WHERE released_at IS NULL "
        f"AND check_name IN ({', '.join('?' for _ in RULE_NAMES)}) ORDER BY check_name, record_key, company",
        list(RULE_NAMES),
    )
    results = []
    for rule in BLOCKING_RULES:
        details = {key: reason for name, _, key, reason in rows if name == rule.name}
        results.append(CheckResult(rule.name, ERROR, rule.description, sorted(details), details))
    held = held_keys(conn)
    for res in results:
        res.metrics["quarantined_now"] = res.count
    return CheckReport(results, held=held)


def _collapse(found: pd.DataFrame, check_name: str) -> pd.DataFrame:
    """One row per (company, record_key): the first field and all reasons joined."""
    if found.empty:
        return pd.DataFrame(columns=["company", "record_key", "check_name", "field", "reason"])
    grouped = found.groupby(["company", "record_key"], sort=True).agg(
        field=("field", "first"), reason=("reason", lambda r: "; ".join(r))
    )
    out = grouped.reset_index()
    out["check_name"] = check_name
    return out[["company", "record_key", "check_name", "field", "reason"]]


def _existing(conn: Conn, company: str | None) -> pd.DataFrame:
    placeholders = ", ".join("?" for _ in RULE_NAMES)
    sql = f"SELECT {', '.join(QUARANTINE_COLUMNS)} FROM quarantine WHERE check_name IN ({placeholders})"
    params: list = list(RULE_NAMES)
    if company is not None:
        sql += " AND company = ?"
        params.append(company)
    return conn.df(sql, params)


def _kept(conn: Conn, rebuilt: str) -> pd.DataFrame:
    """(company, record_key, check_name) of the open holds by static rules of drafts not in `rebuilt`: left as they
    are by an evaluation over the rebuilt drafts."""
    static = [r.name for r in BLOCKING_RULES if r.static]
    return conn.df(
        "SELECT q.company, q.record_key, q.check_name FROM quarantine q WHERE q.released_at IS NULL "
        f"AND q.check_name IN ({', '.join('?' for _ in static)}) AND NOT EXISTS (SELECT 1 FROM {rebuilt} r "
        "WHERE r.company = q.company AND r.record_key = q.record_key)",
        static,
    )


def _apply(
    conn: Conn, current: pd.DataFrame, company: str | None, stamp, kept: pd.DataFrame | None = None
) -> tuple[list[str], list[str]]:
    """Upsert open rows for current faults, release the rest (but the `kept` holds); audit what changed. Returns
    (opened, released)."""
    existing = _existing(conn, company)
    key = ["company", "record_key", "check_name"]  # a hold for one company never opens or releases another's
    merged = current.merge(existing, on=key, how="left", suffixes=("", "_was"), indicator=True)
    was_open = (merged["_merge"] == "both") & merged["released_at"].isna()
    opening = merged[~was_open]
    changed = merged[was_open & ((merged["reason"] != merged["reason_was"]) | (merged["field"] != merged["field_was"]))]

    stale = existing[existing["released_at"].isna()].merge(current[key], on=key, how="left", indicator=True)
    stale = stale[stale["_merge"] == "left_only"]
    if kept is not None and not kept.empty:
        stale = stale.drop(columns="_merge").merge(kept, on=key, how="left", indicator=True)
        stale = stale[stale["_merge"] == "left_only"]

    rows = pd.concat(
        [
            _rows(opening, detected_at=stamp),
            _rows(changed, detected_at=None),
            stale.assign(released_at=stamp)[QUARANTINE_COLUMNS],
        ],
        ignore_index=True,
    )
    if not rows.empty:
        rows["detected_at"] = pd.to_datetime(rows["detected_at"])
        rows["released_at"] = pd.to_datetime(rows["released_at"])
        conn.upsert("quarantine", rows, key=key)

    events = [
        {
            "actor": ACTOR,
            "company": r.company,
            "record_key": r.record_key,
            "event": "quarantined",
            "detail": {"check": r.check_name, "field": r.field, "reason": r.reason},
        }
        for r in opening.itertuples(index=False)
    ]
    events += [
        {
            "actor": ACTOR,
            "company": r.company,
            "record_key": r.record_key,
            "event": "released",
            "detail": {"check": r.check_name, "was": r.reason},
        }
        for r in stale.itertuples(index=False)
    ]
    record(conn, [dict(e, occurred_at=stamp) for e in events])
    still_open = set(_open_pairs(conn, company))
    released_keys = {k for k in zip(stale["company"], stale["record_key"], strict=True) if k not in still_open}
    return sorted(set(opening["record_key"])), sorted({key for _, key in released_keys})


def _rows(frame: pd.DataFrame, detected_at) -> pd.DataFrame:
    out = frame[["record_key", "check_name", "field", "reason", "company"]].copy()
    out["detected_at"] = detected_at if detected_at is not None else frame["detected_at"]
    out["released_at"] = None
    return out[QUARANTINE_COLUMNS]


def _open_pairs(conn: Conn, company: str | None) -> list[tuple[str, str]]:
    """(company, record_key) of every open hold (of one company or all)."""
    sql = "SELECT DISTINCT company, record_key FROM quarantine WHERE released_at IS NULL"
    params: list = []
    if company is not None:
        sql += " AND company = ?"
        params.append(company)
    return [(r[0], r[1]) for r in conn.fetchall(sql, params)]


def held_keys(conn: Conn, company: str | None = None) -> list[str]:
    """Record keys held for `company` (or any company): its own holds and the source-level ones ('')."""
    sql = "SELECT DISTINCT record_key FROM quarantine WHERE released_at IS NULL"
    params: list = []
    if company is not None:
        sql += " AND company IN ('', ?)"
        params.append(company)
    return sorted(r[0] for r in conn.fetchall(sql + " ORDER BY record_key", params))
