"""The data checks as Dagster asset checks: blocking ERROR rules on bill_drafts, GX suites, WARN freshness/volume."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

import dagster as dg

from data_checks import quarantine, suites, unmapped, warnings
from data_checks.results import WARN, CheckReport, CheckResult
from sources import registry
from sources.declaration import Source
from warehouse.store import Warehouse

BILL_DRAFTS = "bill_drafts"
BLOCKS = (
    "Blocks: an offending document is quarantined (no VendorAdd, BillAdd or BillMod for it) while the others flow "
    "on; an offender that escaped quarantine fails the check as ERROR and stops the outbox assets of the run"
)


def watched_landing() -> list[tuple[Source, str]]:
    """(source, entity) of the landing of every source's billable documents: freshness and volume checks."""
    return [
        (source, found[0])
        for source in registry.all_sources()
        for billable in source.billable
        if (found := source.entity_for(billable.canonical))
    ]


class WarehouseResource(Protocol):
    """What the checks need from the `warehouse` resource."""

    def get(self) -> Warehouse: ...


def _warehouse(context) -> Warehouse:
    resource: WarehouseResource = context.resources.warehouse
    return resource.get()


def to_check_result(
    result: CheckResult, asset: str | dg.AssetKey, held: Iterable[str] | None = None
) -> dg.AssetCheckResult:
    """A CheckResult as Dagster sees it. With `held` (a blocking rule): offenders all in quarantine fail as WARN,
    so the good documents flow on; an offender that escaped quarantine fails as ERROR and blocks the outbox."""
    severity = dg.AssetCheckSeverity.WARN if result.severity == WARN else dg.AssetCheckSeverity.ERROR
    description = result.description
    if held is not None and not result.passed:
        escaped = sorted(set(result.offenders) - set(held))
        if escaped:
            description = f"{len(escaped)} offending documents are not quarantined: {', '.join(escaped[:10])}"
        else:
            severity = dg.AssetCheckSeverity.WARN
            description = f"{result.count} documents quarantined; every other document continues"
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=result.name,
        passed=result.passed,
        severity=severity,
        description=description,
        metadata={**result.metadata(), "offenders": dg.MetadataValue.md(result.markdown())},
    )


def blocking_results(report: CheckReport) -> Iterator[dg.AssetCheckResult]:
    for res in report.results:
        yield to_check_result(res, BILL_DRAFTS, held=report.held)


def _blocking_check() -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec(rule.name, asset=BILL_DRAFTS, blocking=True, description=f"{rule.description}. {BLOCKS}")
        for rule in quarantine.BLOCKING_RULES
    ]

    @dg.multi_asset_check(specs=specs, name="bill_drafts_blocking_rules", required_resource_keys={"warehouse"})
    def bill_drafts_blocking_rules(context) -> Iterator[dg.AssetCheckResult]:
        """Per rule, the documents held in quarantine by the evaluation bill_drafts ran (this check only reads)."""
        with _warehouse(context).connect() as conn:
            report = quarantine.current(conn)
        context.log.info(f"quarantine: {len(report.held)} documents held")
        yield from blocking_results(report)

    return bill_drafts_blocking_rules


NO_COMPANY = (
    "no company is registered: run qbsync company add --name NAME --user USER --password-stdin (every declared source "
    "feeds it; qbsync company set NAME --source SYSTEM:INSTANCE names others), then qbsync doctor"
)


