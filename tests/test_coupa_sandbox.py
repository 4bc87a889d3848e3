"""The Coupa sandbox: generator faithful to the R39 Swagger shapes, planted defects, filters, token endpoint."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from typer.testing import CliRunner

from qbxml.text import QbxmlFieldError, to_latin1
from sandbox.coupa.dataset import BAD_KINDS, record_key
from sandbox.coupa.generator import GL_ACCOUNTS, generate
from sandbox.coupa.server import CoupaSandbox

CID, SECRET = "sbx", "sbx-secret"
# kind -> (Swagger file, definition name)
DEFINITIONS = {
    "suppliers": ("0164-R39_Core_Platform_API.json", "Supplier"),
    "accounts": ("0164-R39_Core_Platform_API.json", "Account"),
    "purchase_orders": ("0169-R39_Purchasing_API.json", "OrderHeader"),
    "invoices": ("0168-R39_Invoicing_API.json", "InvoiceHeader"),
    "payments": ("0165-R39_Coupa_Pay_Base_API.json", "CoupaPay-Payment"),
}


@pytest.fixture(scope="module")
def dataset():
    return generate(5, suppliers=40, purchase_orders=300, bad_share=0.05)


@pytest.fixture
def api(dataset):
    with CoupaSandbox(dataset, client_id=CID, client_secret=SECRET, rate_limit_per_s=None) as sandbox:
        yield sandbox


def token(api, **form) -> httpx.Response:
    body = {"grant_type": "client_credentials", "client_id": CID, "client_secret": SECRET, **form}
    return httpx.post(f"{api.base_url}/oauth2/token", data=body)


def bearer(api) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(api).json()['access_token']}", "Accept": "application/json"}


def unknown_keys(record, definition, definitions, path="") -> list[str]:
    """Keys of `record` the Swagger definition does not declare, recursing into $ref'd objects and arrays."""
    props = definitions[definition]["properties"]
    bad = []
    for key, value in record.items():
        if key not in props:
            bad.append(f"{path}{key}")
            continue
        spec = props[key]
        ref = spec.get("$ref") or spec.get("items", {}).get("$ref")
        if not ref:
            continue
        target = ref.rsplit("/", 1)[-1]
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                bad += unknown_keys(item, target, definitions, f"{path}{key}.")
    return bad


@pytest.mark.parametrize("kind", list(DEFINITIONS))
def test_every_generated_key_is_declared_in_the_r39_swagger(kind, dataset, reference_dir):
    spec_file, definition = DEFINITIONS[kind]
    definitions = json.loads((reference_dir / "vendor-api" / "coupa" / spec_file).read_text())["definitions"]
    records = dataset.records[kind].values()
    assert records
    problems = {p for record in records for p in unknown_keys(record, definition, definitions)}
    assert problems == set()


def test_same_seed_same_company():
    a = generate(42, suppliers=10, purchase_orders=30, bad_share=0.1)
    b = generate(42, suppliers=10, purchase_orders=30, bad_share=0.1)
    assert a.records == b.records and a.bad_records == b.bad_records
    assert generate(43, suppliers=10, purchase_orders=30).records != a.records


def test_realistic_shapes(dataset):
    po = dataset.purchase_orders[0]
    assert {"po-number", "order-lines", "updated-at", "supplier", "currency", "ship-to-address"} <= set(po)
    assert 1 <= len(po["order-lines"]) <= 20
    line = po["order-lines"][0]
    assert line["account"]["code"] == f"{line['account']['segment-1']}-{line['account']['segment-2']}"
    assert all(1 <= len(p["order-lines"]) <= 20 for p in dataset.purchase_orders)
    assert {s["primary-address"]["city"] for s in dataset.suppliers}
    statuses = {p["status"] for p in dataset.purchase_orders}
    assert {"issued", "approved"} <= statuses and len(statuses) >= 4
    invoice = dataset.invoices[0]
    po_numbers = {p["po-number"] for p in dataset.purchase_orders}
    assert all(line["po-number"] in po_numbers for line in invoice["invoice-lines"])
    invoice_ids = {i["id"] for i in dataset.invoices}
    assert all(p["payment-details"][0]["payable-id"] in invoice_ids for p in dataset.payments)


def defects(kind: str, record: dict, known_codes: set[str]) -> set[str]:
    """The defects a record actually has, found from its content alone."""
    found = set()
    if kind == "suppliers":
        try:
            to_latin1(record["name"], "name")  # the pipeline's rule: faithful transliteration is fine
        except QbxmlFieldError:
            found.add("non_latin1_name")
    if kind == "purchase_orders":
        if record["supplier"] is None:
            found.add("missing_supplier")
        for line in record["order-lines"]:
            if line["account"]["code"] not in known_codes:
                found.add("unknown_account_code")
            if Decimal(line["quantity"]) < 0:
                found.add("negative_quantity")
            if Decimal(line["quantity"]) * Decimal(line["price"]) != Decimal(line["total"]):
                found.add("totals_mismatch")
    if kind == "invoices":
        lines = sum(Decimal(line["total"]) for line in record["invoice-lines"])
        if lines != Decimal(record["gross-total"]):
            found.add("totals_mismatch")
    return found


