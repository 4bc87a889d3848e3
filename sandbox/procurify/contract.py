"""The Procurify simulator as the source contract test drives it: a generated domain with planted bad records, served
on loopback, with what the generator knows it broke and how often each AP bill was marked paid."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sandbox.procurify.generator import ACCOUNT_CODES, BROKEN_FIELD, bill_key, generate
from sandbox.procurify.server import ProcurifySandbox


@dataclass
class Harness:
    """What the contract test needs from a running simulator (every source's harness has these)."""

    api: ProcurifySandbox = field(repr=False)
    client_id: str = "contract"
    client_secret: str = "contract-secret"
    account_codes: tuple[str, ...] = tuple(ACCOUNT_CODES)

    @property
    def base_url(self) -> str:
        return self.api.base_url

    @property
    def bad(self) -> dict[str, tuple[str, ...]]:
        return {key: BROKEN_FIELD[kind] for key, kind in self.api.dataset.bad_records.items()}

    def touch(self, entity: str, source_id: str) -> None:
        """Change one purchase order in Procurify (its last_modified moves), as a buyer's edit would."""
        self.api.dataset.touch(int(source_id), comment="edited")

    def books(self, warehouse, company: str) -> None:
        """What QuickBooks must show for Procurify's writes to be due: every bill of `company` in it paid in full,
        by a bill payment of today (the mirror's rows, as the Web Connector's answers would fold them)."""
        warehouse.execute(
            "INSERT INTO qb_bills (company, txn_id, ref_number, amount_due, is_paid, synced_at) "
            "SELECT DISTINCT company, qb_id, record_key, 0, true, current_timestamp FROM qbxml_outbox "
            "WHERE op = 'BillAdd' AND status = 'done' AND company = ?",
            [company],
        )
        warehouse.execute(
            "INSERT INTO qb_bill_payments (company, txn_id, payment_kind, txn_date, amount, applied_to_txn_ids, "
            "synced_at) SELECT company, 'P-' || txn_id, 'check', current_date, 0, txn_id, current_timestamp "
            "FROM qb_bills"
        )

    def export_writes(self) -> dict[str, int]:
        """record key -> how often the simulator took a mark-as-paid of that AP bill."""
        by_uuid = {b["uuid"]: b["id"] for b in self.api.dataset.bills.values()}
        return {bill_key(by_uuid[u]): n for u, n in self.api.paid_marks.items()}


@contextmanager
def harness() -> Iterator[Harness]:
    dataset = generate(12, vendors=5, purchase_orders=24, bad_share=0.2)
    with ProcurifySandbox(dataset, client_id="contract", client_secret="contract-secret") as api:
        yield Harness(api)
