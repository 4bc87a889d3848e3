"""The Coupa simulator as the source contract test drives it: a generated dataset with planted bad records, served
on loopback, with what the generator knows it broke (record key -> the field it broke) and its own write counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sandbox.coupa.generator import generate
from sandbox.coupa.server import CoupaSandbox

# What each planted defect breaks, as the generator planted it (sandbox.coupa.generator): the fields a quarantine
# reason must name (a negative quantity makes its line total negative too; the reason names the quantity, the cause).
BROKEN_FIELD = {
    "non_latin1_name": ("name",),
    "missing_supplier": ("supplier",),
    "totals_mismatch": ("total",),
    "negative_quantity": ("quantity",),
    "unknown_account_code": ("account",),
}
KEY_KINDS = {"purchase_orders": "po", "invoices": "invoice", "payments": "payment"}


@dataclass
class Harness:
    """What the contract test needs from a running simulator (every source's harness has these)."""

    base_url: str
    client_id: str
    client_secret: str
    account_codes: list[str]
    bad: dict[str, tuple[str, ...]]  # record key -> the fields the simulator broke
    dataset: Any = field(repr=False)

    def touch(self, entity: str, source_id: str) -> None:
        """Change one record at the source (its cursor moves), as an edit in Coupa would."""
        self.dataset.touch(entity, int(source_id), description="edited")

    def export_writes(self) -> dict[str, int]:
        """record key -> how many times the simulator took the exported write."""
        return {f"coupa:{KEY_KINDS[kind]}:{i}": n for (kind, i), n in self.dataset.export_writes.items()}


@contextmanager
def harness() -> Iterator[Harness]:
    dataset = generate(21, suppliers=8, purchase_orders=30, invoice_share=0.3, payment_share=0.0, bad_share=0.2)
    with CoupaSandbox(dataset, client_id="contract", client_secret="contract-secret", rate_limit_per_s=None) as api:
        yield Harness(
            api.base_url,
            "contract",
            "contract-secret",
            [a["code"] for a in dataset.accounts],
            {key: BROKEN_FIELD[kind] for key, kind in dataset.bad_records.items()},
            dataset,
        )
