"""Landing assets generated from the registry: `<source>/raw_<entity>` pulled through the source's client
incrementally from its cursor watermark (minus the declared overlap), plus the records a webhook run names when the
client fetches named records (`fetch_<entity>(ids)`); every instance a company is fed by lands into its own table
from its own watermark."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import dagster as dg

from assets import steps
from assets.metadata import columns, result, sample, table
from assets.policies import API_RETRY, LANDING_FRESHNESS, SOURCE_OWNERS, WAREHOUSE_POOL, api_failures_final, stored
from connectors.core.watermark import later, load_watermark, parse_timestamp, save_watermark
from connectors.webhooks.queue import named_in
from sources import registry
from sources.declaration import Source
from sources.keys import DEFAULT_INSTANCE
from warehouse.company_sources import feeds


class _Watermarked:
    """Pass records through while remembering the latest cursor value seen (offsets respected)."""

    def __init__(self, records: Iterator[dict[str, Any]], start: str | None, cursor_field: str):
        self.records = records
        self.latest = start
        self.cursor_field = cursor_field

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for record in self.records:
            if isinstance(record, dict):
                self.latest = later(self.latest, record.get(self.cursor_field))
            yield record


def resume_from(watermark: str | None, overlap: timedelta) -> str | None:
    """Where the next pull starts: the watermark moved back by the overlap window (None: from the beginning)."""
    if not watermark or not overlap:
        return watermark
    return (parse_timestamp(watermark) - overlap).isoformat()


def landing_key(source: Source, entity: str) -> dg.AssetKey:
    return dg.AssetKey(source.landing_key(entity))


def _and_named(
    pulled: Iterator[dict[str, Any]], fetch: Callable[[list[str]], Iterator[dict[str, Any]]], named: list[str], key: str
) -> Iterator[dict[str, Any]]:
    """The incremental pull, then the named records it did not bring (`fetch(ids)`: those the source still serves)."""
    seen = set()
    for record in pulled:
        seen.add(str(record.get(key)) if isinstance(record, dict) else None)
        yield record
    missing = [i for i in named if i not in seen]
    if missing:
        yield from fetch(missing)


def _landing_asset(source: Source, entity: str) -> dg.AssetsDefinition:
    raw = source.raw_table(entity)
    id_field = source.entity_id_field(entity)

    @dg.asset(
        key=landing_key(source, entity),
        group_name=f"{source.name}_landing",
        kinds=stored(source.name, "python"),
        owners=SOURCE_OWNERS,
        metadata=table(raw),
        pool=WAREHOUSE_POOL,
        retry_policy=API_RETRY,
        freshness_policy=LANDING_FRESHNESS,
        required_resource_keys={"warehouse", source.name},
        description=f"{source.title} {entity} as fetched ({raw}), "
        + (
            "pulled whole (the API has no modified-since filter), landed where it changed"
            if source.entities[entity].full_pull
            else f"pulled incrementally from the {source.entity_cursor_field(entity)} watermark"
        ),
    )
    def landing(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        wh = context.resources.warehouse.get()
        with wh.connect() as conn:
            fed = feeds(conn, source)
        figures = {feed.key: _land_feed(context, wh, feed, entity, id_field) for feed in fed}
        mine = figures[source.key]
        return result(
            mine["rows"],
            schema=columns(wh, raw),
            fetched=sum(f["fetched"] for f in figures.values()),
            changed=sum(f["changed"] for f in figures.values()),
            rejected=[r for f in figures.values() for r in f["rejected"]][:20] or None,
            watermark=mine["watermark"],
            **({"instances": {k: {n: f[n] for n in ("rows", "changed", "watermark")} for k, f in figures.items()}}
               if len(figures) > 1 else {}),
            sample=sample(wh, raw, "fetched_at DESC, source_id"),
        )  # fmt: skip

    return landing


def _land_feed(context: dg.AssetExecutionContext, wh, feed: Source, entity: str, id_field: str) -> dict[str, Any]:
    """Land `entity` of one instance of the source from its own watermark, through its own connection."""
    with wh.connect() as conn:
        start = load_watermark(conn, feed.key, entity)
    with api_failures_final(), getattr(context.resources, feed.name).client(feed.instance) as client:
        pulled = getattr(client, f"iter_{entity}")(updated_after=resume_from(start, feed.cursor_overlap))
        named = named_in(context.run.tags).get(entity) if feed.instance == DEFAULT_INSTANCE else None
        if named and hasattr(client, f"fetch_{entity}"):  # a webhook named them: pull them whatever their cursor
            pulled = _and_named(pulled, getattr(client, f"fetch_{entity}"), named, id_field)
        fetched = _Watermarked(pulled, start, feed.entity_cursor_field(entity))
        figures = steps.land(wh, feed, entity, fetched)
    if fetched.latest and fetched.latest != start:
        with wh.connect() as conn:
            save_watermark(conn, feed.key, entity, fetched.latest)
    return {**figures, "watermark": fetched.latest}


def landing_assets(source: Source) -> list[dg.AssetsDefinition]:
    return [_landing_asset(source, entity) for entity in source.entities]


def all_landing_assets() -> list[dg.AssetsDefinition]:
    return [a for source in registry.all_sources() for a in landing_assets(source)]
