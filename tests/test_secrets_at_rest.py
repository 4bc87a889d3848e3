"""Secrets at rest: tickets stored only as a keyed hash, private files (0600/0700), scrypt at 2**17 with a
transparent rehash on the next good login."""

from __future__ import annotations

import stat

import pytest
from bridge_support import COMPANY, PASSWORD, USER, add_company, queue_vendors_and_bills, running_bridge, zeep_service

from qbwc_bridge import companies
from warehouse import keys
from warehouse.store import Warehouse


def _every_value(wh: Warehouse) -> str:
    """Every value of every table of the warehouse, as one text to search."""
    with wh.connect() as conn:
        tables = conn.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'",
            [wh.schema or "main"],
        )
        return "\n".join(str(conn.fetchall(f'SELECT * FROM "{t}"')) for (t,) in tables)


def test_tickets_are_stored_only_as_a_keyed_hash(warehouse):
    add_company(warehouse)
    queue_vendors_and_bills(warehouse, 2, 1)
    with running_bridge(warehouse) as bridge:
        svc = zeep_service(bridge.soap_url)
        ticket = svc.authenticate(strUserName=USER, strPassword=PASSWORD)[0]
        assert svc.sendRequestXML(ticket, "", "", "US", 16, 0)  # the ticket works...
        assert svc.receiveResponseXML(ticket, "<QBXML/>", "", "") == -1
        closed = svc.authenticate(strUserName=USER, strPassword=PASSWORD)[0]  # busy: a closed ticket
    stored = _every_value(warehouse)
    assert ticket not in stored and closed not in stored  # ...but is nowhere in the warehouse
    assert keys.ticket_digest(ticket) in stored


def test_the_warehouse_file_key_file_and_home_are_private(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("QBSYNC_HOME", str(home))
    monkeypatch.delenv("QBSYNC_DATABASE_URL", raising=False)
    monkeypatch.delenv(keys.KEY_ENV, raising=False)
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(home / "secret.key"))
    wh = Warehouse.from_env()
    wh.migrate()
    assert keys.current()  # created on first use
    wh.close()
    assert stat.S_IMODE((home / "warehouse.duckdb").stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "secret.key").stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


def test_the_key_from_the_environment_wins(monkeypatch, tmp_path):
    from cryptography.fernet import Fernet

    env_key = Fernet.generate_key()
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(tmp_path / "unused.key"))
    monkeypatch.setenv(keys.KEY_ENV, env_key.decode())
    assert keys.current() == [env_key]
    assert not (tmp_path / "unused.key").exists()
    monkeypatch.setenv(keys.KEY_ENV, "not-a-key")
    with pytest.raises(keys.KeyMaterialError) as refused:
        keys.current()
    assert "not-a-key" not in str(refused.value)


def test_scrypt_cost_defaults_to_2_17(monkeypatch):
    monkeypatch.delenv(companies.SCRYPT_N_ENV, raising=False)
    assert companies.scrypt_n() == 2**17
    stored = companies.hash_password("a long passphrase")
    assert stored.startswith("scrypt$131072$8$1$")
    assert companies.password_matches("a long passphrase", stored)
    assert not companies.password_matches("another", stored)


def test_an_older_hash_is_upgraded_on_the_next_good_login_only(warehouse, monkeypatch):
    add_company(warehouse)  # hashed at the test session's low cost
    queue_vendors_and_bills(warehouse, 1, 0)

    def stored() -> str:
        with warehouse.connect() as conn:
            return conn.scalar("SELECT password_hash FROM companies WHERE company = ?", [COMPANY])

    old = stored()
    monkeypatch.setenv(companies.SCRYPT_N_ENV, str(2**13))
    with running_bridge(warehouse) as bridge:
        svc = zeep_service(bridge.soap_url)
        assert svc.authenticate(strUserName=USER, strPassword="wrong")[1] == "nvu"
        assert stored() == old  # a failed login changes nothing
        assert svc.authenticate(strUserName=USER, strPassword=PASSWORD)[0]
        upgraded = stored()
        assert upgraded.startswith(f"scrypt${2**13}$") and upgraded != old
        assert svc.authenticate(strUserName=USER, strPassword=PASSWORD)[0]  # the new hash verifies
