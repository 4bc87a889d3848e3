"""The demo's hook per source system: what `qbsync demo` asks of each source's simulator (the shape is below).

A source takes part in the demo by naming its hook in its declaration, `Source(..., demo="sandbox.<name>.demo:
<Class>")`: a subclass of `DemoSystem` in `sandbox/<name>/demo.py` (the declared sources' hooks are examples)::

    class AcmeDemo(DemoSystem):
        source = "acme"                                  # the declared name

        def __init__(self, options: DemoOptions):       # generate the data with the simulator's own generator
            super().__init__(options)
            self.dataset = generate(options.seed, records=options.records, bad_share=options.bad_share)

        def simulator(self) -> Simulator:               # built, not started: the demo enters and leaves it
            return AcmeSandbox(self.dataset, client_id=self.client_id, client_secret=self.client_secret,
                               faults=self.faults(), rate_limit_per_s=self.rate_limit())

        def configure(self, conn, company: str) -> None:   # optional: this source's mappings for the demo company
            conn.load("account_mappings", frame)

        def seed_books(self, company: CompanyFile) -> None:  # optional: what the company file holds before the
            seed_sales(company)                             # demo (a flow that starts in QuickBooks reads it)

        def verify(self, books: Books, policy: dict[str, str]) -> Verdict:  # its own truth vs the company file
            truth = expected(self.dataset, **policy)
            return Verdict(bills=set(truth.bills), figures={"double_booked": 0, "unreconciled": 0})

What the demo does with each hook, in order: builds it with `DemoOptions` (records, seed, faults, bad_share,
country); adds the demo company on a fresh warehouse (every declared source enrolled with its default policy,
`--bill-on` / `--invoice-difference` applied to all) and calls `configure`; creates the sandbox company file and
calls `seed_books` (`seeded_vendors()` names the vendors it added); enters `simulator()` and stores the hook's
`connection(base_url)` as instance "demo" in the encrypted connection store, which the source's SourceApiResource
(resource key: the source name) reads;
materializes `<source>/raw_*` beside the shared staging, matching and outbox assets; delivers to the sandbox company
file, letting each hook act in QuickBooks between Web Connector runs (`in_quickbooks(company_path)`, optional:
e.g. pay some of its bills, as the firm's staff would) and in its source (`in_source(company_path)`, optional:
e.g. revise a PO whose bill is in; the demo pulls that source again), and calling `before_fold` ahead of each
fold (folding the answers runs every hook's `<source>/feedback`; rounds go on while cloud writes wait in the
ledger); syncs and
delivers once more with nothing changed (a hook that counts its simulator's writes, `writes_received()`, gets the
figure `second_sync_writes`, 0 is the goal); when some hook's `revise()` then changes its data (corrections,
re-deliveries), syncs and delivers once more (the second act); then reports `landed(warehouse)` (rows per raw table),
`faults_fired()` (the scaffold's counters) and `verify(books, policy)` (`books.path` is the company file, for a
hook that judges more of it); `qbsync soak` runs the same acts between its rounds (in_quickbooks, in_source,
before_fold, whose rehearsed crashes `kills()` names, then the second act) and asks each hook for `soak_check(env)`,
its detailed verdict (optional). In a `Verdict`, figures named `double_booked` and `unreconciled` add into the demo's
totals (0 is the goal), a bill of the company file that no hook lists in `bills` (a vendor credit none lists in
`credits`) counts as unreconciled, and every figure is printed and returned by `--json` per source.
"""

from __future__ import annotations

import importlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sources import registry

if TYPE_CHECKING:
    from sandbox.quickbooks.company import CompanyFile
    from sandbox.scaffold import ApiFaults, Simulator

DEMO_INSTANCE = "demo"  # the stored connection every demo source reads
CLIENT_ID = "qbsync-demo"


@dataclass(frozen=True)
class DemoOptions:
    """What `qbsync demo` was asked for: records to generate (each hook decides what a record is, e.g. a PO),
    the seed of data and faults, whether every fault knob is on, the share of planted bad records, the company
    file's country."""

    records: int
    seed: int = 7
    faults: bool = False
    bad_share: float = 0.05
    country: str = "US"


