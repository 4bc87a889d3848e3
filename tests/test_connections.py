"""The encrypted connection store and `qbsync connection add|list|test|rotate-key`, against the Coupa sandbox."""

from __future__ import annotations

import logging

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from resources.source_api import SourceApiResource
from sandbox.coupa.generator import generate
from sandbox.coupa.server import CoupaSandbox
from warehouse import connections, keys

SECRET = "coupa-secret-Zq81-never-in-clear"
CLIENT_ID = "qbsync-client"


@pytest.fixture(scope="module")
def coupa():
    with CoupaSandbox(generate(3, suppliers=3, purchase_orders=2), client_id=CLIENT_ID, client_secret=SECRET) as api:
        yield api


@pytest.fixture
def cli(warehouse, monkeypatch, tmp_path):
    monkeypatch.setenv("QBSYNC_DATABASE_URL", warehouse.url)
    if warehouse.schema:
        monkeypatch.setenv("QBSYNC_DATABASE_SCHEMA", warehouse.schema)
    monkeypatch.setenv("QBSYNC_HOME", str(tmp_path))
    for var in connections.fields_of("coupa").env.values():
        monkeypatch.delenv(var, raising=False)
    runner = CliRunner()
    return lambda *args, stdin=None: runner.invoke(app, list(args), input=stdin)


def _stored_text(warehouse) -> str:
    with warehouse.connect() as conn:
        return str(conn.fetchall("SELECT * FROM connections")) + str(conn.fetchall("SELECT * FROM audit_log"))


def test_add_list_and_test_a_connection(cli, warehouse, coupa, caplog):
    caplog.set_level(logging.DEBUG)
    added = cli(
        "connection", "add", "coupa", "--instance", "acme-prod",
        "--set", f"base_url={coupa.base_url}", "--set", f"client_id={CLIENT_ID}",
        stdin=f"client_secret={SECRET}\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = cli("connection", "list")
    assert "acme-prod" in listed.output and coupa.base_url in listed.output and "encrypted" in listed.output
    tested = cli("connection", "test", "acme-prod")
    assert tested.exit_code == 0, tested.output
    assert "ok   token" in tested.output and "ok   read: read 1 supplier(s)" in tested.output
    for text in (added.output, listed.output, tested.output, caplog.text, _stored_text(warehouse)):
        assert SECRET not in text
    with warehouse.connect() as conn:
        found = connections.load(conn, "coupa", "acme-prod")
    assert found.secrets == {"client_secret": SECRET}
    assert SECRET not in repr(found)


def test_a_wrong_secret_is_reported_in_plain_words(cli, coupa):
    cli(
        "connection", "add", "coupa", "--instance", "typo",
        "--set", f"base_url={coupa.base_url}", "--set", f"client_id={CLIENT_ID}", stdin="not-the-secret\n",
    )  # fmt: skip
    tested = cli("connection", "test", "typo")
    assert tested.exit_code == 1
    assert "FAIL token" in tested.output and "check the client id and secret" in tested.output
    assert "not-the-secret" not in tested.output


def test_secrets_from_a_file_and_never_from_argv(cli, warehouse, tmp_path):
    secrets_file = tmp_path / "coupa.secret"
    secrets_file.write_text(f"client_secret={SECRET}\n")
    added = cli(
        "connection", "add", "coupa", "--instance", "from-file", "--set", "base_url=https://x.coupahost.com",
        "--set", "client_id=c", "--secrets-file", str(secrets_file),
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    refused = cli("connection", "add", "coupa", "--instance", "argv", "--set", f"client_secret={SECRET}", stdin="")
    assert refused.exit_code == 1 and "has no setting client_secret" in refused.output
    empty = cli("connection", "add", "coupa", "--instance", "empty", "--set", "base_url=u", "--set", "client_id=c")
    assert empty.exit_code == 1 and "missing client_secret" in empty.output


def test_rotate_key_re_encrypts_and_retires_the_old_key(cli, warehouse, monkeypatch, tmp_path):
    from cryptography.fernet import Fernet, InvalidToken

    monkeypatch.delenv(keys.KEY_ENV, raising=False)
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(tmp_path / "rotate.key"))
    with warehouse.connect() as conn:
        connections.save(conn, "coupa", "r", {"base_url": "https://x", "client_id": "c"}, {"client_secret": SECRET})
        before = conn.scalar("SELECT secret_token FROM connections")
    old_key = keys.current()
    rotated = cli("connection", "rotate-key")
    assert rotated.exit_code == 0, rotated.output
    assert keys.current() != old_key and len(keys.current()) == 1
    with warehouse.connect() as conn:
        after = conn.scalar("SELECT secret_token FROM connections")
        assert connections.load(conn, "coupa", "r").secrets["client_secret"] == SECRET
    assert after != before
    with pytest.raises(InvalidToken):
        Fernet(old_key[0]).decrypt(after.encode())


def test_resources_read_the_store_and_the_environment_wins(warehouse, coupa, monkeypatch):
    with warehouse.connect() as conn:
        connections.save(
            conn, "coupa", "main", {"base_url": coupa.base_url, "client_id": CLIENT_ID}, {"client_secret": SECRET}
        )
    resource = SourceApiResource(
        source="coupa", instance="main", database_url=warehouse.url, schema_name=warehouse.schema
    )
    with resource.client() as client:
        assert len(list(client.iter_suppliers())) == 3
    assert SECRET not in repr(resource)
    overridden = SourceApiResource(
        source="coupa",
        instance="main",
        database_url=warehouse.url,
        schema_name=warehouse.schema,
        client_secret="from-env",
    )
    assert overridden.connection().secrets == {"client_secret": "from-env"}
    assert "from-env" not in repr(overridden)
    monkeypatch.setenv("COUPA_CLIENT_SECRET", "env-secret")
    assert connections.env_values("coupa") == {"client_secret": "env-secret"}
    with pytest.raises(connections.ConnectionMissing) as missing:
        SourceApiResource(
            source="coupa", instance="nowhere", database_url=warehouse.url, schema_name=warehouse.schema
        ).connection()
    assert "qbsync connection add coupa --instance nowhere" in str(missing.value)


def test_a_secret_under_a_lost_key_says_so(warehouse, monkeypatch, tmp_path):
    with warehouse.connect() as conn:
        connections.save(conn, "coupa", "lost", {"base_url": "https://x", "client_id": "c"}, {"client_secret": SECRET})
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(tmp_path / "another.key"))
    with warehouse.connect() as conn, pytest.raises(connections.UndecryptableSecret) as refused:
        connections.load(conn, "coupa", "lost")
    assert SECRET not in str(refused.value)
