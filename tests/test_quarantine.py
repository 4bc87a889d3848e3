"""Blocking rules quarantine exactly the bad documents with readable reasons, and release them once fixed."""

from __future__ import annotations

from quality_fixtures import draft, line, qb_account, seed, vendor_match

from data_checks.quarantine import evaluate
from warehouse.audit import story


def _open(conn) -> dict[tuple[str, str], tuple[str, str]]:
    rows = conn.fetchall("SELECT record_key, check_name, field, reason FROM quarantine WHERE released_at IS NULL")
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def test_each_rule_quarantines_only_its_offender(warehouse):
    drafts = [draft(n) for n in range(1, 10)]
    lines = [line(n) for n in range(1, 10)]
    drafts[1] = draft(2, supplier="99")  # no vendor match
    lines[2] = line(3, qb_account_name=None, account_code="7777")  # unmapped account
    lines[3] = line(4, qb_account_name="Travel")  # mapped to an account QuickBooks lacks
    drafts[4] = draft(5, total=120.0)  # total differs from lines
    drafts[5] = draft(6, document_number="PO-7")  # same RefNumber and vendor as coupa:po:7
    lines[7] = line(8, amount=100.0, quantity=-1.0)  # negative quantity
    drafts[8] = draft(9, memo="Bestellung 東京")  # no Latin-1 form
    lines[0] = line(1, description="tab\tand newline\nare fine")
    with warehouse.connect() as c:
        seed(c, [*drafts, draft(10, document_number="X" * 21)], [*lines, line(10, description="bell\x07")])
        report = evaluate(c)
        held = _open(c)
    assert report.result("vendor_resolved").offenders == ["coupa:po:2"]
    assert report.result("account_mapped").offenders == ["coupa:po:3", "coupa:po:4"]
    assert report.result("totals_match").offenders == ["coupa:po:5"]
    assert report.result("dedup_unique").offenders == ["coupa:po:6", "coupa:po:7"]
    assert report.result("amounts_non_negative").offenders == ["coupa:po:8"]
    assert report.result("latin1_and_lengths").offenders == ["coupa:po:10", "coupa:po:9"]
    assert report.held == sorted(k for k, _ in held)
    assert "coupa:po:1" not in report.held

    assert held[("coupa:po:3", "account_mapped")] == (
        "lines[1].account_code",
        "line 1: source account '7777' has no QuickBooks account mapping",
    )
    assert "'Travel'" in held[("coupa:po:4", "account_mapped")][1]
    assert held[("coupa:po:5", "totals_match")][1] == (
        "document total 120.00 differs from the sum of its lines 100.00 by 20.00"
    )
    assert held[("coupa:po:2", "vendor_resolved")][1] == "supplier 99 has no QuickBooks vendor match yet"
    assert "also used by coupa:po:7" in held[("coupa:po:6", "dedup_unique")][1]
    assert held[("coupa:po:8", "amounts_non_negative")] == (
        "lines[1].quantity",
        "line 1: quantity -1.00000 is negative",
    )
    field, reason = held[("coupa:po:9", "latin1_and_lengths")]
    assert field == "memo" and "U+6771" in reason
    field, reason = held[("coupa:po:10", "latin1_and_lengths")]
    assert field == "document_number" and "at most 20" in reason and "BillAdd.RefNumber" in reason
    assert reason == (
        "document_number: 21 characters, at most 20 allowed (BillAdd.RefNumber): 'XXXXXXXXXXXXXXXXXXXXX'; "
        "lines[1].description: control character U+0007 cannot be written in XML (BillAdd.ExpenseLineAdd.Memo): "
        "'bell\\x07'"
    )


def test_transliterable_text_and_created_vendors_pass(warehouse):
    with warehouse.connect() as c:
        seed(
            c,
            [draft(1, memo="Łódź – “café” €", supplier="18", qb_vendor_name="Señor Łukasz")],
            [line(1, description="naïve résumé")],
            matches=[vendor_match("18", method="create", name="Señor Łukasz")],
        )
        report = evaluate(c)
    assert report.passed, [r.details for r in report.results if not r.passed]


