"""Folding QuickBooks records into qb_* on both backends: upsert by ID, deletions remove, pending responses stamped."""

from __future__ import annotations

from warehouse.audit import now
from warehouse.qb_mirror import fold, fold_pending


def _vendor(list_id: str, name: str, seq: str) -> dict:
    return {
        "type": "VendorRet",
        "id": list_id,
        "edit_sequence": seq,
        "name": name,
        "time_modified": "2024-03-01T10:00:00-08:00",
        "data": {
            "ListID": list_id,
            "Name": name,
            "IsActive": "true",
            "VendorAddress": {"Addr1": "1 Main St", "City": "Springfield"},
            "TimeModified": "2024-03-01T10:00:00-08:00",
        },
    }


BILL = {
    "type": "BillRet",
    "id": "TX-1",
    "edit_sequence": "1",
    "name": None,
    "time_modified": None,
    "data": {
        "TxnID": "TX-1",
        "RefNumber": "INV-7",
        "VendorRef": {"ListID": "V-1", "FullName": "Acme"},
        "TxnDate": "2024-03-02",
        "AmountDue": "120.50",
        "IsPaid": "false",
    },
}


def test_fold_upserts_and_deletes(warehouse):
    with warehouse.connect() as c:
        counts = fold(c, "acme", [_vendor("V-1", "Acme", "1"), BILL, {"type": "HostRet", "id": None, "data": {}}])
        assert counts == {"qb_vendors": 1, "qb_bills": 1}
        fold(c, "acme", [_vendor("V-1", "Acme Corp", "2")])
        row = c.records("SELECT vendor_name, edit_sequence, city, is_active, time_modified FROM qb_vendors")[0]
        assert row["vendor_name"] == "Acme Corp"
        assert row["edit_sequence"] == "2"
        assert row["city"] == "Springfield"
        assert row["is_active"] is True
        assert str(row["time_modified"]) == "2024-03-01 18:00:00"
        bill = c.records("SELECT ref_number, vendor_list_id, amount_due, is_paid FROM qb_bills")[0]
        assert (bill["ref_number"], bill["vendor_list_id"], float(bill["amount_due"]), bill["is_paid"]) == (
            "INV-7",
            "V-1",
            120.5,
            False,
        )
        deleted = {
            "type": "TxnDeletedRet",
            "id": "TX-1",
            "edit_sequence": None,
            "name": None,
            "time_modified": None,
            "data": {
                "TxnDelType": "Bill",
                "TxnID": "TX-1",
                "RefNumber": "INV-7",
                "TimeDeleted": "2024-03-03T09:00:00+00:00",
            },
        }
        fold(c, "acme", [deleted])
        assert c.scalar("SELECT count(*) FROM qb_bills") == 0
        assert c.scalar("SELECT del_type FROM qb_deleted WHERE object_id = 'TX-1'") == "Bill"


def test_fold_pending_folds_and_stamps_once(warehouse):
    with warehouse.connect() as c:
        c.execute(
            "INSERT INTO qbxml_responses (company, request_id, op, status_code, records, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            ["acme", "q1", "VendorQuery", 0, [_vendor("V-9", "Zed", "5")], now()],
        )
    with warehouse.connect() as c:
        assert fold_pending(c) == 1
        assert fold_pending(c) == 0
        assert c.scalar("SELECT vendor_name FROM qb_vendors WHERE list_id = 'V-9'") == "Zed"
        assert c.scalar("SELECT count(*) FROM qbxml_responses WHERE folded_at IS NULL") == 0