@dataclass(frozen=True)
class Books:
    """The sandbox company file as the demo read it after delivery: Vendor, Bill, BillPaymentCheck, Account,
    BillPaymentCreditCard, PurchaseOrder and VendorCredit objects, and where the file is."""

    vendors: list[dict[str, Any]]
    bills: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    accounts: list[dict[str, Any]] = field(default_factory=list)
    card_payments: list[dict[str, Any]] = field(default_factory=list)
    purchase_orders: list[dict[str, Any]] = field(default_factory=list)
    vendor_credits: list[dict[str, Any]] = field(default_factory=list)
    path: Path | None = None

    @classmethod
    def read(cls, path: Path) -> Books:
        from sandbox.quickbooks.company import CompanyFile

        with CompanyFile(path) as company:
            kinds = (
                "Vendor",
                "Bill",
                "BillPaymentCheck",
                "Account",
                "BillPaymentCreditCard",
                "PurchaseOrder",
                "VendorCredit",
            )
            return cls(*(company.objects(kind) for kind in kinds), path=path)

    def bill_amounts(self) -> dict[str, Decimal]:
        """RefNumber -> the bill's total (the sum of its expense and item lines)."""
        return {
            b.get("RefNumber"): sum((_amount(x) for x in [*bill_lines(b), *bill_lines(b, "ItemLine")]), Decimal(0))
            for b in self.bills
        }


@dataclass
class Verdict:
    """A source's judgement of the company file: the bills and vendor credits it explains (RefNumbers) and its named
    figures."""

    bills: set[str]
    figures: dict[str, int] = field(default_factory=dict)
    credits: set[str] = field(default_factory=set)


class DemoSystem:
    """One source system in the demo (see the module docstring); subclasses set `source` and implement
    `simulator` and `verify`."""

    source: str = ""

    def __init__(self, options: DemoOptions):
        self.options = options
        self.client_id = CLIENT_ID
        self.client_secret = secrets.token_urlsafe(16)
        self.running: Simulator | None = None  # set by the demo while the simulator serves

    def simulator(self) -> Simulator:
        raise NotImplementedError

    def verify(self, books: Books, policy: dict[str, str]) -> Verdict:
        raise NotImplementedError

    def configure(self, conn, company: str) -> None:
        """This source's mappings (accounts, classes, tax codes) for the demo company; none by default."""

    def seed_books(self, company: CompanyFile) -> None:
        """What the sandbox company file (a CompanyFile) holds for this source before the demo; nothing by default."""

    def seeded_vendors(self) -> set[str]:
        """Names of the vendors `seed_books` puts in the company file for this source (another source's checker leaves
        them, their bills and payments alone); none by default."""
        return set()

    def before_fold(self, env, number: int) -> None:
        """Between round `number`'s Web Connector sessions and the fold of their answers (env: a
        sandbox.demo.DemoEnvironment): with --faults a source may rehearse a crash of its run here; nothing by
        default."""

    def kills(self) -> dict[str, int]:
        """The crashes `before_fold` rehearsed so far (what was killed -> how often); none by default."""
        return {}

    def revise(self) -> bool:
        """The source's second act, after the first delivery: what it changes then (corrections, re-deliveries),
        which the demo syncs and delivers again. True when it changed something; nothing by default."""
        return False

    def connection(self, base_url: str) -> tuple[dict[str, str], dict[str, str]]:
        """(settings, secrets) stored as the source's connection "demo" once the simulator runs at `base_url`."""
        return {"base_url": base_url, "client_id": self.client_id}, {"client_secret": self.client_secret}

    def faults(self) -> ApiFaults | None:
        """The scaffold's demo fault mix when the demo runs with --faults."""
        from sandbox.scaffold import ApiFaults

        return ApiFaults.demo(self.options.seed) if self.options.faults else None

    def rate_limit(self) -> float | None:
        """The declared request budget (429s beyond it) when the demo runs with --faults; else none."""
        return registry.get(self.source).rate_limit_per_s if self.options.faults else None

    def landed(self, wh) -> dict[str, int]:
        """Rows landed per entity (raw_<source>_<entity>)."""
        declared = registry.get(self.source)
        return {entity: wh.scalar(f"SELECT count(*) FROM {declared.raw_table(entity)}") for entity in declared.entities}

    def in_quickbooks(self, company_path: Path) -> int:
        """What the firm's staff do in QuickBooks itself between Web Connector runs (e.g. pay bills) on the company
        file at `company_path`: the number of changes made (none by default)."""
        return 0

    def in_source(self, company_path: Path) -> bool:
        """What people do in the source between Web Connector runs, on seeing the company file at `company_path`
        (e.g. revise a PO whose bill is in): True when the source changed (none by default)."""
        return False

    def writes_received(self) -> int | None:
        """Writes the running simulator has received so far (every attempt); None: it does not count them."""
        return None

    def soak_check(self, env) -> Any:
        """`qbsync soak`'s verdict on this source's documents (an object with `clean`, `lines()`, `as_json()`), judged
        from its own truth and the company file of `env` (a sandbox.demo.DemoEnvironment); None: no soak checker."""
        return None

    def faults_fired(self) -> dict[str, int]:
        return self.running.faults_fired() if self.running is not None else {}


