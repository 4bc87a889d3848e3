"""The Salesforce org as a Dagster resource: the shared source API resource plus the client's tuning settings (from
QBSYNC_SALESFORCE_* when set)."""

from __future__ import annotations

from typing import Any

from resources.source_api import SourceApiResource


class SalesforceResource(SourceApiResource):
    """The org (connection as for every source) and how the client uses it: API version, session lifetime, the share
    of the daily API allowance a run may spend, and the volume from which writes go in Bulk API 2.0 jobs."""

    source: str = "salesforce"
    api_version: str = "v60.0"
    session_seconds: int = 7200
    stop_at_percent: int = 80
    bulk_threshold: int = 2000

    def client_options(self) -> dict[str, Any]:
        return {
            "api_version": self.api_version,
            "session_seconds": float(self.session_seconds),
            "stop_at_share": self.stop_at_percent / 100,
            "bulk_threshold": self.bulk_threshold,
        }
