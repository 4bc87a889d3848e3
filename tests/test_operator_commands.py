"""Operator settings without SQL, on both backends: `company set`, `mappings import|list`, `vendors link`; every
change audited, bad input refused with the row and field named, an operator's vendor link kept by matching."""

from __future__ import annotations

from quality_fixtures import STAMP, load

from transforms.dialect import dialect
from transforms.requests import vendor_adds
from transforms.vendors import match_vendors
from warehouse.audit import now

PASSWORD = "s3cret-pw"


def _company(cli, name: str = "acme") -> None:
    cli("company", "add", "--name", name, "--user", f"{name}-qbwc", "--source", "coupa", "--password-stdin",
        stdin=PASSWORD + "\n")  # fmt: skip


def _events(warehouse, event: str) -> list[dict]:
    return warehouse.records("SELECT * FROM audit_log WHERE event = ? ORDER BY audit_id", [event])


def test_company_set_changes_policy_per_source_and_audits_each_change(cli, warehouse):
    _company(cli)
    out = cli("company", "set", "acme", "--bill-on", "invoice", "--invoice-difference", "adjust").stdout
    assert "acme coupa:default: bill_on po -> invoice" in out
    assert "acme coupa:default: invoice_difference hold -> adjust" in out
    out = cli("company", "set", "acme", "--source", "coupa:emea", "--vendor-sync", "all").stdout
    assert "acme: fed by coupa:emea" in out and "coupa:emea: vendor_sync on_demand -> all" in out
    rows = {
        (r["source_instance"]): r
        for r in warehouse.records("SELECT * FROM company_sources WHERE company = 'acme' AND source_system = 'coupa'")
    }
    assert rows["default"]["bill_on"] == "invoice" and rows["default"]["vendor_sync"] == "on_demand"
    assert rows["emea"]["bill_on"] == "po" and rows["emea"]["vendor_sync"] == "all"  # the declared default
    assert [e["company"] for e in _events(warehouse, "bill_on set")] == ["acme"]
    assert len(_events(warehouse, "vendor_sync set")) == 1
    assert "nothing changed" in cli("company", "set", "acme", "--bill-on", "invoice", "--source", "coupa").stdout
    out = cli("company", "set", "acme", "--vendor-names", "follow").stdout
    assert "acme coupa:default: vendor_names keep -> follow" in out and "vendor_names=follow" in out
    assert len(_events(warehouse, "vendor_names set")) == 2  # both instances

    bad = cli("company", "set", "acme", "--bill-on", "receipt", ok=False)
    assert bad.exit_code == 1 and "--bill-on receipt: choose one of po, invoice" in bad.output
    missing = cli("company", "set", "nobody", "--bill-on", "po", ok=False)
    assert missing.exit_code == 1 and "no company 'nobody'" in missing.output
    unknown = cli("company", "set", "acme", "--source", "sap:x", ok=False)
    assert unknown.exit_code == 1 and "'sap' is not a declared source" in unknown.output


