"""A PO cancelled in Coupa after QuickBooks booked its bill, through the demo pipeline and the sandbox company file:
held with a reason by default; voided by TxnVoid once the company's policy is on_cancel = void; a paid bill is
never voided, it stays held with a reason saying it is paid."""

from __future__ import annotations

from decimal import Decimal

import pytest

from operations.company_policy import set_policy
from sandbox.coupa.truth import expected
from sandbox.demo import DEMO_COMPANY, DemoEnvironment
from sandbox.quickbooks.company import CompanyFile

SEED, RECORDS = 3, 40


@pytest.fixture
def demo(tmp_path):
    with DemoEnvironment(tmp_path / "demo", sources=["coupa"], records=RECORDS, seed=SEED, bad_share=0.0) as env:
        yield env


def _pos(env: DemoEnvironment) -> tuple[dict, dict]:
    """An issued PO nothing invoices, and a PO whose bill a Coupa payment (of its invoice) pays."""
    truth = expected(env.systems["coupa"].dataset, **env.policy("coupa"))
    invoiced = {line.get("po-number") for i in env.systems["coupa"].dataset.invoices for line in i["invoice-lines"]}
    unpaid = next(
        p
        for p in env.systems["coupa"].dataset.purchase_orders
        if p["status"] == "issued" and p["po-number"] not in invoiced
    )
    invoices = {i["id"]: i for i in env.systems["coupa"].dataset.invoices}
    paid_refs = {
        truth.booked_on.get(invoices[d["payable-id"]]["invoice-number"])
        for p in truth.payments
        for d in p["payment-details"]
    }
    paid = next(p for p in env.systems["coupa"].dataset.purchase_orders if p["po-number"] in paid_refs)
    return unpaid, paid


def _bill(env: DemoEnvironment, ref: str) -> dict:
    with CompanyFile(env.company_path) as company:
        [bill] = [b for b in company.objects("Bill") if b["RefNumber"] == ref]
    return bill


def _holds(env: DemoEnvironment, key: str) -> list[str]:
    return [
        r[0]
        for r in env.warehouse.fetchall(
            "SELECT reason FROM quarantine WHERE record_key = ? AND check_name = 'cancelled_after_booking' "
            "AND released_at IS NULL",
            [key],
        )
    ]


def test_a_cancelled_po_is_held_then_voided_by_policy_and_a_paid_one_stays_held(demo):
    demo.sync()
    demo.deliver()
    unpaid, paid = _pos(demo)
    assert Decimal(_bill(demo, paid["po-number"])["OpenAmount"]) < Decimal(_bill(demo, paid["po-number"])["AmountDue"])
    for po in (unpaid, paid):
        demo.systems["coupa"].dataset.touch("purchase_orders", po["id"], status="cancelled")
    demo.sync()
    demo.deliver()
    unpaid_key, paid_key = f"coupa:po:{unpaid['id']}", f"coupa:po:{paid['id']}"
    [reason] = _holds(demo, unpaid_key)
    assert f"{unpaid['po-number']} is cancelled in the source" in reason and "(unpaid)" in reason
    assert "--on-cancel void" in reason
    assert Decimal(_bill(demo, unpaid["po-number"])["AmountDue"]) > 0  # held, not touched
    assert "already paid" in _holds(demo, paid_key)[0]

    with demo.warehouse.connect() as conn:
        assert set_policy(conn, DEMO_COMPANY, [], on_cancel="void")
    demo.sync()
    demo.deliver()
    voided = _bill(demo, unpaid["po-number"])
    assert Decimal(voided["AmountDue"]) == 0 and voided["Memo"].startswith("VOID:")
    assert _holds(demo, unpaid_key) == []
    voids = demo.warehouse.records("SELECT record_key, status FROM qbxml_outbox WHERE op = 'TxnVoid'")
    assert voids == [{"record_key": unpaid_key, "status": "done"}]
    assert "already paid" in _holds(demo, paid_key)[0]  # a paid bill is never voided
    assert Decimal(_bill(demo, paid["po-number"])["AmountDue"]) > 0
