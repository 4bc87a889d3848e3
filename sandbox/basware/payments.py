"""The firm's clerk paying bills in QuickBooks itself (the Basware demo hook's `in_quickbooks`): some bills of
Basware invoices are paid by check, in full or in part, each once, so that payment responses have something to
report back to Basware."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from qbxml import envelope
from qbxml.requests import render
from qbxml.xmlsafe import parse
from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.seed import BANK_ACCOUNT

VERSION = "16.0"
CENT = Decimal("0.01")
SHARES = (Decimal(1), Decimal("0.5"), None)  # by a bill's place among the expected ones: in full, half, not paid


def plan(refs: list[str]) -> dict[str, Decimal]:
    """RefNumber -> the share of its bill the clerk pays (every third bill in full, every third half)."""
    shares = {ref: SHARES[n % len(SHARES)] for n, ref in enumerate(sorted(refs))}
    return {ref: share for ref, share in shares.items() if share is not None}


def pay(company_path: Path, shares: Mapping[str, Decimal], paid: set[str], *, country: str = "US") -> int:
    """Pay by check each bill of the company file whose RefNumber has a share and is not in `paid` yet (its
    RefNumber joins `paid`): the payments made."""
    made = 0
    with CompanyFile(company_path, country=country) as company:
        for bill in company.objects("Bill"):
            ref = bill.get("RefNumber")
            if ref not in shares or ref in paid:
                continue
            amount = (Decimal(bill["AmountDue"]) * shares[ref]).quantize(CENT)
            body = {
                "PayeeEntityRef": {"ListID": bill["VendorRef"]["ListID"]},
                "BankAccountRef": {"FullName": BANK_ACCOUNT},
                "IsToBePrinted": False,
                "RefNumber": f"BWPAY{len(paid) + 1:05d}",
                "AppliedToTxnAdd": [{"TxnID": bill["TxnID"], "PaymentAmount": str(amount)}],
            }
            request = render("BillPaymentCheckAdd", {"BillPaymentCheckAdd": body}, version=VERSION, request_id="1")
            result = company.process(envelope.message([request], version=VERSION, on_error="stopOnError"))
            answer = parse(result.response_xml).find(".//BillPaymentCheckAddRs") if result.response_xml else None
            if answer is None or answer.get("statusCode") != "0":
                status = "no answer" if answer is None else f"{answer.get('statusCode')} {answer.get('statusMessage')}"
                raise RuntimeError(f"the demo's clerk could not pay bill {ref}: {status}")
            paid.add(ref)
            made += 1
    return made
