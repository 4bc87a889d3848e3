"""README's "Connect your first company", driven with commands only against the simulators, ending with the bills the
generator's truth expects in the sandbox company file (and none twice)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from typer.testing import CliRunner

from pipelines.cli import app
from sandbox.coupa.generator import generate
from sandbox.coupa.server import CoupaSandbox
from sandbox.coupa.truth import expected
from sandbox.quickbooks.company import CompanyFile

PASSWORD = "first-company-pass"
ROUNDS = 6


def test_connect_your_first_company_with_commands_only(tmp_path, monkeypatch):
    home = tmp_path / "home"
    env = {"QBSYNC_HOME": str(home)}
    for name in ("QBSYNC_DATABASE_URL", "QBSYNC_DATABASE_SCHEMA", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def qbsync(*args: str, stdin: str | None = None) -> str:
        result = runner.invoke(app, list(args), input=stdin)
        assert result.exit_code == 0, (args, result.output)
        return result.output

    dataset = generate(3, suppliers=5, purchase_orders=8, bad_share=0)
    truth = expected(dataset, bill_on="po", invoice_difference="hold")  # Coupa's declared defaults
    codes = sorted({a["code"] for a in dataset.accounts})
    (tmp_path / "accounts.csv").write_text(
        "company,source_system,source_account_code,qb_account_name\n"
        + "".join(f"acme,coupa,{code},Office Supplies\n" for code in codes)
    )
    with CoupaSandbox(dataset, client_id="acme-api", client_secret="coupa-secret", rate_limit_per_s=None) as coupa:
        # 1. the source's connection, checked
        qbsync("connection", "add", "coupa", "--instance", "default", "--set", f"base_url={coupa.base_url}",
               "--set", "client_id=acme-api", stdin="client_secret=coupa-secret\n")  # fmt: skip
        assert "works" in qbsync("connection", "test", "default")
        # 2. the company and its Web Connector user; its settings
        qbsync(
            "company",
            "add",
            "--name",
            "acme",
            "--user",
            "acme-qbwc",
            "--source",
            "coupa",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        qbsync("company", "set", "acme", "--payment-account", "Checking")
        qbsync("mappings", "import", "accounts", "accounts.csv")
        assert "ok" in qbsync("doctor")
        # 3. the bridge, and the .qwc file the Web Connector imports
        bridge = subprocess.Popen(
            [sys.executable, "-c", "from pipelines.cli import main; main()", "bridge", "--port", "0"],
            env={**os.environ, **env},
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            url = re.search(r"bridge on (\S+),", bridge.stderr.readline()).group(1)
            qbsync("qwc", "--company", "acme", "--url", "https://bridge.example.com/qbwc", "--out", "acme.qwc")
            assert (tmp_path / "acme.qwc").read_text().count("acme-qbwc") == 1
            # 4. sync, let the Web Connector run, sync again: the answers unblock the bills
            for _ in range(ROUNDS):
                qbsync("sync")
                qbsync("sandbox", "webconnector", "--url", url, "--user", "acme-qbwc", "--password", PASSWORD,
                       "--company", "acme.qbsb", "--until-idle", "--noop-wait", "0")  # fmt: skip
                if "pending" not in qbsync("outbox", "status"):
                    with CompanyFile.create(tmp_path / "acme.qbsb") as books:
                        refs = [b["RefNumber"] for b in books.objects("Bill")]
                    if len(refs) >= len(truth.bills):
                        break
        finally:
            bridge.kill()  # not terminate(): a pytest-xdist worker's children inherit SIGTERM ignored
            bridge.wait(timeout=30)
    assert sorted(refs) == sorted(truth.bills)  # every expected bill, none twice