def test_review_policy_holds_documents(warehouse):
    from quality_fixtures import company

    with warehouse.connect() as c:
        seed(
            c,
            [draft(1, supplier="18"), draft(2, supplier="19")],
            [line(1), line(2)],
            matches=[vendor_match("18", method="create"), vendor_match("19", method="review")],
            companies=[company(policy="review")],
        )
        report = evaluate(c)
    assert report.result("vendor_resolved").offenders == ["coupa:po:1", "coupa:po:2"]
    assert "vendor policy is review" in report.result("vendor_resolved").details["coupa:po:1"]
    assert "held for review" in report.result("vendor_resolved").details["coupa:po:2"]


def test_fixing_upstream_releases_and_audits(warehouse):
    with warehouse.connect() as c:
        seed(c, [draft(1), draft(2, total=90.0)], [line(1), line(2, qb_account_name=None)])
        first = evaluate(c)
    assert first.quarantined == ["coupa:po:2"]
    with warehouse.connect() as c:
        again = evaluate(c)  # nothing changed: no new events, still held
        assert again.quarantined == [] and again.released == [] and again.held == ["coupa:po:2"]
        c.execute(
            "UPDATE bill_draft_lines SET qb_account_name = ? WHERE record_key = 'coupa:po:2'", ["Office Supplies"]
        )
        partly = evaluate(c)  # the account is fixed, the total is not
        assert partly.released == [] and partly.held == ["coupa:po:2"]
        c.execute("UPDATE bill_drafts SET total_amount = 100 WHERE record_key = 'coupa:po:2'")
        fixed = evaluate(c)
        assert fixed.released == ["coupa:po:2"] and fixed.held == []
        events = [(e["event"], e["detail"]) for e in story(c, "coupa:po:2")]
        assert c.scalar("SELECT count(*) FROM quarantine WHERE released_at IS NULL") == 0
    assert [e for e, _ in events] == ["quarantined", "quarantined", "released", "released"]


def test_company_scope_and_inactive_account(warehouse):
    other = dict(company="beta")
    with warehouse.connect() as c:
        from quality_fixtures import company

        seed(
            c,
            [draft(1), draft(2, **other)],
            [line(1, qb_account_name="Old"), line(2, **other, qb_account_name="Old")],
            accounts=[qb_account("Old", active=False), qb_account("Old", company_name="beta")],
            matches=[vendor_match(), vendor_match(**other)],
            companies=[company(), company("beta")],
        )
        report = evaluate(c, company="acme")
        assert report.result("account_mapped").details == {"coupa:po:1": "line 1: QuickBooks account 'Old' is inactive"}
        assert c.scalar("SELECT count(*) FROM quarantine WHERE company = 'beta'") == 0


def test_unknown_chart_of_accounts_leaves_mapped_lines_pending_not_quarantined(warehouse):
    """Before the account query has answered, a mapped line cannot be judged: no quarantine noise for it."""
    from data_checks.quarantine import evaluate

    with warehouse.connect() as conn:
        conn.execute(
            "INSERT INTO bill_drafts (company, record_key, source_system, source_kind, source_id, source_version, "
            "document_number, total_amount, line_total, built_at) "
            "VALUES ('acme', 'coupa:po:9', 'coupa', 'purchase_order', '9', 1, 'PO9', 10, 10, now()::TIMESTAMP)"
        )
        conn.execute(
            "INSERT INTO bill_draft_lines (company, record_key, line_number, account_code, qb_account_name, amount) "
            "VALUES ('acme', 'coupa:po:9', 1, '6100', 'Office Supplies', 10), "
            "('acme', 'coupa:po:9', 2, '9999', NULL, 0)"
        )
        report = evaluate(conn, "acme")
        assert report.result("account_mapped").details == {
            "coupa:po:9": "line 2: source account '9999' has no QuickBooks account mapping"
        }


def test_documents_without_a_number_are_not_duplicates_of_each_other(warehouse):
    """Two documents of one vendor without a number (staging holds each for that) share no RefNumber: a duplicate
    reason would crowd out the real one in what the source is told."""
    with warehouse.connect() as c:
        numbers = ["", "", "PO-4", "PO-4"]
        seed(c, [draft(n, document_number=v) for n, v in enumerate(numbers, 1)], [line(n) for n in range(1, 5)])
        report = evaluate(c)
    assert report.result("dedup_unique").offenders == ["coupa:po:3", "coupa:po:4"]
