"""`qbsync reference export`: a company's QuickBooks vendors and accounts (from the real sample company's answers,
folded into the mirror) as CSV files for a system whose API takes no master data; an unknown company is refused."""

from __future__ import annotations

import csv

from qbxml.responses import parse_message
from warehouse.qb_mirror import fold


def test_vendors_and_accounts_of_the_company_become_csv_files(cli, warehouse, reference_dir, tmp_path):
    cli("company", "add", "--name", "acme", "--user", "acme-qbwc", "--password-stdin", stdin="s3cret-pw\n")
    answers = reference_dir / "fixtures" / "qb-responses"
    records = [r for name in ("billash_vendors.xml", "billash_accounts.xml")
               for rs in parse_message((answers / name).read_bytes()) for r in rs.records]  # fmt: skip
    with warehouse.connect() as conn:
        fold(conn, "acme", records)
    out = tmp_path / "export"
    said = cli("reference", "export", "--company", "acme", "--out", str(out)).stdout
    vendors = list(csv.DictReader((out / "vendors.csv").open()))
    accounts = list(csv.DictReader((out / "accounts.csv").open()))
    assert (len(vendors), len(accounts)) == (54, 116)  # the real sample company's lists, whole
    assert f"wrote 54 row(s) to {out / 'vendors.csv'}" in said
    assert {v["list_id"] for v in vendors} == {row[0] for row in warehouse.fetchall("SELECT list_id FROM qb_vendors")}
    assert all(a["full_name"] and a["account_type"] for a in accounts)


def test_an_unknown_company_is_refused(cli, tmp_path):
    refused = cli("reference", "export", "--company", "nobody", "--out", str(tmp_path), ok=False)
    assert refused.exit_code == 1 and "no company 'nobody'" in refused.output
