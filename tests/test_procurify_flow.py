"""Procurify through the demo pipeline alone, judged by its verdict (generator truth and simulator state against the
sandbox company file): `bill_on = invoice` books the approved AP bills with their PO link, and a PO cancelled after
its bill was booked is voided when unpaid under on_cancel = void, held with a reason when paid."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sandbox.demo import DemoEnvironment
from sandbox.demo_system import Books
from sandbox.procurify.demo import ProcurifyDemo
from sandbox.procurify.generator import bill_key, po_key, po_of

RECORDS = 30


@contextmanager
def _delivered(folder: Path, **policy: str) -> Iterator[tuple[DemoEnvironment, ProcurifyDemo, Books]]:
    """Procurify alone through the demo pipeline under `policy`, synced and delivered to the company file."""
    with DemoEnvironment(folder, records=RECORDS, seed=5, sources=["procurify"], policy=policy) as env:
        env.sync()
        env.deliver()
        yield env, env.systems["procurify"], Books.read(env.company_path)


def test_bill_on_invoice_books_each_approved_ap_bill_with_its_po_link(tmp_path):
    with _delivered(tmp_path / "demo", bill_on="invoice") as (env, hook, books):
        dataset = hook.dataset
        figures = hook.verify(books, env.policy("procurify")).figures
        assert figures["bills_expected"] == len(dataset.bills) > 0, figures
        assert figures["unreconciled"] == 0 and figures["double_booked"] == 0, figures
        assert figures["bills_paid_in_quickbooks"] > 0 and figures["marked_paid_not_once"] == 0, figures
        assert figures["vendors_created_wrongly"] == 0 and figures["vendors_deactivated_wrongly"] == 0, figures
        # the AP bills are the bills, not the POs; each keeps the link to the PO it bills, booked on its own
        assert {b["RefNumber"] for b in books.bills} == {b["invoice_number"] for b in dataset.bills.values()}
        links = env.warehouse.fetchall(
            "SELECT record_key, po_record_key, booked_on FROM bill_drafts WHERE source_system = 'procurify' "
            "AND source_kind = 'invoice'"
        )
        assert sorted(links) == sorted((bill_key(b["id"]), po_key(po_of(b)), None) for b in dataset.bills.values())
        report = hook.soak_check(env)  # per kind, with the payment dates Procurify was given
        assert report.clean, "\n".join(report.lines())
        assert report.kinds["marked_paid"].expected == figures["bills_paid_in_quickbooks"]


def test_a_po_cancelled_after_booking_is_voided_unpaid_and_held_paid(tmp_path):
    with _delivered(tmp_path / "demo", on_cancel="void") as (env, hook, books):
        unpaid, paid = hook.dataset.to_cancel
        assert hook.dataset.cancelled == {unpaid, paid} and paid in hook.paid and unpaid not in hook.paid
        assert env.on_cancel("procurify") == "void"
        figures = hook.verify(books, {**env.policy("procurify"), "on_cancel": "void"}).figures
        assert figures["cancelled_after_booking"] == 2 and figures["cancelled_bills_wrong"] == 0, figures
        assert figures["unreconciled"] == 0 and figures["double_booked"] == 0, figures
        # judged as if the policy were hold, the voided bill is wrong: the verdict tells the two apart
        assert hook.verify(books, env.policy("procurify")).figures["cancelled_bills_wrong"] == 1
        report = hook.soak_check(env)  # the soak's checker reads the policy too: the voided bill is the one wanted
        assert report.clean, "\n".join(report.lines())
        assert report.kinds["bills_cancelled"].expected == report.kinds["bills_cancelled"].present == 2
        held = dict(
            env.warehouse.fetchall(
                "SELECT record_key, reason FROM quarantine WHERE check_name = 'cancelled_after_booking' "
                "AND released_at IS NULL"
            )
        )
        assert list(held) == [f"procurify:po:{paid}"] and "already paid" in held[f"procurify:po:{paid}"]
        # the finance accounting tells them apart from POs that were never eligible
        outcomes = dict(
            env.warehouse.fetchall(
                "SELECT source_id, outcome FROM document_outcomes WHERE source_system = 'procurify' "
                f"AND source_kind = 'purchase_order' AND source_id IN ('{unpaid}', '{paid}')"
            )
        )
        assert outcomes == {str(unpaid): "voided", str(paid): "held"}
