"""Procurify's demo verdict judged on hand-made company files: the vendors it judges are its own (the look-alikes
its generator planted, the ones stamped PROCURIFY-<id>), not another source's."""

from __future__ import annotations

from sandbox.demo_system import Books, DemoOptions
from sandbox.procurify.demo import ProcurifyDemo


def _vendor(n: int, name: str, *, active: bool = True, account: str | None = None) -> dict:
    vendor = {"ListID": f"8000{n:04d}-1", "Name": name, "IsActive": "true" if active else "false"}
    return {**vendor, "AccountNumber": account} if account else vendor


def _figures(vendors: list[dict]) -> dict[str, int]:
    demo = _demo()
    return demo.verify(Books(vendors=vendors, bills=[], payments=[]), {}).figures


def _demo() -> ProcurifyDemo:
    demo = ProcurifyDemo(DemoOptions(records=16))
    demo.dataset.deactivate(demo.dataset.to_deactivate)  # deleted in Procurify
    return demo


def _file(deleted_active: bool = False) -> list[dict]:
    """The file as the demo leaves it: Procurify's look-alikes, the deleted vendor's stamped one inactive."""
    planted = _demo().dataset.qb_vendors
    return [
        _vendor(n, v["Name"], account=v.get("AccountNumber"), active=deleted_active or not v.get("AccountNumber"))
        for n, v in enumerate(planted)
    ]


def test_another_sources_inactive_vendors_are_not_procurifys_deactivations():
    foreign = [_vendor(90, "Supplier Beta", active=False), _vendor(91, "Coupa Co", active=False, account="COUPA-3")]
    figures = _figures([*_file(), *foreign])
    assert figures["vendors_deactivated"] == 1 and figures["vendors_deactivated_wrongly"] == 0, figures


def test_a_look_alike_made_inactive_or_the_deleted_vendor_left_active_counts_as_wrong():
    vendors = _file()
    vendors[0]["IsActive"] = "false"  # the case look-alike: its Procurify vendor was not deleted
    assert _figures(vendors)["vendors_deactivated_wrongly"] == 1
    assert _figures(_file(deleted_active=True))["vendors_deactivated_wrongly"] == 1
    created = _vendor(92, "Juniper Allied Metals", active=False, account="PROCURIFY-999")
    assert _figures([*_file(), created])["vendors_deactivated_wrongly"] == 1
