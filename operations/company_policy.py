"""`qbsync company set`: a company's procure-to-pay policy per source, and which source instances feed it."""

from __future__ import annotations

from sources import registry
from sources.keys import DEFAULT_INSTANCE, check_instance
from warehouse.audit import record
from warehouse.company_sources import POLICY_COLUMNS, enrol
from warehouse.store import Conn

COLUMNS = (*POLICY_COLUMNS, "on_cancel", "vendor_names")

CHOICES = {
    "bill_on": ("po", "invoice"),
    "invoice_difference": ("adjust", "hold"),
    "vendor_policy": ("create", "review"),
    "vendor_sync": ("all", "on_demand"),
    "on_cancel": ("hold", "void"),
    "vendor_names": ("keep", "follow"),
}
ACTOR = "cli:company"


def parse_source(text: str) -> tuple[str, str]:
    """'<system>:acme' -> ('<system>', 'acme'); '<system>' -> ('<system>', 'default'); unknown systems are refused."""
    system, _, instance = text.partition(":")
    if system not in registry.names():
        raise ValueError(f"--source {text}: {system!r} is not a declared source ({', '.join(registry.names())})")
    return system, check_instance(instance or DEFAULT_INSTANCE)


def set_policy(conn: Conn, company: str, sources: list[str], **policy: str | None) -> list[str]:
    """Enrol the `sources` given (system[:instance]) and set each policy value given on every source row of the
    company (only those sources when given); returns one line per change, each also in the audit log."""
    if not conn.scalar("SELECT 1 FROM companies WHERE company = ?", [company]):
        raise ValueError(f"no company {company!r}: add it with qbsync company add")
    wanted = {k: v for k, v in policy.items() if v is not None}
    for name, value in wanted.items():
        if name not in CHOICES:
            raise ValueError(f"unknown policy {name}")
        if value not in CHOICES[name]:
            raise ValueError(f"--{name.replace('_', '-')} {value}: choose one of {', '.join(CHOICES[name])}")
    pairs = [parse_source(s) for s in sources]
    changes = []
    for system, instance in pairs:
        if not conn.scalar(
            "SELECT 1 FROM company_sources WHERE company = ? AND source_system = ? AND source_instance = ?",
            [company, system, instance],
        ):
            enrol(conn, company, system, instance)
            changes.append(f"{company}: fed by {system}:{instance}")
    rows = conn.records(
        f"SELECT source_system, source_instance, {', '.join(COLUMNS)} FROM company_sources "
        "WHERE company = ? ORDER BY source_system, source_instance",
        [company],
    )
    if pairs:
        rows = [r for r in rows if (r["source_system"], r["source_instance"]) in pairs]
    events = []
    for row in rows:
        for name, value in wanted.items():
            if row[name] == value:
                continue
            conn.execute(
                f"UPDATE company_sources SET {name} = ? WHERE company = ? AND source_system = ? "
                "AND source_instance = ?",
                [value, company, row["source_system"], row["source_instance"]],
            )
            where = f"{row['source_system']}:{row['source_instance']}"
            changes.append(f"{company} {where}: {name} {row[name]} -> {value}")
            events.append(
                {
                    "actor": ACTOR,
                    "company": company,
                    "record_key": f"company:{company}",
                    "event": f"{name} set",
                    "detail": {"source": where, "from": row[name], "to": value},
                }
            )
    if wanted.get("vendor_policy") and not pairs:  # the company-wide switch follows a company-wide setting
        conn.execute("UPDATE companies SET vendor_policy = ? WHERE company = ?", [wanted["vendor_policy"], company])
    record(conn, events)
    return changes


def set_payment_account(conn: Conn, company: str, account: str) -> str | None:
    """The QuickBooks bank account (full name) the company's bill payments are drawn on; a change line, audited."""
    account = account.strip()
    if not account:
        raise ValueError("--payment-account: give the QuickBooks bank account's full name, e.g. Checking")
    before = conn.scalar("SELECT payment_bank_account FROM companies WHERE company = ?", [company])
    if before == account:
        return None
    conn.execute("UPDATE companies SET payment_bank_account = ? WHERE company = ?", [account, company])
    record(
        conn,
        [{"actor": ACTOR, "company": company, "record_key": f"company:{company}", "event": "payment_account set",
          "detail": {"from": before, "to": account}}],
    )  # fmt: skip
    return f"{company}: payment account {before or '(none)'} -> {account}"


def show(conn: Conn, company: str) -> list[dict]:
    """The company's source rows with their policy."""
    return conn.records(
        f"SELECT source_system, source_instance, {', '.join(COLUMNS)} FROM company_sources "
        "WHERE company = ? ORDER BY source_system, source_instance",
        [company],
    )
