"""Salesforce's independent checker (the demo's verdict and SalesforceDemo.soak_check): the org's records (the
simulator's own state) against the company file's sales (sales_truth), never against the ledger; the soak's shape
per kind (accounts, opportunities) and the org's write counts judged as exactly-once."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.sales_truth import BUCKETS, sales_truth
from sandbox.soak_verdict import KindFigures, SoakReport, compare, holds
from sources.salesforce.fields import AGING, EXTERNAL_ID, TXN_ID
from sources.salesforce.flows import DEFAULT_STAGES

STAGES = {"open": DEFAULT_STAGES.open, "overdue": DEFAULT_STAGES.overdue, "paid": DEFAULT_STAGES.paid}
INACTIVE = "inactive (deleted in QuickBooks)"  # what an Account or Opportunity of a deleted record must say


def file_truth(company_path) -> dict[str, Any]:
    """The company file's sales on the file's own date (sales_truth)."""
    with CompanyFile(company_path) as company:
        today = company.clock.moment().astimezone(company.clock.tz).date()
        return sales_truth(company, today)


def by_field(records: dict[str, dict[str, Any]], ext: str) -> dict[str, list[dict[str, Any]]]:
    """The org's records of one object grouped by the value of field `ext` (an external ID)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for rec in records.values():
        out.setdefault(rec.get(ext), []).append(rec)
    return out


def money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


def opportunity_lines(records: dict[str, dict[str, dict[str, Any]]]) -> dict[str, list[tuple]]:
    """Opportunity Id -> its active lines as (product's ListID, quantity, total), sorted."""
    products = {rec["Id"]: rec.get(EXTERNAL_ID) for rec in records.get("Product2", {}).values()}
    out: dict[str, list[tuple]] = {}
    for line in records.get("OpportunityLineItem", {}).values():
        if line.get("QB_Inactive__c") is not True:
            row = (products.get(line.get("Product2Id")), money(line.get("Quantity")), money(line.get("TotalPrice")))
            out.setdefault(line.get("OpportunityId"), []).append(row)
    return {opp: sorted(rows, key=repr) for opp, rows in out.items()}


def judge(company_path, org) -> dict[str, KindFigures]:
    """Per kind (accounts, opportunities) the org's records (`org`: the simulator's sandbox.salesforce.org.Org)
    against the company file at `company_path`: one Account per QuickBooks name with its name, parent, inactive flag
    and balances; one Opportunity per invoice with its customer, stage, amount, balance and lines; a name or invoice
    deleted in QuickBooks inactive (absent when deleted before Salesforce heard of it)."""
    truth = file_truth(company_path)
    records = org.records
    accounts = by_field(records.get("Account", {}), EXTERNAL_ID)
    opportunities = by_field(records.get("Opportunity", {}), TXN_ID)
    ext_of = {rec["Id"]: key for key, recs in accounts.items() for rec in recs}
    lines = opportunity_lines(records)
    return {
        "accounts": compare(
            _expected_accounts(truth, accounts),
            Counter({key: len(recs) for key, recs in accounts.items()}),
            {key: _account(recs[0], ext_of, truth) for key, recs in accounts.items()},
        ),
        "opportunities": compare(
            _expected_opportunities(truth, opportunities),
            Counter({key: len(recs) for key, recs in opportunities.items()}),
            {key: _opportunity(recs[0], ext_of, lines, truth) for key, recs in opportunities.items()},
        ),
    }


def check(env, org, in_flight_at_kill: int) -> SoakReport:
    """The soak's verdict on the run of a sandbox.demo.DemoEnvironment: `judge`'s kinds, and the org's writes
    exactly once: no record written again unchanged but those a killed run had in flight (`in_flight_at_kill`), no
    request refused over the daily allowance; the warehouse only names the reasons of what is left over."""
    found = holds(env.warehouse, "salesforce")
    problems = {
        "records written again unchanged, beyond a killed run's in-flight ones": max(
            0, sum(org.unchanged.values()) - in_flight_at_kill
        ),
        "requests refused over the daily allowance": org.limits.refused,
    }
    return SoakReport(judge(env.company_path, org), found.held, found.leftovers, found.unexplained, 0, problems)


def _expected_accounts(truth: dict[str, Any], present: dict[str, list]) -> dict[str, Any]:
    """ListID -> what its Account must hold: a customer's full name, parent, inactive flag and balances, a vendor's
    name and inactive flag; a deleted name inactive, when Salesforce heard of it."""
    out: dict[str, Any] = {}
    for list_id, want in truth["customers"].items():
        aging = tuple(want["aging"][name] for name, *_ in BUCKETS)
        balances = (want["open_balance"], want["overdue"], aging)
        out[list_id] = (want["full_name"], want["parent"], not want["active"], balances)
    for list_id, want in truth["vendors"].items():
        out[list_id] = (want["name"], None, not want["active"], None)
    for list_id in truth["deleted"]["Customer"] | truth["deleted"]["Vendor"]:
        if list_id in present:
            out[list_id] = INACTIVE
    return out


def _account(rec: dict[str, Any], ext_of: dict[str, str], truth: dict[str, Any]) -> Any:
    """What an Account holds, in _expected_accounts' terms."""
    key, inactive = rec.get(EXTERNAL_ID), rec.get("QB_Inactive__c") is True
    if key in truth["deleted"]["Customer"] | truth["deleted"]["Vendor"]:
        return INACTIVE if inactive else "active"
    balances = None
    if key in truth["customers"]:
        aging = tuple(money(rec.get(field)) for field in AGING)
        balances = (money(rec.get("QB_Open_Balance__c")), money(rec.get("QB_Overdue__c")), aging)
    return rec.get("Name"), ext_of.get(rec.get("ParentId")), inactive, balances


def _expected_opportunities(truth: dict[str, Any], present: dict[str, list]) -> dict[str, Any]:
    """TxnID -> what its Opportunity must hold: the customer, stage, amount, balance and lines of the invoice; a
    deleted invoice closed and inactive, when Salesforce heard of it."""
    out: dict[str, Any] = {
        txn_id: (want["customer"], STAGES[want["stage"]], want["amount"], want["balance"],
                 sorted(((item, money(qty), money(amount)) for item, qty, amount in want["lines"]), key=repr))
        for txn_id, want in truth["invoices"].items()
    }  # fmt: skip
    for txn_id in truth["deleted"]["Invoice"]:
        if txn_id in present:
            out[txn_id] = INACTIVE
    return out


def _opportunity(rec: dict[str, Any], ext_of: dict[str, str], lines: dict[str, list[tuple]], truth) -> Any:
    """What an Opportunity holds, in _expected_opportunities' terms."""
    if rec.get(TXN_ID) in truth["deleted"]["Invoice"]:
        closed = (rec.get("StageName"), rec.get("QB_Inactive__c")) == (DEFAULT_STAGES.deleted, True)
        return INACTIVE if closed else "open"
    account, amount, balance = (
        ext_of.get(rec.get("AccountId")),
        money(rec.get("Amount")),
        money(rec.get("QB_Balance__c")),
    )
    return account, rec.get("StageName"), amount, balance, lines.get(rec["Id"], [])