def _company_check() -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=BILL_DRAFTS,
        name="company_registered",
        blocking=True,
        required_resource_keys={"warehouse"},
        description="A company fed by a source exists; without one nothing can become a bill, so the run fails "
        "(blocks the outbox) instead of passing with zero bills",
    )
    def company_registered(context) -> dg.AssetCheckResult:
        """At least one company is registered and fed by a source (ERROR, blocking: names the command to run)."""
        with _warehouse(context).connect() as conn:
            companies = conn.scalar("SELECT count(*) FROM companies")
            fed = conn.scalar("SELECT count(DISTINCT company) FROM company_sources")
        if not companies:
            description = NO_COMPANY
        elif not fed:
            description = "no company is fed by a source: qbsync company set NAME --source SYSTEM:INSTANCE"
        else:
            description = f"{fed} compan{'y' if fed == 1 else 'ies'} fed by a source"
        return dg.AssetCheckResult(
            check_name="company_registered",
            passed=bool(companies and fed),
            severity=dg.AssetCheckSeverity.ERROR,
            description=description,
            metadata={"companies": int(companies or 0), "fed_by_a_source": int(fed or 0)},
        )

    return company_registered


def _name_only_check() -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=BILL_DRAFTS, name="vendors_matched_by_name", required_resource_keys={"warehouse"})
    def vendors_matched_by_name(context) -> dg.AssetCheckResult:
        """Suppliers matched to a QuickBooks vendor by name alone (WARN)."""
        with _warehouse(context).connect() as conn:
            return to_check_result(warnings.name_only_matches(conn), BILL_DRAFTS)

    return vendors_matched_by_name


def _unmapped_check() -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=BILL_DRAFTS, name="account_codes_unmapped", required_resource_keys={"warehouse"})
    def account_codes_unmapped(context) -> dg.AssetCheckResult:
        """Source account codes that still need a QuickBooks mapping, with the documents and amount waiting (WARN)."""
        with _warehouse(context).connect() as conn:
            rows = unmapped.waiting(conn)
        amount = sum(r["amount"] for r in rows)
        return dg.AssetCheckResult(
            asset_key=BILL_DRAFTS,
            check_name="account_codes_unmapped",
            passed=not rows,
            severity=dg.AssetCheckSeverity.WARN,
            description=(
                f"{len(rows)} source account code(s) need a mapping; {amount} waiting"
                if rows
                else "every source account code on a draft is mapped"
            ),
            metadata={
                "codes": len(rows),
                "documents_waiting": sum(r["documents"] for r in rows),
                "amount_waiting": float(amount),
                "waiting": dg.MetadataValue.md(unmapped.as_markdown(rows)),
            },
        )

    return account_codes_unmapped


def _suite_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=table,
        name=f"gx_{table}",
        description=f"Great Expectations suite over {table}",
        required_resource_keys={"warehouse"},
    )
    def suite_check(context) -> dg.AssetCheckResult:
        with _warehouse(context).connect() as conn:
            frame = conn.df(f'SELECT * FROM "{table}"')
        return to_check_result(suites.validate_frame(suites.SUITES[table], frame), table)

    return suite_check


def _source_checks(source: Source, entity: str) -> list[dg.AssetChecksDefinition]:
    asset = dg.AssetKey(source.landing_key(entity))

    @dg.asset_check(asset=asset, name="source_freshness", required_resource_keys={"warehouse"})
    def source_freshness(context) -> dg.AssetCheckResult:
        """Pulled within a few intervals of the source's schedule, whether or not anything changed (WARN)."""
        with _warehouse(context).connect() as conn:
            return to_check_result(warnings.freshness(conn, source, entity), asset)

    @dg.asset_check(asset=asset, name="volume_change", required_resource_keys={"warehouse"})
    def volume_change(context) -> dg.AssetCheckResult:
        """The last pull changed no more than a few times what the recent pulls did (WARN: spikes only)."""
        with _warehouse(context).connect() as conn:
            return to_check_result(warnings.volume_change(conn, source, entity), asset)

    return [source_freshness, volume_change]


def build_asset_checks(staging_assets: Iterable[str] = tuple(suites.SUITES)) -> list[dg.AssetChecksDefinition]:
    """Every data check as an asset check: a suite per staging table; each declared source's billable landing gets
    freshness and volume."""
    checks = [_company_check(), _blocking_check(), _name_only_check(), _unmapped_check()]
    checks += [_suite_check(t) for t in staging_assets]
    for source, entity in watched_landing():
        checks += _source_checks(source, entity)
    return checks