def test_mappings_import_whole_file_or_nothing_and_list(cli, warehouse, tmp_path):
    _company(cli)
    good = tmp_path / "accounts.csv"
    good.write_text(
        "company,source_system,source_account_code,qb_account_name\n"
        "acme,coupa,6100-100,Office Supplies\n"
        "acme,coupa,6300-200,Travel\n"
    )
    assert "imported 2 accounts mapping(s)" in cli("mappings", "import", "accounts", str(good)).stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "company,source_system,source_account_code,qb_account_name\n"
        "acme,coupa,6100-100,Supplies\n"
        "acme,coupa,6400-100,\n"
        "globex,coupa,6500-100,Professional Fees\n"
        "acme,coupa,6100-100,Again\n"
    )
    result = cli("mappings", "import", "accounts", str(bad), ok=False)
    assert result.exit_code == 1
    assert "line 3: qb_account_name is empty" in result.output
    assert "line 4: company 'globex' does not exist" in result.output
    assert "line 5: source_account_code '6100-100' is mapped again (first on line 2)" in result.output
    assert "nothing imported (3 bad row(s))" in result.output
    header = tmp_path / "header.csv"
    header.write_text("company,code\nacme,1\n")
    assert "line 1: header lacks source_system" in cli("mappings", "import", "accounts", str(header), ok=False).output
    classes = tmp_path / "classes.csv"
    classes.write_text("company,source_system,cost_centre,qb_class_name\nacme,coupa,100,Admin\n")
    cli("mappings", "import", "cost-centres", str(classes))
    items = tmp_path / "items.csv"
    items.write_text("company,source_system,source_account_code,qb_item_name\nacme,coupa,6100-100,Supplies item\n")
    cli("mappings", "import", "items", str(items))
    terms = tmp_path / "terms.csv"
    terms.write_text("company,source_system,source_terms,qb_terms_name\nacme,coupa,2/10 Net 30,2% 10 Net 30\n")
    cli("mappings", "import", "terms", str(terms))
    long_terms = tmp_path / "long.csv"
    long_terms.write_text(f"company,source_system,source_terms,qb_terms_name\nacme,coupa,Net 99,{'N' * 32}\n")
    refused = cli("mappings", "import", "terms", str(long_terms), ok=False).output
    assert "line 2: qb_terms_name is longer than 31 characters" in refused

    listed = cli("mappings", "list", "--company", "acme").stdout.splitlines()
    assert listed == [
        "kind\tcompany\tsource\tsource code\tQuickBooks name",
        "accounts\tacme\tcoupa\t6100-100\tOffice Supplies",
        "accounts\tacme\tcoupa\t6300-200\tTravel",
        "cost-centres\tacme\tcoupa\t100\tAdmin",
        "items\tacme\tcoupa\t6100-100\tSupplies item",
        "terms\tacme\tcoupa\t2/10 Net 30\t2% 10 Net 30",
    ]
    assert {e["record_key"] for e in _events(warehouse, "mapped")} >= {
        "mapping:accounts:coupa:6100-100",
        "mapping:cost-centres:coupa:100",
        "mapping:items:coupa:6100-100",
    }
    assert "unknown mapping kind" in cli("mappings", "import", "vendors", str(good), ok=False).output


def _match(warehouse) -> dict[str, tuple[str, str | None]]:
    with warehouse.connect() as conn:
        for sql in match_vendors(now()):
            conn.execute(sql)
    return {
        r["supplier_source_id"]: (r["match_method"], r["qb_list_id"])
        for r in warehouse.records("SELECT * FROM vendor_matches WHERE company = 'acme'")
    }


def test_vendors_link_resolves_a_held_supplier_and_matching_keeps_it(cli, warehouse):
    _company(cli)
    cli("company", "set", "acme", "--vendor-policy", "review")
    load(
        warehouse,
        "stg_suppliers",
        [{"source_system": "coupa", "source_id": "17", "supplier_name": "Brand New Supplies", "staged_at": STAMP}],
    )
    load(
        warehouse,
        "qb_vendors",
        [{"company": "acme", "list_id": "80000042-1", "vendor_name": "Old Name Supplies", "synced_at": STAMP}],
    )
    assert _match(warehouse)["17"] == ("review", None)

    refused = cli("vendors", "link", "coupa:supplier:17", "80000099-1", ok=False)
    assert refused.exit_code == 1 and "no QuickBooks vendor with ListID 80000099-1" in refused.output
    assert "expected a supplier key" in cli("vendors", "link", "coupa:po:17", "80000042-1", ok=False).output
    out = cli("vendors", "link", "coupa:supplier:17", "80000042-1").stdout
    assert "linked acme: coupa:supplier:17 -> Old Name Supplies (80000042-1)" in out
    assert _match(warehouse)["17"] == ("operator", "80000042-1")
    assert _match(warehouse)["17"] == ("operator", "80000042-1")  # the next run keeps it
    name = warehouse.scalar("SELECT qb_vendor_name FROM vendor_matches WHERE supplier_source_id = '17'")
    assert name == "Old Name Supplies"
    assert [e["record_key"] for e in _events(warehouse, "linked")] == ["coupa:supplier:17"]