def demo_systems(options: DemoOptions, only: list[str] | None = None) -> dict[str, DemoSystem]:
    """A hook per declared source that names one (`Source.demo`), by source name; `only` restricts them."""
    return {name: hook(options) for name, hook in _hooks().items() if only is None or name in only}


def soaked_sources() -> list[str]:
    """The sources whose demo hook has a soak checker: the ones `qbsync soak` can judge."""
    return [name for name, hook in _hooks().items() if hook.soak_check is not DemoSystem.soak_check]


def _hooks() -> dict[str, type[DemoSystem]]:
    """Each declared source's demo hook class (`Source.demo`), by source name."""
    found: dict[str, type[DemoSystem]] = {}
    for source in registry.all_sources():
        if source.demo:
            module, _, name = source.demo.partition(":")
            found[source.name] = getattr(importlib.import_module(module), name)
    return found


def misbilled(books: Books, truth: Iterable[dict[str, Any]], accounts: dict[str, str], classes: dict[str, str]) -> int:
    """How many expected bills (`ref_number`, `vendor_name`, `lines` as (source account, cost centre, amount)) the
    company file lacks or holds with another vendor or other lines, the source's codes read through `accounts` and
    `classes` (what the hook mapped them onto)."""
    by_ref = {b.get("RefNumber"): b for b in books.bills}
    wrong = 0
    for want in truth:
        bill = by_ref.get(want["ref_number"])
        wrong += bill is None or bill_shape(bill) != expected_shape(want, accounts, classes)
    return wrong


def bill_shape(bill: dict[str, Any]) -> tuple:
    """A company-file Bill as the verdicts compare it: its vendor, and its (account, class, amount) expense lines."""
    lines = ((ref_name(x, "AccountRef"), ref_name(x, "ClassRef"), _amount(x)) for x in bill_lines(bill))
    return ref_name(bill, "VendorRef"), sorted(lines)


def expected_shape(want: dict[str, Any], accounts: dict[str, str], classes: dict[str, str]) -> tuple:
    """The bill_shape an expected bill (`vendor_name`, `lines` as (source account, cost centre, amount)) must have,
    the source's codes read through `accounts` and `classes`."""
    lines = ((accounts[a], classes[c], amount) for a, c, amount in want["lines"])
    return want["vendor_name"], sorted(lines)


def bill_lines(bill: dict[str, Any], stem: str = "ExpenseLine") -> list[dict[str, Any]]:
    """A Bill's expense lines, or its lines of another kind (`ItemLine`); one line may come as a dict."""
    lines = bill.get(f"{stem}Ret") or []
    return lines if isinstance(lines, list) else [lines]


def ref_name(obj: dict[str, Any], ref: str) -> str | None:
    """The FullName of a reference field (VendorRef, AccountRef, ClassRef, ...) of a company-file object."""
    value = obj.get(ref)
    return value.get("FullName") if isinstance(value, dict) else None


def _amount(line: dict[str, Any]) -> Decimal:
    return Decimal(str(line.get("Amount", "0")))
