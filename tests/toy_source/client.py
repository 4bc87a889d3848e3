"""The toy source's client on the shared HTTP core: two lists filtered by `since`, one exported flag per bill."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from connectors.core import ApiClient


class ToyClient(ApiClient):
    def __init__(self, base_url: str, client_id: str, client_secret: str):
        super().__init__(base_url, source="toy", headers={"X-Toy-Client": client_id})

    def iter_vendors(self, updated_after: str | None = None) -> Iterator[dict[str, Any]]:
        return iter(self.get("/vendors", params={"since": updated_after} if updated_after else None).json())

    def iter_bills(self, updated_after: str | None = None) -> Iterator[dict[str, Any]]:
        return iter(self.get("/bills", params={"since": updated_after} if updated_after else None).json())

    def deliver(self, op: str, payload: Mapping[str, Any]) -> None:
        self.put(f"/bills/{payload['source_id']}/exported")

    def delivered(self, op: str, payload: Mapping[str, Any]) -> bool:
        return bool(self.get(f"/bills/{payload['source_id']}").json().get("exported"))