def test_vendor_sync_all_creates_vendors_no_bill_needs_yet(cli, warehouse):
    _company(cli)
    load(
        warehouse,
        "stg_suppliers",
        [{"source_system": "coupa", "source_id": "18", "supplier_name": "Quiet Supplies", "staged_at": STAMP}],
    )
    assert _match(warehouse)["18"] == ("create", None)
    adds = vendor_adds(dialect(warehouse.backend))
    assert warehouse.records(adds) == []  # not before the company file's lists were read
    load(warehouse, "qb_accounts", [{"company": "acme", "list_id": "A1", "full_name": "Office Supplies",
                                     "is_active": True, "synced_at": STAMP}])  # fmt: skip
    assert warehouse.records(adds) == []  # on_demand (Coupa's default): no bill needs it yet
    cli("company", "set", "acme", "--vendor-sync", "all")
    [row] = warehouse.records(adds)
    assert row["op"] == "VendorAdd" and row["record_key"] == "coupa:supplier:18"


def test_mappings_unmapped_offers_each_procurify_department_until_it_is_mapped(cli, warehouse, tmp_path):
    from assets import steps
    from sandbox.procurify.generator import generate
    from sandbox.procurify.server import ProcurifySandbox
    from sources import registry
    from sources.procurify.client import ProcurifyClient

    source = registry.get("procurify")
    dataset = generate(4, vendors=3, purchase_orders=2, bad_share=0)
    dataset.departments[max(dataset.departments)]["active"] = False  # closed: nothing to map
    with (
        ProcurifySandbox(dataset, client_id="id", client_secret="secret") as api,
        ProcurifyClient(api.base_url, "id", "secret") as client,
    ):
        steps.land(warehouse, source, "departments", client.iter_departments())
    steps.stage(warehouse, source, "departments")
    cli("company", "add", "--name", "acme", "--user", "acme-qbwc", "--source", "procurify", "--password-stdin",
        stdin=PASSWORD + "\n")  # fmt: skip
    # the generator's own truth: each open department at its location, as an order item's budget names it
    wanted = sorted(f"{d['branch']['name']} / {d['name']}" for d in dataset.departments.values() if d["active"])
    out = cli("mappings", "unmapped", "cost-centres", "--company", "acme").stdout.splitlines()
    assert out[0] == "company,source_system,cost_centre,qb_class_name,source_name"
    assert sorted(line.split(",")[2] for line in out[1:]) == wanted
    filled = tmp_path / "classes.csv"
    filled.write_text("\n".join([out[0], out[1].replace(",,", ",Plant Overhead,", 1)]) + "\n")
    assert "imported 1 cost-centres mapping(s)" in cli("mappings", "import", "cost-centres", str(filled)).stdout
    left = cli("mappings", "unmapped", "cost-centres").stdout.splitlines()[1:]
    assert sorted(line.split(",")[2] for line in left) == sorted(set(wanted) - {out[1].split(",")[2]})
    assert cli("mappings", "unmapped", "cost-centres", "--company", "nobody").stdout.splitlines()[1:] == []
    assert "choose one of accounts, cost-centres" in cli("mappings", "unmapped", "items", ok=False).output
    empty_instance = tmp_path / "empty_instance.csv"
    empty_instance.write_text("company,source_system,cost_centre,qb_class_name\nacme,procurify@,A / B,Admin\n")
    refused = cli("mappings", "import", "cost-centres", str(empty_instance), ok=False).output
    assert "source_system 'procurify@' is not a declared source" in refused
