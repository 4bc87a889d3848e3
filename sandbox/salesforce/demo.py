"""Salesforce in `qbsync demo` (the hook of sandbox.demo_system): a services firm's sales seeded in the sandbox company
file, an org set up as README says, and the verdict read from the org's records against the company file (never
from the ledger): one Account per vendor and customer, one Opportunity per invoice with its lines and amount,
inactive and deleted records inactive, balances and aging right, nothing sent twice unchanged; with --faults the org
also answers 401s, 429s, 5xx bursts and a concurrent-request 403, its daily allowance runs out mid-load, and the
first run is killed with kill -9 while the org holds the answer of a write it applied."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from decimal import Decimal
from typing import Any

from sandbox.demo_system import Books, DemoOptions, DemoSystem, Verdict
from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.sales import seed_sales
from sandbox.quickbooks.sales_truth import BUCKETS, sales_truth
from sandbox.salesforce.admin import prepared_org
from sandbox.salesforce.server import SalesforceSandbox
from sources.salesforce.fields import AGING, EXTERNAL_ID, TXN_ID
from sources.salesforce.flows import DEFAULT_STAGES

STAGES = {"open": DEFAULT_STAGES.open, "overdue": DEFAULT_STAGES.overdue, "paid": DEFAULT_STAGES.paid}
# with --faults: a small daily allowance in a compressed day, so a run stops at its share and the next one resumes
FAULT_DAILY_LIMIT = 12
FAULT_DAY_SECONDS = 4.0
FAULT_RATE_PER_S, FAULT_BURST = 5.0, 4  # Salesforce answers 429 now and then; the org here beyond 4 at once
FAULT_BUSY_AT = (5,)  # a 403 REQUEST_LIMIT_EXCEEDED for concurrent long-running requests, waited out


class SalesforceDemo(DemoSystem):
    """A sales company file of one customer per 50 records (4 to 10, every third with two jobs, two invoices each)."""

    source = "salesforce"

    def __init__(self, options: DemoOptions):
        super().__init__(options)
        self.customers = max(4, min(10, options.records // 50))
        self.seeded: dict[str, int] = {}
        self.killed_runs = 0

    def before_fold(self, env, number: int) -> None:
        """With --faults, a round's answers are folded and sent by a run in another process, killed with kill -9 once
        the org has applied its first write and holds the answer: the ledger keeps the run's writes `sending`, and
        the next run must neither lose them nor duplicate a record. Once: a run with nothing to write yet (its
        answers lost by the company file's faults) leaves it to the next round."""
        if not self.options.faults or self.killed_runs or self.running is None:
            return
        org = self.running
        org.stall_write(1)
        wh = env.warehouse
        child = subprocess.Popen([sys.executable, "-m", "sandbox.salesforce.crash", wh.url, wh.schema or ""],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            while not org.stalled.wait(0.2):
                if child.poll() is not None:
                    if child.returncode:
                        raise RuntimeError(f"the Salesforce run to kill failed (exit {child.returncode}): "
                                           f"{child.stderr.read()[-2000:]}")  # fmt: skip
                    return
            child.kill()
            self.killed_runs += 1
        finally:
            org.stall_write(0)  # no later write stalls
            child.wait()
            child.stderr.close()
            org.resume()

    def seed_books(self, company: CompanyFile) -> None:
        self.seeded = seed_sales(company, customers=self.customers, seed=self.options.seed)

    def simulator(self) -> SalesforceSandbox:
        faulty = self.options.faults
        return SalesforceSandbox(
            client_id=self.client_id,
            client_secret=self.client_secret,
            custom=prepared_org(DEFAULT_STAGES.all()),
            faults=self.faults(),
            rate_limit_per_s=FAULT_RATE_PER_S if faulty else None,
            burst=FAULT_BURST,
            daily_limit=FAULT_DAILY_LIMIT if faulty else 15000,
            day_seconds=FAULT_DAY_SECONDS if faulty else None,
            busy_at=FAULT_BUSY_AT if faulty else (),
        )

    def writes_received(self) -> int | None:
        """Records the org received for upsert, every attempt (the demo's second sync with nothing changed: none)."""
        return self.running.org.upserts if self.running is not None else None

    def landed(self, wh) -> dict[str, int]:
        """Nothing is landed from Salesforce: what the org holds instead, per object."""
        org = self.running.org if self.running is not None else None
        return {obj: len(recs) for obj, recs in sorted(org.records.items())} if org else {}

    def verify(self, books: Books, policy: dict[str, str]) -> Verdict:
        """The org's records against the company file (sales_truth on the file's own date)."""
        assert books.path is not None and self.running is not None
        with CompanyFile(books.path) as company:
            today = company.clock.moment().astimezone(company.clock.tz).date()
            truth = sales_truth(company, today)
        org = self.running.org
        killed = {"killed_runs": self.killed_runs, "in_flight_at_kill": self.running.stalled_records}
        return Verdict(bills=set(), figures={**_judge(org.records, truth), **killed, **_limits(org)})


def _limits(org) -> dict[str, int]:
    """Writes that changed nothing (after a kill, the write whose answer the dead run never read comes again), and how
    the load spread over the org's days: with --faults it takes more requests than one day allows, so the runs
    stopped and resumed on later days (none refused for the day)."""
    return {
        "sent_again_unchanged": sum(org.unchanged.values()),
        "api_requests": org.limits.total,
        "daily_allowance": org.limits.allowed,
        "org_days_used": org.limits.days,
        "peak_requests_in_a_day": org.limits.peak,
        "refused_over_daily_limit": org.limits.refused,
    }


def _by(records: dict[str, dict[str, Any]], ext: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for rec in records.values():
        out.setdefault(rec.get(ext), []).append(rec)
    return out


def _money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


def _judge(records: dict[str, dict[str, dict[str, Any]]], truth: dict[str, Any]) -> dict[str, int]:
    """Counts of what the org gets wrong (0 is right), and of what it holds."""
    accounts = _by(records.get("Account", {}), EXTERNAL_ID)
    opportunities = _by(records.get("Opportunity", {}), TXN_ID)
    lines = _by(records.get("OpportunityLineItem", {}), "OpportunityId")
    products = {rec["Id"]: rec.get(EXTERNAL_ID) for rec in records.get("Product2", {}).values()}
    ids = {key: recs[0]["Id"] for key, recs in accounts.items()}
    names = {**truth["customers"], **truth["vendors"]}
    deleted_names = truth["deleted"]["Customer"] | truth["deleted"]["Vendor"]
    wrong: Counter[str] = Counter()
    for list_id, want in names.items():
        found = accounts.get(list_id, [])
        wrong["names_not_one_account"] += len(found) != 1
        if len(found) == 1:
            wrong["inactive_wrong"] += found[0].get("QB_Inactive__c") is not (not want["active"])
    for list_id in deleted_names:  # deleted before Salesforce heard of it: absent; after: inactive
        wrong["inactive_wrong"] += any(rec.get("QB_Inactive__c") is not True for rec in accounts.get(list_id, []))
    for list_id, want in truth["customers"].items():
        if len(accounts.get(list_id, [])) != 1:
            continue
        got = accounts[list_id][0]
        aging = [_money(got.get(field)) for field in AGING]
        expected = [want["aging"][name] for name, *_ in BUCKETS]
        wrong["balances_wrong"] += (
            _money(got.get("QB_Open_Balance__c")) != want["open_balance"]
            or _money(got.get("QB_Overdue__c")) != want["overdue"]
            or aging != expected
        )
        wrong["hierarchy_wrong"] += got.get("Name") != want["full_name"] or got.get("ParentId") != ids.get(
            want["parent"]
        )
    for txn_id, want in truth["invoices"].items():
        found = opportunities.get(txn_id, [])
        wrong["invoices_not_one_opportunity"] += len(found) != 1
        if len(found) != 1:
            continue
        opp = found[0]
        mine = sorted(
            (products.get(line.get("Product2Id")), _money(line.get("Quantity")), _money(line.get("TotalPrice")))
            for line in lines.get(opp["Id"], [])
            if line.get("QB_Inactive__c") is not True
        )
        theirs = sorted((item, _money(quantity), _money(amount)) for item, quantity, amount in want["lines"])
        wrong["lines_or_amount_differ"] += mine != theirs or _money(opp.get("Amount")) != want["amount"]
        wrong["balances_wrong"] += _money(opp.get("QB_Balance__c")) != want["balance"]
        wrong["stage_wrong"] += opp.get("StageName") != STAGES[want["stage"]] or opp.get("AccountId") != ids.get(
            want["customer"]
        )
    for txn_id in truth["deleted"]["Invoice"]:
        closed = (DEFAULT_STAGES.deleted, True)
        wrong["inactive_wrong"] += any(
            (rec.get("StageName"), rec.get("QB_Inactive__c")) != closed for rec in opportunities.get(txn_id, [])
        )
    return {
        "accounts": sum(len(v) for v in accounts.values()),
        "opportunities": sum(len(v) for v in opportunities.values()),
        "names_not_one_account": wrong["names_not_one_account"],
        "invoices_not_one_opportunity": wrong["invoices_not_one_opportunity"],
        "lines_or_amount_differ": wrong["lines_or_amount_differ"],
        "balances_wrong": wrong["balances_wrong"],
        "stage_wrong": wrong["stage_wrong"],
        "hierarchy_wrong": wrong["hierarchy_wrong"],
        "inactive_wrong": wrong["inactive_wrong"],
        "unreconciled": sum(wrong.values()),
    }
