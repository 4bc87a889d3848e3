"""QuickBooks items created on demand: a QuickBooks purchase order line needs an item, and a mapped expense account
the company's item mapping gives none gets one non-inventory item of its own (named after the account, its purchases
posting to it), added through the outbox before the PO that needs it, once per company and account."""

from __future__ import annotations

from qbxml.schema import max_length
from warehouse.states import LIVE, Request, sql_list

ITEM_OP = "ItemNonInventoryAdd"
PREFIX = "qb:item:"  # record and dedup key of an account's item: qb:item:<QuickBooks account full name>


def item_key(account: str) -> str:
    """SQL: the record (and dedup) key of the item created for the QuickBooks account `account` (an SQL expression)."""
    return f"'{PREFIX}' || {account}"


def item_name(account: str) -> str:
    """SQL: the name of the item created for the account `account`: its full name, a sub-account's colons (which
    would make the item a sub-item) as spaces, cut to the length an item name may have."""
    return f"substr(replace({account}, ':', ' '), 1, {max_length((ITEM_OP, 'Name'))})"


def created_items() -> str:
    """SQL derived table (company, qb_account_name, qb_item_name) of the items QuickBooks holds that were created for
    accounts (their Add done)."""
    account = f"substr(o.record_key, {len(PREFIX) + 1})"
    return (
        f"(SELECT o.company, {account} AS qb_account_name, {item_name(account)} AS qb_item_name FROM qbxml_outbox o "
        f"WHERE o.op = '{ITEM_OP}' AND o.status = '{Request.DONE}' AND o.record_key LIKE '{PREFIX}%')"
    )


def item_on_its_way(company: str, po_key: str) -> str:
    """SQL condition: a line of the PO draft `po_key` of `company` waits for its account's item, still being added."""
    return (
        f"EXISTS (SELECT 1 FROM bill_draft_lines pl JOIN qbxml_outbox it ON it.company = pl.company "
        f"AND it.record_key = {item_key('pl.qb_account_name')} AND it.op = '{ITEM_OP}' "
        f"AND it.status IN {sql_list(*LIVE)} WHERE pl.company = {company} AND pl.record_key = {po_key} "
        "AND pl.qb_item_name IS NULL)"
    )
