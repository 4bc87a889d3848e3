"""A Coupa payment of several invoices through the demo pipeline: one BillPaymentCheck applies each detail's share
to that invoice's bill (OpenAmount reduced by exactly its share), recon_payments agrees, and a detail whose invoice
is no bill holds the whole payment with a reason until Coupa corrects it."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from sandbox.coupa.dataset import money
from sandbox.coupa.truth import expected as expected_truth
from sandbox.demo import DemoEnvironment
from sandbox.quickbooks.company import CompanyFile

SEED, RECORDS = 3, 40  # 4 payments: two of one invoice, two of two invoices each
UNKNOWN_INVOICE = 999999


@pytest.fixture
def demo(tmp_path):
    with DemoEnvironment(tmp_path / "demo", sources=["coupa"], records=RECORDS, seed=SEED, bad_share=0.0) as env:
        # invoices that differ from their PO adjust its bill (the default holds them, and their payments)
        env.warehouse.execute("UPDATE company_sources SET invoice_difference = 'adjust'")
        yield env


def test_each_invoice_of_a_payment_gets_its_share_and_an_unbilled_detail_holds_the_payment(demo):
    payments = demo.systems["coupa"].dataset.payments
    assert any(len(p["payment-details"]) > 1 for p in payments)  # the generator pays several invoices at once
    single = next(p for p in payments if len(p["payment-details"]) == 1)
    key = f"coupa:payment:{single['id']}"
    _add_unbilled_detail(demo, single)

    demo.sync()
    demo.deliver()
    held = demo.warehouse.records("SELECT * FROM quarantine WHERE record_key = ? AND released_at IS NULL", [key])
    assert [(h["company"], h["check_name"], h["field"]) for h in held] == [
        ("demo", "payment_invoices_billed", "payment-details[2].payable-id")
    ]
    assert f"invoice {UNKNOWN_INVOICE}, which is not in the warehouse" in held[0]["reason"]
    assert not demo.warehouse.scalar("SELECT count(*) FROM qbxml_outbox WHERE record_key = ?", [key])
    assert _recon(demo)[str(single["id"])] == "quarantined"
    _each_bill_reduced_by_its_share(
        demo, [p for p in demo.systems["coupa"].dataset.payments if p["id"] != single["id"]]
    )

    demo.systems["coupa"].dataset.touch(
        "payments", single["id"], **{k: single[k] for k in ("payment-details", "pay-to-total")}
    )
    demo.sync()
    demo.deliver()
    assert not demo.warehouse.scalar("SELECT count(*) FROM quarantine WHERE released_at IS NULL")
    _each_bill_reduced_by_its_share(demo, demo.systems["coupa"].dataset.payments)
    recon = _recon(demo)
    assert set(recon.values()) == {"matched"} and len(recon) == len(demo.systems["coupa"].dataset.payments)
    figures = demo.result(round_trips=0, seconds=0)
    assert figures.duplicates == 0 and figures.unreconciled == 0 and figures.outbox["failed"] == 0


def _add_unbilled_detail(env: DemoEnvironment, payment: dict) -> None:
    """Coupa pays 5.00 more to an invoice the warehouse never saw, in the same payment."""
    first = payment["payment-details"][0]
    detail = dict(first, id=first["id"] + 1, **{"payable-id": UNKNOWN_INVOICE, "payment-total": "5.00"})
    detail["source-transaction-id"] = str(UNKNOWN_INVOICE)
    total = money(Decimal(payment["pay-to-total"]) + Decimal("5.00"))
    env.systems["coupa"].dataset.touch(
        "payments", payment["id"], **{"payment-details": [*payment["payment-details"], detail], "pay-to-total": total}
    )


def _each_bill_reduced_by_its_share(env: DemoEnvironment, payments: list[dict]) -> None:
    """Every payment is one BillPaymentCheck applying each detail's share to the bill its invoice is booked on
    (its own, or its PO's), and each such bill's OpenAmount is its AmountDue less exactly the shares paid to it."""
    with CompanyFile(env.company_path) as company:
        bills = {b["RefNumber"]: b for b in company.objects("Bill")}
        checks = {c["RefNumber"]: c for c in company.objects("BillPaymentCheck")}
    invoices = {i["id"]: i for i in env.systems["coupa"].dataset.invoices}
    booked_on = expected_truth(env.systems["coupa"].dataset).booked_on
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for payment in payments:
        check = checks[payment["payment-identifier"][-11:]]
        applied = check["AppliedToTxnRet"]
        applied = applied if isinstance(applied, list) else [applied]
        expected = []
        for detail in payment["payment-details"]:
            bill = bills[booked_on[invoices[detail["payable-id"]]["invoice-number"][:20]]]
            expected.append((bill["TxnID"], Decimal(detail["payment-total"])))
            paid[bill["RefNumber"]] += Decimal(detail["payment-total"])
        assert [(a["TxnID"], Decimal(a["Amount"])) for a in applied] == expected
        assert Decimal(check["Amount"]) == Decimal(payment["pay-to-total"])
    assert paid
    for ref, share in paid.items():
        assert Decimal(bills[ref]["OpenAmount"]) == Decimal(bills[ref]["AmountDue"]) - share, ref


def _recon(env: DemoEnvironment) -> dict[str, str]:
    return dict(env.warehouse.fetchall("SELECT source_id, status FROM recon_payments"))
