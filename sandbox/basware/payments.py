"""The firm's clerk paying bills in QuickBooks itself (the Basware demo hook's `in_quickbooks`): some bills of
Basware invoices are paid by check or credit card, in full or in part, each once, so that payment responses have
something to report back to Basware."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from qbxml import envelope
from qbxml.requests import render
from qbxml.xmlsafe import parse
from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.seed import BANK_ACCOUNT, CREDIT_CARD_ACCOUNT

VERSION = "16.0"
CENT = Decimal("0.01")
SHARES = (Decimal(1), Decimal("0.5"), None)  # by a bill's place among the expected ones: in full, half, not paid
BY_CARD = 2  # every second bill paid in full is paid by credit card (BillPaymentCreditCard), the others by check


def plan(refs: list[str]) -> dict[str, tuple[Decimal, str]]:
    """RefNumber -> (the share of its bill the clerk pays, the payment kind): every third bill in full (every second
    of those by credit card), every third half by check."""
    out = {}
    for n, ref in enumerate(sorted(refs)):
        share = SHARES[n % len(SHARES)]
        if share is not None:
            card = share == 1 and (n // len(SHARES)) % BY_CARD == 1
            out[ref] = (share, "BillPaymentCreditCard" if card else "BillPaymentCheck")
    return out


def pay(company_path: Path, shares: Mapping[str, tuple[Decimal, str]], paid: set[str], *, country: str = "US") -> int:
    """Pay each bill of the company file whose RefNumber has a share and is not in `paid` yet, by check or credit
    card as planned (its RefNumber joins `paid`): the payments made."""
    made = 0
    with CompanyFile(company_path, country=country) as company:
        for bill in company.objects("Bill"):
            ref = bill.get("RefNumber")
            if ref not in shares or ref in paid:
                continue
            share, kind = shares[ref]
            amount = (Decimal(bill["AmountDue"]) * share).quantize(CENT)
            by_card = kind == "BillPaymentCreditCard"
            drawn_on = {"CreditCardAccountRef": {"FullName": CREDIT_CARD_ACCOUNT}} if by_card else {
                "BankAccountRef": {"FullName": BANK_ACCOUNT}, "IsToBePrinted": False}  # fmt: skip
            body = {
                "PayeeEntityRef": {"ListID": bill["VendorRef"]["ListID"]},
                **drawn_on,
                "RefNumber": f"BWPAY{len(paid) + 1:05d}",
                "AppliedToTxnAdd": [{"TxnID": bill["TxnID"], "PaymentAmount": str(amount)}],
            }
            op = f"{kind}Add"
            request = render(op, {op: body}, version=VERSION, request_id="1")
            result = company.process(envelope.message([request], version=VERSION, on_error="stopOnError"))
            answer = parse(result.response_xml).find(f".//{op}Rs") if result.response_xml else None
            if answer is None or answer.get("statusCode") != "0":
                status = "no answer" if answer is None else f"{answer.get('statusCode')} {answer.get('statusMessage')}"
                raise RuntimeError(f"the demo's clerk could not pay bill {ref}: {status}")
            paid.add(ref)
            made += 1
    return made
