"""One Coupa record key in two companies (two QuickBooks files): holds, releases and replays stay per company."""

from __future__ import annotations

from quality_fixtures import STAMP, company, draft, line, load, outbox_row, qb_account, seed, vendor_match

from data_checks.quarantine import evaluate
from data_checks.replay import replay
from transforms.bills import ready_condition

KEY = "coupa:po:17"


def _two_companies(conn, a_total: float = 100.0) -> None:
    """coupa:po:17 drafted for acme (total `a_total`) and for beta (good), each with its own chart and vendor."""
    seed(
        conn,
        [draft(17, total=a_total), draft(17, company="beta")],
        [line(17), line(17, company="beta")],
        matches=[vendor_match(), vendor_match(company="beta")],
        accounts=[qb_account(), qb_account(company_name="beta")],
        companies=[company("acme"), company("beta")],
    )


def _open(conn) -> set[tuple[str, str, str]]:
    rows = conn.fetchall("SELECT company, record_key, check_name FROM quarantine WHERE released_at IS NULL")
    return {tuple(r) for r in rows}


def _ready(conn) -> set[str]:
    return {r[0] for r in conn.fetchall(f"SELECT b.company FROM bill_drafts b WHERE {ready_condition()}")}


def test_a_fault_in_one_company_holds_only_that_companys_document(warehouse):
    with warehouse.connect() as c:
        _two_companies(c, a_total=120.0)  # acme's total differs from its lines; beta's is right
        report = evaluate(c)
        assert _open(c) == {("acme", KEY, "totals_match")}
        assert report.quarantined == [KEY] and _ready(c) == {"beta"}
        status = dict(c.fetchall("SELECT company, status FROM recon_documents WHERE record_key = ?", [KEY]))
        assert status == {"acme": "quarantined", "beta": "pending"}

        # beta's copy develops the same fault: a second row beside acme's, not an upsert over it
        c.execute("UPDATE bill_drafts SET total_amount = 130 WHERE company = 'beta'")
        evaluate(c, "beta")
        assert _open(c) == {("acme", KEY, "totals_match"), ("beta", KEY, "totals_match")}
        reasons = dict(c.fetchall("SELECT company, reason FROM quarantine WHERE record_key = ?", [KEY]))
        assert "120.00" in reasons["acme"] and "130.00" in reasons["beta"]

        # acme fixed: re-evaluating acme (or everything) releases acme only
        c.execute("UPDATE bill_drafts SET total_amount = 100 WHERE company = 'acme'")
        report = evaluate(c)
        assert _open(c) == {("beta", KEY, "totals_match")} and report.released == [KEY]  # released for acme
        assert _ready(c) == {"acme"}


def test_a_source_level_hold_applies_to_every_company(warehouse):
    with warehouse.connect() as c:
        _two_companies(c)
        c.execute(
            "INSERT INTO quarantine (record_key, check_name, field, reason, detected_at) "
            "VALUES (?, 'staging:order-lines.total', 'total', 'not a number', ?)",
            [KEY, STAMP],
        )
        assert _ready(c) == set()
        assert {r[0] for r in c.fetchall("SELECT status FROM recon_documents")} == {"quarantined"}
        assert c.scalar("SELECT count(*) FROM recon_documents") == 2  # one row per company, no fan-out


def test_replay_for_one_company_leaves_the_other_alone(warehouse):
    with warehouse.connect() as c:
        _two_companies(c, a_total=120.0)
        c.execute("UPDATE bill_drafts SET total_amount = 130 WHERE company = 'beta'")
        evaluate(c)
        load(c, "qbxml_outbox", [outbox_row(KEY, "failed"), outbox_row(KEY, "failed", company="beta")])
        c.execute("UPDATE bill_drafts SET total_amount = 100 WHERE company = 'acme'")  # acme's fault is fixed

        result = replay(c, key=KEY, company="acme")

        assert [(r["record_key"], r["check_name"]) for r in result.released] == [(KEY, "totals_match")]
        assert result.still_held == [] and [r["record_key"] for r in result.requeued] == [KEY]
        assert _open(c) == {("beta", KEY, "totals_match")}
        statuses = dict(c.fetchall("SELECT company, status FROM qbxml_outbox WHERE record_key = ?", [KEY]))
        assert statuses == {"acme": "pending", "beta": "failed"}
        events = c.fetchall("SELECT company FROM audit_log WHERE event = 'replayed'")
        assert {r[0] for r in events} == {"acme"}
