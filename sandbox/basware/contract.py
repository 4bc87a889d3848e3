"""The Basware simulator as the source contract test drives it: a generated tenant with planted bad records, served
on loopback, with what the generator knows it broke and how many transfer responses each invoice received."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sandbox.basware.generator import ACCOUNTS, BROKEN_FIELD, generate
from sandbox.basware.server import BaswareSandbox


@dataclass
class Harness:
    """What the contract test needs from a running simulator (every source's harness has these)."""

    api: BaswareSandbox = field(repr=False)
    client_id: str = "contract"
    client_secret: str = "contract-secret"
    account_codes: tuple[str, ...] = tuple(ACCOUNTS)

    @property
    def base_url(self) -> str:
        return self.api.base_url

    @property
    def bad(self) -> dict[str, tuple[str, ...]]:
        return {key: BROKEN_FIELD[kind] for key, kind in self.api.state.dataset.bad_records.items()}

    def touch(self, entity: str, source_id: str) -> None:
        """Change one invoice in Basware (its lastUpdated moves), as an edit by the AP team would."""
        self.api.state.dataset.touch(source_id, description="edited")

    def export_writes(self) -> dict[str, int]:
        """record key -> transfer responses the simulator holds for that invoice (the handoff's last write), and
        imports that changed a vendor, account or cost centre."""
        kinds = {"vendors": "vendor", "accounts": "account", "costCenters": "cost_centre"}
        return {
            **{f"basware:invoice:{k}": n for k, n in self.api.state.transfer_responses().items()},
            **{f"basware:{kinds[kind]}:{code}": n for (kind, code), n in self.api.imports.applied.items()},
        }


@contextmanager
def harness() -> Iterator[Harness]:
    dataset = generate(12, vendors=5, invoices=16, bad_share=0.3)
    with BaswareSandbox(dataset, client_id="contract", client_secret="contract-secret") as api:
        yield Harness(api)
