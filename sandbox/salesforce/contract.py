"""The Salesforce org as the source contract test drives it: an org set up as README says, and a sandbox company file
of a services firm's sales whose answers to the reference queries fill the QuickBooks mirror the writes come from."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.sales import seed_sales, send
from sandbox.salesforce.admin import prepared_org
from sandbox.salesforce.server import SalesforceSandbox
from sources.salesforce.fields import CHART_OBJECT, EXTERNAL_ID, LINE_ID, TXN_ID
from sources.salesforce.flows import DEFAULT_STAGES
from transforms.requests import REFERENCE_QUERIES, reference_query_payload
from warehouse.qb_mirror import fold

# what each object of the org stands for in QuickBooks (an Account says itself, in QB_Type__c) and its external id
KINDS = {"Opportunity": ("invoice", TXN_ID), "OpportunityLineItem": ("invoice_line", LINE_ID),
         "Product2": ("item", EXTERNAL_ID), "PricebookEntry": ("item", EXTERNAL_ID),
         CHART_OBJECT: ("account", EXTERNAL_ID)}  # fmt: skip


@dataclass
class Harness:
    """What the contract test needs from a running simulator; a write-only source lands nothing, so it plants no bad
    records and has no account codes, and `books` gives its writes their QuickBooks side."""

    api: SalesforceSandbox = field(repr=False)
    folder: Path
    client_id: str = "contract"
    client_secret: str = "contract-secret"
    account_codes: tuple[str, ...] = ()
    bad: dict[str, tuple[str, ...]] = field(default_factory=dict)
    company: str = ""

    @property
    def base_url(self) -> str:
        return self.api.base_url

    def books(self, wh, company: str) -> None:
        """A sales company file's answers to every reference query, folded into `company`'s QuickBooks mirror."""
        self.company = company
        with CompanyFile.create(self.folder / "sales.qbsb") as qb:
            seed_sales(qb, customers=3, seed=2)
            asked = [(op, _whole(reference_query_payload(op, None))) for op in REFERENCE_QUERIES]
            answers = send(qb, asked)
        with wh.connect() as conn:
            fold(conn, company, [record for records in answers for record in records])

    def export_writes(self) -> dict[str, int]:
        """record key -> the org's records holding that write's external id (the most of any object: an item's
        Product2 and PricebookEntry share its key)."""
        found: Counter[tuple[str, str]] = Counter()
        for obj, records in self.api.org.records.items():
            for rec in records.values():
                if obj == "Account":
                    kind, ext = rec["QB_Type__c"].lower(), EXTERNAL_ID
                elif obj in KINDS:
                    kind, ext = KINDS[obj]
                else:
                    continue
                found[(obj, f"quickbooks:{self.company}:{kind}:{rec[ext]}")] += 1
        most: dict[str, int] = {}
        for (_, key), n in found.items():
            most[key] = max(most.get(key, 0), n)
        return most


def _whole(payload: dict) -> dict:
    """A reference query asking for everything in one answer (no iterator)."""
    return {k: v for k, v in payload.items() if k not in ("@iterator", "MaxReturned")}


@contextmanager
def harness() -> Iterator[Harness]:
    with (
        tempfile.TemporaryDirectory(prefix="salesforce-contract-") as folder,
        SalesforceSandbox(
            client_id="contract", client_secret="contract-secret", custom=prepared_org(DEFAULT_STAGES.all())
        ) as api,  # fmt: skip
    ):
        yield Harness(api, Path(folder))
