"""Data quality end to end through the demo pipeline (sandbox Coupa API -> Dagster assets -> outbox -> bridge over HTTP
-> sandbox Web Connector -> sandbox company file): the planted bad records and only they are held, each with a reason
naming its field, everything else matched; an upstream fix releases a record; a replay after a fault never duplicates.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from qbwc_bridge.settings import BridgeSettings
from sandbox.coupa.dataset import money
from sandbox.coupa.truth import expected
from sandbox.demo import DemoEnvironment
from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.faults import Faults
from sources import registry

# 24 POs, 3 suppliers and 9 invoices; at this seed and share every kind of defect is planted, each in a document
# that is billable (so every blocking rule meets one), and po:1's id is a prefix of po:13's and po:14's.
SEED, RECORDS, BAD_SHARE = 12, 24, 0.17
COUPA = registry.get("coupa")
# defect -> (check that holds it, field it names, words of its reason)
HELD_BY = {
    "unknown_account_code": ("account_mapped", "lines[", "'9999-999' has no QuickBooks account mapping"),
    "missing_supplier": ("staging:supplier", "supplier", "names no supplier"),
    "negative_quantity": ("amounts_non_negative", "quantity", "quantity -"),  # the cause, not the line total
    "totals_mismatch": ("", "total", ""),  # PO: a line total that is not quantity x price; invoice: header total
    "non_latin1_name": ("staging:latin1", "name", "Latin-1"),
}
KIND = {
    "po": ("purchase_orders", "po-number", "order-lines"),
    "invoice": ("invoices", "invoice-number", "invoice-lines"),
}


@pytest.fixture
def demo(tmp_path, monkeypatch):
    with DemoEnvironment(tmp_path / "demo", sources=["coupa"], records=RECORDS, seed=SEED, bad_share=BAD_SHARE) as env:
        monkeypatch.setenv("QBSYNC_DATABASE_URL", env.warehouse.url)
        yield env


def test_bad_records_held_fix_releases_and_replay_after_a_fault_never_duplicates(demo):
    """One demo company through all three: the stages share the warehouse, the sandboxes and the company file."""
    demo.sync()
    demo.deliver()
    _held_exactly_the_planted_records(demo)
    _upstream_fix_releases_and_delivers_once(demo, "coupa:po:13")
    _replay_after_a_fault_delivers_once(demo, fixed=["coupa:po:1", "coupa:po:14"])


def _held_exactly_the_planted_records(env: DemoEnvironment) -> None:
    planted = dict(env.systems["coupa"].dataset.bad_records)
    assert set(planted.values()) == set(HELD_BY)
    for key in planted:  # the seed's promise: each planted document would otherwise become a bill
        if not key.startswith("coupa:supplier:"):
            assert _doc(env, key)["status"] in (
                *COUPA.billable_statuses("purchase_orders"),
                *COUPA.billable_statuses("invoices"),
            ), key

    held = _open_quarantine(env)
    assert set(held) == set(planted)
    for key, defect in planted.items():
        check, field, words = HELD_BY[defect]
        assert any(
            r["check_name"].startswith(check) and field in r["field"] and words in r["reason"] for r in held[key]
        ), (key, defect, held[key])
        assert all(r["reason"] and r["field"] for r in held[key])
    assert _events(env, "quarantined") >= set(planted)

    recon = _recon(env)
    assert {k for k, s in recon.items() if s != "matched"} == set(planted) - _suppliers(planted)
    assert {recon[k] for k in set(planted) - _suppliers(planted)} == {"quarantined"}
    assert set(recon) - set(planted) == _billable_keys(env)  # every other approved document became a draft

    figures = env.result(round_trips=0, seconds=0)
    assert figures.duplicates == 0 and figures.unreconciled == 0 and figures.outbox["failed"] == 0
    refs = _bill_refs(env)
    assert sorted(refs) == sorted(
        expected(env.systems["coupa"].dataset).bills
    )  # each purchase once, as the generator says
    assert not any(_ref(env, k) in refs for k in set(planted) - _suppliers(planted))
    vendors = {v["Name"] for v in _objects(env, "Vendor")}
    assert not any(
        env.systems["coupa"].dataset.get("suppliers", _id(k))["name"] in vendors for k in _suppliers(planted)
    )


def _upstream_fix_releases_and_delivers_once(env: DemoEnvironment, key: str) -> None:
    _fix(env, key)
    env.sync()
    rows = env.warehouse.records("SELECT check_name, released_at FROM quarantine WHERE record_key = ?", [key])
    assert rows and all(r["released_at"] is not None for r in rows)
    assert key in _events(env, "released")
    env.deliver()
    assert _recon(env)[key] == "matched"
    bills = [b for b in _objects(env, "Bill") if b["RefNumber"] == _ref(env, key)]
    assert len(bills) == 1 and Decimal(str(bills[0]["AmountDue"])) == _total(env, key)
    assert env.result(round_trips=0, seconds=0).duplicates == 0


def _replay_after_a_fault_delivers_once(env: DemoEnvironment, fixed: list[str]) -> None:
    for key in fixed:  # unmapped account and a line total that is not quantity x price: two kinds of hold
        _fix(env, key)
    env.sync()
    assert fixed[1] in _events(env, "released")  # a staging hold's release is audited too
    env.qb_faults = Faults(seed=SEED, transient_rate=1.0)  # QuickBooks answers every write 3170/3175/3180
    env.deliver()
    before = _bill_requests(env, fixed)
    assert {r["status"] for r in before} == {"failed"} and len(before) == 2
    assert all(r["attempts"] == BridgeSettings.from_env().max_attempts and r["last_error"] for r in before)
    assert not {_ref(env, k) for k in fixed} & set(_bill_refs(env))

    env.qb_faults = None  # the cause fixed: QuickBooks saves again
    run = CliRunner().invoke(app, ["replay", "--failed", "--key", fixed[0]])
    assert run.exit_code == 0, run.output
    assert f"re-queued BillAdd {fixed[0]} " in run.stdout and "1 re-queued" in run.stdout  # not coupa:po:14
    assert [r["status"] for r in _bill_requests(env, fixed)] == ["pending", "failed"]
    assert "1 re-queued" in CliRunner().invoke(app, ["replay", "--failed", "--key", fixed[1]]).stdout
    assert "0 re-queued" in CliRunner().invoke(app, ["replay", "--failed", "--key", fixed[0]]).stdout
    env.deliver()
    after = _bill_requests(env, fixed)
    assert [(r["request_id"], r["status"]) for r in after] == [(r["request_id"], "done") for r in before]
    assert all(_bill_refs(env).count(_ref(env, k)) == 1 for k in fixed)
    recon = _recon(env)
    assert {recon[k] for k in fixed} == {"matched"}
    figures = env.result(round_trips=0, seconds=0)
    assert figures.duplicates == 0 and figures.unreconciled == 0
    assert figures.quarantined == len(env.systems["coupa"].dataset.bad_records)


# -- the upstream fix --------------------------------------------------------------------------------------------


def _fix(env: DemoEnvironment, key: str) -> None:
    """Correct the planted defect in the sandbox Coupa record (its updated-at moves) and strike it off the list."""
    kind, _, lines_field = KIND[key.split(":")[1]]
    doc = _doc(env, key)
    lines = [dict(line) for line in doc[lines_field]]
    defect = env.systems["coupa"].dataset.bad_records.pop(key)
    last = lines[-1]
    if defect == "unknown_account_code":
        last["account"] = lines[0]["account"] if len(lines) > 1 else env.systems["coupa"].dataset.accounts[0]
    elif defect in ("negative_quantity", "totals_mismatch"):
        quantity = abs(Decimal(last["quantity"]))
        last["quantity"] = f"{quantity:.2f}"
        last["total"] = money(quantity * Decimal(last["price"]))
    else:
        raise AssertionError(f"no fix written for {defect}")
    env.systems["coupa"].dataset.touch(kind, _id(key), **{lines_field: lines})


# -- reading the warehouse and the company file ------------------------------------------------------------------


def _id(key: str) -> int:
    return int(key.rsplit(":", 1)[1])


def _doc(env: DemoEnvironment, key: str) -> dict:
    return env.systems["coupa"].dataset.get(KIND[key.split(":")[1]][0], _id(key))


def _ref(env: DemoEnvironment, key: str) -> str:
    return _doc(env, key)[KIND[key.split(":")[1]][1]][:20]


def _total(env: DemoEnvironment, key: str) -> Decimal:
    return sum(Decimal(line["total"]) for line in _doc(env, key)[KIND[key.split(":")[1]][2]])


def _suppliers(keys) -> set[str]:
    return {k for k in keys if k.startswith("coupa:supplier:")}


def _billable_keys(env: DemoEnvironment) -> set[str]:
    """Approved documents without a planted defect, from the generated source data alone."""
    bad = set(env.systems["coupa"].dataset.bad_records)
    keys = {
        f"coupa:po:{p['id']}"
        for p in env.systems["coupa"].dataset.purchase_orders
        if p["status"] in COUPA.billable_statuses("purchase_orders")
    }
    keys |= {
        f"coupa:invoice:{i['id']}"
        for i in env.systems["coupa"].dataset.invoices
        if i["status"] in COUPA.billable_statuses("invoices")
    }
    return keys - bad


def _open_quarantine(env: DemoEnvironment) -> dict[str, list[dict]]:
    held: dict[str, list[dict]] = {}
    for row in env.warehouse.records(
        "SELECT record_key, check_name, field, reason FROM quarantine WHERE released_at IS NULL"
    ):
        held.setdefault(row["record_key"], []).append(row)
    return held


def _events(env: DemoEnvironment, event: str) -> set[str]:
    return {r[0] for r in env.warehouse.fetchall("SELECT record_key FROM audit_log WHERE event = ?", [event])}


def _recon(env: DemoEnvironment) -> dict[str, str]:
    return dict(env.warehouse.fetchall("SELECT record_key, status FROM recon_documents WHERE company = 'demo'"))


def _bill_requests(env: DemoEnvironment, keys: list[str]) -> list[dict]:
    marks = ", ".join("?" for _ in keys)
    return env.warehouse.records(
        "SELECT record_key, request_id, status, attempts, last_error FROM qbxml_outbox "
        f"WHERE op = 'BillAdd' AND record_key IN ({marks}) ORDER BY record_key",
        keys,
    )


def _objects(env: DemoEnvironment, kind: str) -> list[dict]:
    with CompanyFile(env.company_path) as company:
        return company.objects(kind)


def _bill_refs(env: DemoEnvironment) -> list[str]:
    return [b.get("RefNumber") for b in _objects(env, "Bill")]
