"""What a source system declares: its entities and how they map onto canonical staging, billable documents, policy
defaults, schedule, webhook scheme, client and feedback flows. Plain data; the shared layers read nothing else."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sources.keys import DEFAULT_INSTANCE, check_instance, source_key

Path_ = tuple[str, ...]  # a JSON path in a landed payload


@dataclass(frozen=True)
class LineNumber:
    """A line field that must parse as a DECIMAL(precision); `label` names it in the check, `what` in the reason."""

    label: str
    precision: str = "18,2"
    what: str = "is not a number"
    required: bool = False  # a missing value is a fault too


@dataclass(frozen=True)
class Entity:
    """One list the source serves, landed as raw_<source>_<name> and mapped by `<sql_dir>/<name>.sql` onto the
    canonical table `canonical` (see transforms.canonical); its lines come from the second SELECT of that file or,
    when several entities share them, from `<sql_dir>/<lines_sql>.sql` (extra columns there are ignored).

    `paths` / `line_paths` name the payload fields (as text) the mapping SQL reads from `h` (a document) and `l`
    (one element of the array `lines_key`); `line_paths` must include `line_num`, the line's number as shown.
    The field checks quarantine a record whose field is blank or does not parse, naming the field.
    """

    canonical: str
    paths: dict[str, Path_]
    id_field: str | None = None  # the record's id when it is not the source's `id_field`
    cursor_field: str | None = None  # the record's modification stamp when it is not the source's `cursor_field`
    # the API has no modified-since filter for this list: every pull reads it whole, and a record is landed again
    # only when its stamp or its content changed
    full_pull: bool = False
    lines_key: str | None = None
    line_paths: dict[str, Path_] = field(default_factory=dict)
    lines_sql: str | None = None  # a lines SELECT shared by several entities (`<sql_dir>/<lines_sql>.sql`)
    required: dict[str, tuple[str, str]] = field(default_factory=dict)  # text field -> (field label, reason)
    numbers: dict[str, str] = field(default_factory=dict)  # text field -> field label; must parse as a number
    dates: dict[str, str] = field(default_factory=dict)  # text field -> field label; must parse as a date
    line_numbers: dict[str, LineNumber] = field(default_factory=dict)  # line text field -> its rule
    require_lines: bool = False  # a document without lines is quarantined
    line_total_check: bool = False  # line total must be quantity x price (fields quantity, price, total)
    # canonical column -> the payload field it comes from, as a reason in a shared check names it (a column of the
    # lines: shown as <lines_key>[n].<label>), e.g. a payment detail's invoice_source_id -> "payable-id"
    labels: dict[str, str] = field(default_factory=dict)
    # optional canonical columns its SELECTs give (e.g. a supplier's terms, an invoice line's po_line_number)
    optional: tuple[str, ...] = ()


@dataclass(frozen=True)
class Billable:
    """A canonical document kind (purchase_orders | invoices) that becomes a QuickBooks bill in these statuses, and a
    QuickBooks vendor credit in the `credits` statuses (a credit memo: its amounts as the source states them, below
    zero, are the credit's with the sign turned)."""

    canonical: str
    statuses: tuple[str, ...]
    credits: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    """Default procure-to-pay policy of a company fed by this source (company_sources columns)."""

    bill_on: str = "invoice"  # po | invoice
    invoice_difference: str = "hold"  # adjust | hold
    vendor_policy: str = "create"  # create | review
    vendor_sync: str = "on_demand"  # all | on_demand


@dataclass(frozen=True)
class Webhook:
    """How the source pushes change notices to `POST /webhooks/<name>` (secret from QBSYNC_<NAME>_WEBHOOK_SECRET).

    `signature` holds connectors.webhooks.signature.SignatureScheme options (header, encoding, prefix, timestamp
    header, tolerance; QBSYNC_<NAME>_WEBHOOK_SIGNATURE_HEADER overrides the header); `entities` maps the object
    types deliveries name onto the landing entities to re-pull. A source that names the delivery, event and object
    in the payload instead of headers gives those fields; `probe` (field, value) marks the sender's check of the
    endpoint, answered 200 and never queued.
    """

    delivery_header: str
    event_header: str
    entities: dict[str, str]
    signature: dict[str, object] = field(default_factory=dict)
    delivery_field: str = ""
    event_field: str = ""
    object_id_field: str = ""
    probe: tuple[str, str] | None = None


@dataclass(frozen=True)
class Setting:
    """A tuning setting of the source's resource (`Source.resource`): the resource field it fills, read from the
    environment variable `env` when that is set (else the field's default), and what it does, for .env.example."""

    env: str
    doc: str


@dataclass(frozen=True)
class Source:
    """One cloud system: everything the shared layers need to land, stage, bill and write back its documents.

    The client (`module:Class`) is built as Class(base_url, client_id, client_secret[, page_size=][, **options])
    and used as a
    context manager; it serves `iter_<entity>(updated_after=cursor)` per entity and, with feedback flows,
    `deliver(op, payload)` (the write, idempotent at the target where it can be) and `delivered(op, payload)` (read
    back whether it already happened, asked before re-sending a write whose outcome a killed run left unknown) and,
    where webhooks name records without carrying them, `fetch_<entity>(ids)` (the named records the list would
    serve, which a webhook-started run pulls whatever their cursor);
    `check()` answers `qbsync connection test`: a token, then one cheap read, as (step, worked, plain words) rows.

    A write-only source (no `entities`, nothing billable) only writes QuickBooks' records to the cloud system: its
    `delivery` module builds and sends them its own way: `queue(wh) -> int` queues them in the cloud_outbox ledger,
    `deliver(wh, client, budget_s) -> dict` sends them (`deliver(op, payload)` on its client still sends one).
    """

    name: str  # source_system value and record-key prefix, lower case
    title: str  # as people write it, e.g. in memos
    entities: dict[str, Entity]  # landing entity name -> how it maps
    billable: tuple[Billable, ...] = ()
    client: str = ""  # "module:Class" of the API client (connectors.core.ApiClient)
    # optional connection settings (`qbsync connection add --set name=value`) -> what they mean; the client gets the
    # stored ones as keyword arguments (e.g. Basware's auth)
    options: dict[str, str] = field(default_factory=dict)
    simulator: str = ""  # "module:function" of its simulator harness for the contract test (tests/test_contract.py)
    demo: str = ""  # "module:Class" of its hook in `qbsync demo` (a sandbox.demo_system.DemoSystem)
    id_field: str = "id"
    cursor_field: str = "updated-at"  # incremental pulls resume after the newest value seen
    cursor_overlap: timedelta = timedelta(0)  # re-read this far behind the watermark (clock skew, late commits)
    policy: Policy = Policy()
    feedback: tuple[str, ...] = ()  # document kinds (purchase_order, invoice, payment) marked back once in QuickBooks
    writes: str = ""  # "module:function"(dialect, source) -> SQL of the writes due (default transforms.exports)
    writes_read: tuple[str, ...] = ()  # warehouse tables its writes read (beyond bills, payments and drafts, when
    # it has billable documents)
    delivery: str = ""  # "module" with queue(wh) and deliver(wh, client, budget_s): writes built and sent its own way
    resource: str = ""  # "module:Class" of its Dagster resource (a SourceApiResource with the `settings` fields)
    settings: dict[str, Setting] = field(default_factory=dict)  # resource field -> its environment variable
    rate_limit_per_s: float | None = None  # the API's request budget; feedback writes are paced under it
    feedback_workers: int = 4  # concurrent writes (within the rate limit) hiding each call's latency
    feedback_seconds: float = 60.0  # a feedback run stops claiming after this; the rest waits for the next run
    webhook: Webhook | None = None
    cron: str = "*/15 * * * *"  # schedule of the source's sync, overridable by QBSYNC_<NAME>_CRON
    sql_dir: Path | None = None  # folder of the mapping .sql files (default: sql/ beside the declaration)
    instance: str = DEFAULT_INSTANCE  # which tenant a feed (`feed(instance)`) lands, stages and writes back

    @property
    def writes_back(self) -> bool:
        """Whether it has writes to the cloud system (documents marked back, or records of its own)."""
        return bool(self.feedback or self.writes or self.delivery)

    def entity_for(self, canonical: str) -> tuple[str, Entity] | None:
        """(landing name, entity) mapped onto canonical table `canonical`, if the source has one."""
        return next(((n, e) for n, e in self.entities.items() if e.canonical == canonical), None)

    @property
    def env(self) -> dict[str, str]:
        """The environment variables of a deployed source: base_url, client_id, client_secret (its API resource),
        cron (overrides the declared schedule), with a webhook: webhook_secret (turns on POST /webhooks/<name>) and
        webhook_signature_header (where an unconfirmed signature header turns out to differ), instance (the
        stored connection its resource reads when the three API variables are not all set), and its settings."""
        prefix = self.name.upper()
        return {
            "base_url": f"{prefix}_BASE_URL",
            "client_id": f"{prefix}_CLIENT_ID",
            "client_secret": f"{prefix}_CLIENT_SECRET",
            "cron": f"QBSYNC_{prefix}_CRON",
            "instance": f"QBSYNC_{prefix}_INSTANCE",  # the stored connection (qbsync connection add) it reads
            **({
                "webhook_secret": f"QBSYNC_{prefix}_WEBHOOK_SECRET",
                "webhook_signature_header": f"QBSYNC_{prefix}_WEBHOOK_SIGNATURE_HEADER",  # overrides the declared one
            } if self.webhook else {}),
            **{name: setting.env for name, setting in self.settings.items()},
        }  # fmt: skip

    def billable_statuses(self, canonical: str) -> tuple[str, ...]:
        """The statuses in which documents of canonical kind `canonical` become bills (empty: never)."""
        return next((b.statuses for b in self.billable if b.canonical == canonical), ())

    def entity_id_field(self, entity: str) -> str:
        """The field that identifies a record of `entity`."""
        return self.entities[entity].id_field or self.id_field

    def entity_cursor_field(self, entity: str) -> str:
        """The field that stamps a record of `entity` with its last change."""
        return self.entities[entity].cursor_field or self.cursor_field

    def landing_key(self, entity: str) -> list[str]:
        """The Dagster asset key path of the entity's landing asset: <name>/raw_<entity>."""
        return [self.name, f"raw_{entity}"]

    @property
    def key(self) -> str:
        """The source_system value (and record-key prefix) of this instance's rows: `coupa`, `coupa@emea`."""
        return source_key(self.name, self.instance)

    def feed(self, instance: str) -> Source:
        """This source as its instance `instance` (a tenant a company is fed by) lands, stages and writes it."""
        return dataclasses.replace(self, instance=check_instance(instance))

    def raw_table(self, entity: str) -> str:
        """The landing table of `entity` for this instance: raw_coupa_invoices, raw_coupa__emea_invoices."""
        return f"raw_{self.key.replace('@', '__')}_{entity}"

    def mapping_sql(self, name: str) -> str:
        """The text of `<sql_dir>/<name>.sql` (an entity's mapping, or a shared lines SELECT)."""
        assert self.sql_dir is not None, f"source {self.name}: no sql_dir"
        return (self.sql_dir / f"{name}.sql").read_text()
