"""Salesforce's independent checker (the demo's verdict, the soak's check) on a faulted run of the demo pipeline with
Salesforce alone: the org (the simulator's state) holds one Account per QuickBooks name and one Opportunity per
invoice, written once besides the write a killed run had in flight; a record doubled, a value changed or a record
written again unchanged in the org is what the checker then finds."""

from __future__ import annotations

from sandbox.demo import DemoEnvironment

PROBLEM = "records written again unchanged, beyond a killed run's in-flight ones"


def test_the_checker_counts_the_orgs_records_once_and_finds_a_double_a_change_and_a_resend(tmp_path, monkeypatch):
    monkeypatch.setenv("QBSYNC_HOME", str(tmp_path / "home"))
    with DemoEnvironment(tmp_path / "demo", records=40, faults=True, seed=3, sources=["salesforce"]) as env:
        env.sync()
        env.deliver()
        hook = env.systems["salesforce"]
        report = hook.soak_check(env)
        assert report.clean, "\n".join(report.lines())
        assert hook.kills() == {"salesforce_run": 1}  # a run killed with kill -9 once the org applied its write
        for kind in ("accounts", "opportunities"):
            figures = report.kinds[kind]
            assert figures.expected > 0 and figures.present == figures.expected, kind
        org = hook.running.org
        account = next(a for a in org.records["Account"].values() if a.get("QB_ListID__c"))
        org.insert("Account", {k: v for k, v in account.items() if k not in ("Id", "CreatedDate", "LastModifiedDate")})
        opportunity = next(iter(org.records["Opportunity"].values()))
        opportunity["QB_Balance__c"] = float(opportunity.get("QB_Balance__c") or 0) + 1
        org.unchanged["Account"] += 1
        report = hook.soak_check(env)
        assert not report.clean
        assert report.kinds["accounts"].duplicates == 1
        assert report.kinds["opportunities"].mismatches == 1
        assert report.problems[PROBLEM] == 1
