"""The JAGGAER simulator as the source contract test drives it: a generated instance with planted bad receipts,
served on loopback, with what the generator knows it broke. JAGGAER takes no writes back, so no feedback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sandbox.jaggaer.generator import ACCOUNTS, BROKEN_FIELD, JaggaerDataset, generate
from sandbox.jaggaer.server import JaggaerSandbox


@dataclass
class Harness:
    """What the contract test needs from a running simulator (every source's harness has these)."""

    api: JaggaerSandbox = field(repr=False)
    client_id: str = "contract"
    client_secret: str = "contract-secret"
    account_codes: tuple[str, ...] = (*ACCOUNTS, "TAX", "SHIPPING")

    @property
    def base_url(self) -> str:
        return self.api.base_url

    @property
    def dataset(self) -> JaggaerDataset:
        return self.api.dataset

    @property
    def bad(self) -> dict[str, tuple[str, ...]]:
        return {key: BROKEN_FIELD[kind] for key, kind in self.dataset.bad_records.items()}

    def touch(self, entity: str, source_id: str) -> None:
        """Correct one receipt in JAGGAER (its lastUpdate moves), as the AP team would."""
        self.dataset.touch(source_id)


@contextmanager
def harness() -> Iterator[Harness]:
    dataset = generate(12, suppliers=5, orders=14, bad_share=0.3)
    with JaggaerSandbox(dataset, client_id="contract", client_secret="contract-secret") as api:
        yield Harness(api)
