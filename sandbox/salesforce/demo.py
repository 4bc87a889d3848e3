"""Salesforce in `qbsync demo` (the hook of sandbox.demo_system): a services firm's sales seeded in the sandbox company
file, an org set up as README says, and the verdict read from the org's records against the company file (never
from the ledger): one Account per vendor and customer, one Opportunity per invoice with its lines and amount,
inactive and deleted records inactive, balances and aging right, nothing sent twice unchanged; with --faults the org
also answers 401s, 429s, 5xx bursts and a concurrent-request 403, its daily allowance runs out mid-load, and the
first run is killed with kill -9 while the org holds the answer of a write it applied."""

from __future__ import annotations

import subprocess
import sys

from sandbox.demo_system import Books, DemoOptions, DemoSystem, Verdict
from sandbox.quickbooks.company import CompanyFile
from sandbox.quickbooks.sales import seed_sales
from sandbox.salesforce.admin import prepared_org
from sandbox.salesforce.server import SalesforceSandbox
from sandbox.salesforce.soak_check import check, judge
from sandbox.soak_verdict import SoakReport
from sources.salesforce.flows import DEFAULT_STAGES

# with --faults: a small daily allowance in a compressed day, so a run stops at its share and the next one resumes
FAULT_DAILY_LIMIT = 12
FAULT_DAY_SECONDS = 4.0
FAULT_RATE_PER_S, FAULT_BURST = 5.0, 4  # Salesforce answers 429 now and then; the org here beyond 4 at once
FAULT_BUSY_AT = (5,)  # a 403 REQUEST_LIMIT_EXCEEDED for concurrent long-running requests, waited out


class SalesforceDemo(DemoSystem):
    """A sales company file of one customer per 50 records (4 to 10, every third with two jobs, two invoices each)."""

    source = "salesforce"

    def __init__(self, options: DemoOptions):
        super().__init__(options)
        self.customers = max(4, min(10, options.records // 50))
        self.seeded: dict[str, int] = {}
        self.killed_runs = 0

    def before_fold(self, env, number: int) -> None:
        """With --faults, a round's answers are folded and sent by a run in another process, killed with kill -9 once
        the org has applied its first write and holds the answer: the ledger keeps the run's writes `sending`, and
        the next run must neither lose them nor duplicate a record. Once: a run with nothing to write yet (its
        answers lost by the company file's faults) leaves it to the next round."""
        if not self.options.faults or self.killed_runs or self.running is None:
            return
        org = self.running
        org.stall_write(1)
        wh = env.warehouse
        child = subprocess.Popen([sys.executable, "-m", "sandbox.salesforce.crash", wh.url, wh.schema or ""],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            while not org.stalled.wait(0.2):
                if child.poll() is not None:
                    if child.returncode:
                        raise RuntimeError(f"the Salesforce run to kill failed (exit {child.returncode}): "
                                           f"{child.stderr.read()[-2000:]}")  # fmt: skip
                    return
            child.kill()
            self.killed_runs += 1
        finally:
            org.stall_write(0)  # no later write stalls
            child.wait()
            child.stderr.close()
            org.resume()

    def kills(self) -> dict[str, int]:
        return {"salesforce_run": self.killed_runs} if self.killed_runs else {}

    def seed_books(self, company: CompanyFile) -> None:
        self.seeded = seed_sales(company, customers=self.customers, seed=self.options.seed)

    def simulator(self) -> SalesforceSandbox:
        faulty = self.options.faults
        return SalesforceSandbox(
            client_id=self.client_id,
            client_secret=self.client_secret,
            custom=prepared_org(DEFAULT_STAGES.all()),
            faults=self.faults(),
            rate_limit_per_s=FAULT_RATE_PER_S if faulty else None,
            burst=FAULT_BURST,
            daily_limit=FAULT_DAILY_LIMIT if faulty else 15000,
            day_seconds=FAULT_DAY_SECONDS if faulty else None,
            busy_at=FAULT_BUSY_AT if faulty else (),
        )

    def writes_received(self) -> int | None:
        """Records the org received for upsert, every attempt (the demo's second sync with nothing changed: none)."""
        return self.running.org.upserts if self.running is not None else None

    def landed(self, wh) -> dict[str, int]:
        """Nothing is landed from Salesforce: what the org holds instead, per object."""
        org = self.running.org if self.running is not None else None
        return {obj: len(recs) for obj, recs in sorted(org.records.items())} if org else {}

    def verify(self, books: Books, policy: dict[str, str]) -> Verdict:
        """The org's records against the company file (sandbox.salesforce.soak_check.judge): per kind the records
        present and those wrong (doubled, lost or differing), their sum `unreconciled`."""
        assert books.path is not None and self.running is not None
        org = self.running.org
        kinds = judge(books.path, org)
        wrong = {f"{kind}_wrong": k.duplicates + k.losses + k.mismatches for kind, k in kinds.items()}
        figures = {**{kind: k.present for kind, k in kinds.items()}, **wrong, "unreconciled": sum(wrong.values())}
        killed = {"killed_runs": self.killed_runs, "in_flight_at_kill": self._in_flight()}
        return Verdict(bills=set(), figures={**figures, **killed, **_limits(org)})

    def soak_check(self, env) -> SoakReport:
        """The soak's verdict: the org's records against the company file, and its writes each once."""
        assert self.running is not None
        return check(env, self.running.org, self._in_flight())

    def _in_flight(self) -> int:
        """Records of the write whose answer the killed run never read (0 when no run was killed)."""
        return self.running.stalled_records if self.running is not None and self.killed_runs else 0


def _limits(org) -> dict[str, int]:
    """Writes that changed nothing (after a kill, the write whose answer the dead run never read comes again), and how
    the load spread over the org's days: with --faults it takes more requests than one day allows, so the runs
    stopped and resumed on later days (none refused for the day)."""
    return {
        "sent_again_unchanged": sum(org.unchanged.values()),
        "api_requests": org.limits.total,
        "daily_allowance": org.limits.allowed,
        "org_days_used": org.limits.days,
        "peak_requests_in_a_day": org.limits.peak,
        "refused_over_daily_limit": org.limits.refused,
    }
