"""The JAGGAER instance as a Dagster resource: the shared source API resource plus the client's settings, every
unconfirmed fact of JAGGAER's API (QBSYNC_JAGGAER_* when set; sources.jaggaer.client.SETTINGS says what each does)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from resources.source_api import SourceApiResource
from sources.jaggaer.client import JaggaerSettings

_DEFAULT = JaggaerSettings()


class JaggaerResource(SourceApiResource):
    """The instance (connection as for every source) and how its API is spelled: realm, paths, envelope keys, paging
    and filter parameters, the split fields holding a line's account and cost centre."""

    source: str = "jaggaer"
    realm: str = _DEFAULT.realm
    invoices_path: str = _DEFAULT.invoices_path
    invoices_list: str = _DEFAULT.invoices_list
    orders_path: str = _DEFAULT.orders_path
    orders_list: str = _DEFAULT.orders_list
    suppliers_path: str = _DEFAULT.suppliers_path
    suppliers_list: str = _DEFAULT.suppliers_list
    page_param: str = _DEFAULT.page_param
    size_param: str = _DEFAULT.size_param
    modified_filter: str = _DEFAULT.modified_filter
    components: str = _DEFAULT.components
    account_segment: str = _DEFAULT.account_segment
    cost_centre_segment: str = _DEFAULT.cost_centre_segment

    def client_options(self) -> dict[str, Any]:
        settings = JaggaerSettings(**{f.name: getattr(self, f.name) for f in fields(JaggaerSettings)})
        return {**super().client_options(), "settings": settings}
