"""`qbsync reference export`: a company's QuickBooks vendors and chart of accounts as CSV files, for a cloud system
whose API takes no master data (JAGGAER): its administrators import the files so buyers code against QuickBooks'
names. Read from the mirror (qb_vendors, qb_accounts), as the company file last answered."""

from __future__ import annotations

import csv
from pathlib import Path

from warehouse.store import Conn

FILES = {
    "vendors.csv": (
        "qb_vendors",
        ("list_id", "vendor_name", "company_name", "account_number", "address_line1", "city", "state",
         "postal_code", "country", "phone", "email", "terms", "is_active"),
        "vendor_name",
    ),
    "accounts.csv": (
        "qb_accounts",
        ("list_id", "full_name", "account_number", "account_type", "is_active"),
        "full_name",
    ),
}  # fmt: skip


def export(conn: Conn, company: str, folder: Path) -> dict[str, int]:
    """Write vendors.csv and accounts.csv of `company` into `folder` (created); rows written per file. A company the
    mirror knows nothing of is an error naming it."""
    if not conn.scalar("SELECT count(*) FROM companies WHERE company = ?", [company]):
        raise ValueError(f"no company {company!r}: see `qbsync company list`")
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, (table, columns, order) in FILES.items():
        rows = conn.fetchall(f"SELECT {', '.join(columns)} FROM {table} WHERE company = ? ORDER BY {order}", [company])
        with (folder / name).open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(columns)
            writer.writerows(["" if v is None else v for v in row] for row in rows)
        written[name] = len(rows)
    return written
