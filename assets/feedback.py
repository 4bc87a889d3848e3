"""Feedback assets generated from the registry: `<source>/feedback` tells each source which of its documents reached
QuickBooks (at their current version), through the source's client."""

import dagster as dg

from assets import steps
from assets.metadata import result, sample
from assets.policies import API_RETRY, WAREHOUSE_POOL
from sources import registry
from sources.declaration import Source


def feedback_key(source: Source) -> dg.AssetKey:
    return dg.AssetKey([source.name, "feedback"])


def _feedback_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=feedback_key(source),
        deps=["qb_bills", "qb_bill_payments"],
        group_name=f"{source.name}_feedback",
        kinds={source.name, "python"},
        pool=WAREHOUSE_POOL,
        retry_policy=API_RETRY,
        required_resource_keys={"warehouse", source.name},
        description=f"{source.title} documents marked exported once their current version is in QuickBooks",
    )
    def feedback(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        wh = context.resources.warehouse.get()
        due = [row for row in steps.exports_due(wh, source) if row["source_kind"] in source.feedback]
        done, failed = [], {}
        with getattr(context.resources, source.name).client() as client:
            for row in due:
                try:
                    client.mark_exported(row["source_kind"], row["source_id"])
                except Exception as exc:  # one document the source refuses must not stop the others
                    failed[row["record_key"]] = str(exc)[:200]
                    continue
                done.append(row)
        steps.record_exports(wh, source, done)
        return result(
            wh.scalar("SELECT count(*) FROM source_exports WHERE source_system = ?", [source.name]),
            marked=len(done),
            failed=failed or None,
            sample=sample(wh, "source_exports", "exported_at DESC, record_key", f"source_system = '{source.name}'"),
        )

    return feedback


def feedback_assets() -> list[dg.AssetsDefinition]:
    """One feedback asset per source that declares feedback flows."""
    return [_feedback_asset(s) for s in registry.all_sources() if s.feedback]
