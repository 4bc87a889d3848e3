"""QuickBooks -> Salesforce through the cloud-write ledger, judged from the sandbox org's records against the company
file: one Account per vendor and customer (hierarchy, balances, aging), one Opportunity per invoice whose lines and
amount equal it, deletions inactive; a second run sends nothing; a run at the daily limit resumes the next day; a
killed run duplicates nothing; an ambiguous external id is held with its reason; a missing field stops everything."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from bridge_support import COMPANY, add_company, pull_reference

from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.sales import seed_sales, send
from sandbox.quickbooks.sales_truth import sales_truth
from sandbox.salesforce.admin import prepared_org
from sandbox.salesforce.server import SalesforceSandbox
from sandbox.scaffold import ApiFaults
from sources.salesforce import delivery
from sources.salesforce.client import SalesforceClient
from sources.salesforce.fields import EXTERNAL_ID, LINE_ID, TXN_ID, OrgNotReady
from sources.salesforce.flows import DEFAULT_STAGES, SOURCE, enqueue_writes
from warehouse import cloud_outbox

TODAY = date(2026, 12, 7)
SECRET = "s3cret-sf"


@pytest.fixture
def company(tmp_path) -> CompanyFile:
    qb = CompanyFile.create(tmp_path / "sales.qbsb", clock=lambda: datetime(2026, 12, 7, 18, 0, tzinfo=UTC))
    seed_sales(qb, customers=6, seed=5, today=TODAY)
    yield qb
    qb.close()


def _sync(wh, sf: SalesforceSandbox, **options):
    with wh.connect() as conn:
        queued = enqueue_writes(conn, COMPANY, TODAY)
    with SalesforceClient(sf.base_url, "qbsync", SECRET, bulk_poll_seconds=0.01) as client:
        return queued, delivery.send(wh, client, **options)


def _by(sf: SalesforceSandbox, obj: str, ext: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for rec in sf.org.records.get(obj, {}).values():
        out.setdefault(rec.get(ext), []).append(rec)
    return out


def _assert_org_is_the_file(sf: SalesforceSandbox, company: CompanyFile, sent_before: set[str] = frozenset()) -> None:
    truth = sales_truth(company, TODAY)
    accounts = _by(sf, "Account", EXTERNAL_ID)
    names = {**truth["customers"], **truth["vendors"]}
    assert set(accounts) == set(names) | sent_before and all(len(a) == 1 for a in accounts.values())
    ids = {key: recs[0]["Id"] for key, recs in accounts.items()}
    for list_id, want in truth["customers"].items():
        got = accounts[list_id][0]
        assert got["Name"] == want["full_name"] and got.get("ParentId") == ids.get(want["parent"])
        assert got["QB_Inactive__c"] is (not want["active"])
        assert Decimal(str(got["QB_Open_Balance__c"])) == want["open_balance"]
        assert Decimal(str(got["QB_Overdue__c"])) == want["overdue"]
        assert Decimal(str(got["QB_Aging_Over_90__c"] + got["QB_Aging_61_90__c"] + got["QB_Aging_31_60__c"]
                           + got["QB_Aging_1_30__c"] + got["QB_Aging_Current__c"])).quantize(Decimal("0.01")) == (
            want["open_balance"])  # fmt: skip
    for list_id, want in truth["vendors"].items():
        assert accounts[list_id][0]["QB_Inactive__c"] is (not want["active"])
    opportunities = _by(sf, "Opportunity", TXN_ID)
    lines = _by(sf, "OpportunityLineItem", "OpportunityId")
    stage = {"paid": "Closed Won", "open": "Invoiced", "overdue": "Overdue"}
    for txn_id, want in truth["invoices"].items():
        (opp,) = opportunities[txn_id]
        assert Decimal(str(opp["Amount"])) == want["amount"] and opp["StageName"] == stage[want["stage"]]
        assert opp["AccountId"] == ids[want["customer"]]
        assert Decimal(str(opp["QB_Balance__c"])) == want["balance"]
        mine = sorted((str(line["Quantity"]), Decimal(str(line["TotalPrice"]))) for line in lines[opp["Id"]]
                      if not line["QB_Inactive__c"])  # fmt: skip
        assert mine == sorted((str(float(q)), a) for _, q, a in want["lines"])


def test_quickbooks_sales_become_accounts_and_opportunities_once(warehouse, company):
    add_company(warehouse)
    pull_reference(warehouse, company)
    with SalesforceSandbox(client_id="qbsync", client_secret=SECRET,
                           custom=prepared_org(DEFAULT_STAGES.all())) as sf:  # fmt: skip
        queued, first = _sync(warehouse, sf)
        assert first.failed == first.held == 0 and first.created == queued and first.stopped is None
        _assert_org_is_the_file(sf, company)
        again, second = _sync(warehouse, sf)
        assert again == 0 and second.created + second.updated == 0 and second.collection_calls == 0

        # later in QuickBooks: an invoice is paid, another is deleted; a customer deleted too
        invoice, doomed = [i for i in company.objects("Invoice") if i["IsPaid"] == "false"][:2]
        send(company, [
            ("ReceivePaymentAdd", {"ReceivePaymentAdd": {"CustomerRef": {"ListID": invoice["CustomerRef"]["ListID"]},
             "AppliedToTxnAdd": [{"TxnID": invoice["TxnID"], "PaymentAmount": invoice["BalanceRemaining"]}]}}),
            ("TxnDel", {"TxnDelType": "Invoice", "TxnID": doomed["TxnID"]}),
        ])  # fmt: skip
        pull_reference(warehouse, company)
        _, third = _sync(warehouse, sf)
        assert third.created == 0 and third.updated > 0
        gone = _by(sf, "Opportunity", TXN_ID)[doomed["TxnID"]][0]
        assert (gone["StageName"], gone["QB_Inactive__c"]) == ("Closed Lost", True)
        assert len(sf.org.records["Opportunity"]) == len(sales_truth(company, TODAY)["invoices"]) + 1

        # an invoice loses a line in QuickBooks: its OpportunityLineItem is zeroed and marked, never deleted, so the
        # Opportunity's Amount (Salesforce's sum of its lines) is the invoice's again
        edited = next(i for i in company.objects("Invoice") if i["IsPaid"] == "false"
                      and isinstance(i["InvoiceLineRet"], list) and len(i["InvoiceLineRet"]) >= 2)  # fmt: skip
        kept, dropped = edited["InvoiceLineRet"][0], edited["InvoiceLineRet"][1:]
        mod = {"TxnID": edited["TxnID"], "EditSequence": edited["EditSequence"],
               "InvoiceLineMod": [{"TxnLineID": kept["TxnLineID"]}]}  # fmt: skip
        send(company, [("InvoiceMod", {"InvoiceMod": mod})])
        pull_reference(warehouse, company)
        lines_before = len(sf.org.records["OpportunityLineItem"])
        _, fourth = _sync(warehouse, sf)
        assert fourth.failed == 0 and fourth.created == 0 and len(sf.org.records["OpportunityLineItem"]) == lines_before
        zeroed = [_by(sf, "OpportunityLineItem", LINE_ID)[line["TxnLineID"]][0] for line in dropped]
        assert all((z["UnitPrice"], z["TotalPrice"], z["QB_Inactive__c"]) == (0, 0, True) for z in zeroed)
        assert all(z["Quantity"] == float(line["Quantity"]) for z, line in zip(zeroed, dropped, strict=True))
        _assert_org_is_the_file(sf, company)
        again, fifth = _sync(warehouse, sf)
        assert again == 0 and fifth.collection_calls == 0


def test_under_every_fault_a_run_at_the_daily_limit_resumes_the_next_day_and_a_killed_run_duplicates_nothing(
    pg_warehouse, company
):
    add_company(pg_warehouse)
    pull_reference(pg_warehouse, company)
    faults = ApiFaults(seed=3, revoke_tokens_at=(4, 15), errors_at=(8,), slow_rate=0.1, slow_seconds=0.05)
    with SalesforceSandbox(client_id="qbsync", client_secret=SECRET, daily_limit=12, faults=faults,
                           rate_limit_per_s=50, custom=prepared_org(DEFAULT_STAGES.all())) as sf:  # fmt: skip
        _, first = _sync(pg_warehouse, sf)
        assert first.stopped and first.left_queued > 0
        with pg_warehouse.connect() as conn:
            pending = conn.scalar("SELECT count(*) FROM cloud_outbox WHERE status = 'pending'")
            # a killed run: a claim left `sending`, never settled
            cloud_outbox.claim(conn, SOURCE, 5, "test:killed")
        assert pending == first.left_queued
        sf.new_day()
        sf.org.limits.allowed = 10_000
        _, rest = _sync(pg_warehouse, sf)
        assert rest.stopped is None and rest.failed == 0
        _assert_org_is_the_file(sf, company)
        with pg_warehouse.connect() as conn:
            assert conn.fetchall("SELECT DISTINCT status FROM cloud_outbox") == [("done",)]
        fired = sf.faults_fired()
        assert fired["token_revocations"] == 2 and fired["server_errors"] == 2 and fired["unauthorized"] >= 2


def test_bad_and_ambiguous_records_are_held_with_reasons_and_a_missing_field_stops_the_run(pg_warehouse, company):
    add_company(pg_warehouse)
    pull_reference(pg_warehouse, company)
    customer = company.objects("Customer")[1]
    unready = prepared_org(DEFAULT_STAGES.all(), skip=["Account.QB_Terms__c"])
    with (
        SalesforceSandbox(client_id="qbsync", client_secret=SECRET, custom=unready) as sf,
        pytest.raises(OrgNotReady, match=r"Account\.QB_Terms__c is missing: Setup > Object Manager"),
    ):
        _sync(pg_warehouse, sf)
    with SalesforceSandbox(client_id="qbsync", client_secret=SECRET,
                           custom=prepared_org(DEFAULT_STAGES.all())) as sf:  # fmt: skip
        for copy in ("a", "b"):
            sf.plant("Account", {EXTERNAL_ID: customer["ListID"], "Name": f"{customer['Name']} ({copy})"})
        _, run = _sync(pg_warehouse, sf)
        key = f"quickbooks:{COMPANY}:customer:{customer['ListID']}"
        with pg_warehouse.connect() as conn:
            failed = {row["record_key"]: row["last_error"] for row in cloud_outbox.failed(conn, SOURCE)}
        assert failed[key].startswith("held: several Salesforce records") and run.errors[key] == failed[key]
        # its invoices cannot name their Account either: held with Salesforce's reason, replayable after the fix
        invoices = {k: e for k, e in failed.items() if ":invoice:" in k}
        assert invoices and all("more than one record" in e for e in invoices.values())
        lines = {k: e for k, e in failed.items() if ":invoice_line:" in k}
        assert run.held == 1 + len(invoices) and run.failed == len(lines) == len(failed) - run.held
        assert all("not found for field" in e for e in lines.values())