def test_bad_record_manifest_is_exact(dataset):
    known = {a["code"] for a in dataset.accounts}
    assert set(dataset.bad_records.values()) == set(BAD_KINDS)
    for kind in ("suppliers", "purchase_orders", "invoices"):
        for record in dataset.records[kind].values():
            expected = dataset.bad_records.get(record_key(kind, record["id"]))
            assert defects(kind, record, known) == ({expected} if expected else set()), record_key(kind, record["id"])


def test_non_latin1_suppliers_are_isolated(dataset):
    bad_suppliers = set(dataset.bad_ids("suppliers"))
    assert bad_suppliers
    assert not [p for p in dataset.purchase_orders if p["supplier"] and p["supplier"]["id"] in bad_suppliers]


def test_gl_codes_look_real(dataset):
    assert {a["segment-1"] for a in dataset.accounts} == set(GL_ACCOUNTS)
    assert any(a["name"].startswith("Office Supplies - ") for a in dataset.accounts)


def test_token_endpoint(api):
    assert token(api, client_secret="nope").status_code == 401
    assert token(api, grant_type="password").status_code == 400
    assert token(api, scope="core.everything").status_code == 400
    basic = httpx.post(f"{api.base_url}/oauth2/token", data={"grant_type": "client_credentials"}, auth=(CID, SECRET))
    assert basic.json()["expires_in"] == 86400
    narrow = token(api, scope="core.supplier.read").json()["access_token"]
    headers = {"Authorization": f"Bearer {narrow}"}
    assert httpx.get(f"{api.base_url}/api/suppliers", headers=headers).status_code == 200
    assert httpx.get(f"{api.base_url}/api/invoices", headers=headers).status_code == 403


def test_expired_token_is_refused(dataset):
    with CoupaSandbox(dataset, client_id=CID, client_secret=SECRET, token_ttl=0, rate_limit_per_s=None) as api:
        answer = httpx.get(f"{api.base_url}/api/suppliers", headers=bearer(api))
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_limit_is_capped_at_50_and_offset_pages(api):
    headers = bearer(api)
    first = httpx.get(f"{api.base_url}/api/purchase_orders", params={"limit": 500}, headers=headers).json()
    assert len(first) == 50
    tail = httpx.get(f"{api.base_url}/api/purchase_orders", params={"offset": 290}, headers=headers).json()
    assert [p["id"] for p in tail] == list(range(291, 301))
    assert httpx.get(f"{api.base_url}/api/purchase_orders", params={"offset": 999}, headers=headers).json() == []


def test_bracket_filters(api, dataset):
    headers = bearer(api)
    url = f"{api.base_url}/api/purchase_orders"
    cut = dataset.purchase_orders[10]["updated-at"]
    as_utc = httpx.get(url, params={"updated_at[gt]": "2024-04-01T00:00:00Z", "limit": 50}, headers=headers).json()
    assert all(p["updated-at"] > "2024-03-31" for p in as_utc)
    newer = httpx.get(url, params={"updated_at[gt_or_eq]": cut, "status[in]": "issued,closed"}, headers=headers)
    assert all(p["updated-at"] >= cut[:10] and p["status"] in ("issued", "closed") for p in newer.json())
    by_supplier = httpx.get(url, params={"supplier[id]": "3"}, headers=headers).json()
    assert by_supplier and all(p["supplier"]["id"] == 3 for p in by_supplier)
    assert httpx.get(url, params={"colour": "red"}, headers=headers).status_code == 400
    assert httpx.get(url, params={"updated_at[gt]": "yesterday"}, headers=headers).status_code == 400


def test_put_exported_query_and_body_forms(api, dataset):
    headers = bearer(api)
    url = f"{api.base_url}/api/invoices"
    assert httpx.put(f"{url}/2", params={"exported": "true"}, headers=headers).json()["exported"] is True
    assert httpx.put(f"{url}/3", json={"exported": True}, headers=headers).json()["exported"] is True
    assert httpx.put(f"{url}/999999", params={"exported": "true"}, headers=headers).status_code == 404
    assert dataset.get("invoices", 2)["exported"] and dataset.get("invoices", 3)["exported"]


def test_cli_is_registered():
    from pipelines.cli import app

    result = CliRunner().invoke(app, ["sandbox", "coupa", "--help"])
    assert result.exit_code == 0
    assert "--records" in result.output and "--faults" in result.output
