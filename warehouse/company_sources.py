"""company_sources: which source instances feed each company, with the company's policy per source (defaults from
the source's declaration)."""

from __future__ import annotations

from dataclasses import asdict

from sources import registry
from sources.declaration import Source
from sources.keys import DEFAULT_INSTANCE, check_instance
from warehouse.audit import record
from warehouse.store import Conn

POLICY_COLUMNS = ("bill_on", "invoice_difference", "vendor_policy", "vendor_sync")


def enrol(conn: Conn, company: str, source_system: str, instance: str = DEFAULT_INSTANCE, **policy: str) -> None:
    """Feed `company` from `source_system` (instance `instance`); policy not given takes the declared default."""
    check_instance(instance)
    declared = registry.get(source_system)
    if declared.delivery and instance != DEFAULT_INSTANCE:
        raise ValueError(
            f"{source_system} sends its writes its own way to one instance: feed {company} from "
            f"--source {source_system}, not --source {source_system}:{instance}"
        )
    values = {**asdict(declared.policy), **policy}
    unknown = set(values) - set(POLICY_COLUMNS)
    if unknown:
        raise ValueError(f"company {company}: unknown source policy {', '.join(sorted(unknown))}")
    columns = ", ".join(POLICY_COLUMNS)
    conn.execute(
        f"INSERT INTO company_sources (company, source_system, source_instance, {columns}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (company, source_system, source_instance) DO NOTHING",
        [company, source_system, instance, *(values[c] for c in POLICY_COLUMNS)],
    )
    record(
        conn,
        [{"actor": "company_sources", "company": company, "record_key": f"company:{company}",
          "event": f"fed by {source_system}:{instance}"}],
    )  # fmt: skip


def fill_defaults(conn: Conn) -> None:
    """Policy columns still NULL (rows a migration created) take their source's declared defaults."""
    for source in registry.all_sources():
        for column, value in asdict(source.policy).items():
            conn.execute(
                f"UPDATE company_sources SET {column} = ? WHERE source_system = ? AND {column} IS NULL",
                [value, source.name],
            )


def feeds(conn: Conn, source: Source) -> list[Source]:
    """The instances of `source` to land and write back: its default instance (the one its resource is configured
    for) and every other instance a company is fed by."""
    enrolled = conn.fetchall(
        "SELECT DISTINCT source_instance FROM company_sources WHERE source_system = ? AND source_instance <> ? "
        "ORDER BY source_instance",
        [source.name, DEFAULT_INSTANCE],
    )
    return [source.feed(DEFAULT_INSTANCE), *(source.feed(instance) for (instance,) in enrolled)]
