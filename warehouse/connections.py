"""The connection store: each source instance's settings in clear and its secrets Fernet-encrypted, keyed by
(source_system, instance), so any source's resource can read its credentials without them living in the clear.

Secrets are encrypted under the newest key of `warehouse.keys` (MultiFernet: older keys still decrypt until
`rotate_key` has re-encrypted every row). A Connection never shows its secrets in `repr`, logs or exceptions.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from warehouse import keys
from warehouse.audit import now, record
from warehouse.store import Conn


@dataclass(frozen=True)
class SourceFields:
    """What a source's connection holds: setting names, secret names, and the environment variable of each,
    which wins over the store when it is set."""

    settings: tuple[str, ...]
    secrets: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    options: tuple[str, ...] = ()  # optional settings, passed to the client when stored (Source.options)


SETTINGS = ("base_url", "client_id")  # what every declared source's API client is built from, besides its secret
SECRETS = ("client_secret",)


class ConnectionMissing(LookupError):
    """No stored connection and no environment for it; the message says how to add one."""


class UndecryptableSecret(RuntimeError):
    """A stored secret does not open under any current key (the key file was replaced or lost)."""


@dataclass(frozen=True)
class Connection:
    source_system: str
    instance: str
    settings: dict[str, str]
    secrets: dict[str, str] = field(repr=False)
    updated_at: datetime | None = None

    def value(self, name: str) -> str | None:
        return self.settings.get(name) or self.secrets.get(name)


def fields_of(source_system: str) -> SourceFields:
    """The fields of a declared source's connection and their environment variables (<NAME>_BASE_URL, ...)."""
    from sources import registry

    try:
        source = registry.get(source_system)
    except KeyError as exc:
        raise ValueError(str(exc.args[0])) from None
    env = {name: source.env[name] for name in (*SETTINGS, *SECRETS)}
    return SourceFields(SETTINGS, SECRETS, env, tuple(source.options))


def stored_options(found: Connection) -> dict[str, str]:
    """The optional settings stored with a connection, as the source's client takes them (keyword arguments)."""
    return {n: found.settings[n] for n in fields_of(found.source_system).options if found.settings.get(n)}


def save(
    conn: Conn, source_system: str, instance: str, settings: Mapping[str, str], secrets: Mapping[str, str]
) -> None:
    """Add or replace one connection; every declared setting and secret must be given (non-empty), the source's
    optional settings may be."""
    spec = fields_of(source_system)
    if not instance or not instance.strip() or instance != instance.strip() or not instance.isprintable():
        raise ValueError("the instance name must not be empty, padded with spaces or hold control characters")
    missing = [n for n in (*spec.settings, *spec.secrets) if not ({**settings, **secrets}.get(n) or "").strip()]
    if missing:
        raise ValueError(f"{source_system} connection {instance!r}: missing {', '.join(missing)}")
    token = _fernet().encrypt(json.dumps({n: secrets[n] for n in spec.secrets}).encode()).decode()
    kept = {n: settings[n] for n in (*spec.settings, *spec.options) if (settings.get(n) or "").strip()}
    stamp = now()
    conn.execute("DELETE FROM connections WHERE source_system = ? AND instance = ?", [source_system, instance])
    conn.execute(
        "INSERT INTO connections (source_system, instance, settings, secret_token, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [source_system, instance, json.dumps(kept), token, stamp, stamp],
    )
    record(conn, [_event(source_system, instance, "connection_saved", {"settings": sorted(kept)})])


def load(conn: Conn, source_system: str, instance: str) -> Connection | None:
    """The stored connection with its secrets decrypted, or None."""
    row = conn.fetchone(
        "SELECT settings, secret_token, updated_at FROM connections WHERE source_system = ? AND instance = ?",
        [source_system, instance],
    )
    if row is None:
        return None
    settings = json.loads(row[0]) if isinstance(row[0], str) else dict(row[0])
    return Connection(source_system, instance, settings, _decrypt(row[1], source_system, instance), row[2])


def env_values(source_system: str) -> dict[str, str]:
    """The source's environment variables that are set, by field name (they win over the store)."""
    spec = fields_of(source_system)
    return {name: os.environ[var].strip() for name, var in spec.env.items() if os.environ.get(var, "").strip()}


def resolve(conn: Conn | None, source_system: str, instance: str, given: Mapping[str, str | None]) -> Connection:
    """What a resource connects with: each value `given` (a resource's field, which deployments fill from the
    environment) wins; the connection stored for (source_system, instance) gives the rest. ConnectionMissing
    when a value is in neither."""
    spec = fields_of(source_system)
    stored = load(conn, source_system, instance) if conn is not None else None
    values = {n: given.get(n) or (stored.value(n) if stored else None) for n in (*spec.settings, *spec.secrets)}
    missing = [n for n, v in values.items() if not v]
    if missing:
        raise ConnectionMissing(
            f"{source_system} connection {instance!r} has no {', '.join(missing)}: add it with "
            f"`qbsync connection add {source_system} --instance {instance}` or set "
            + ", ".join(spec.env[n] for n in missing if n in spec.env)
        )
    options = {n: stored.settings[n] for n in spec.options if stored and stored.settings.get(n)}
    return Connection(
        source_system,
        instance,
        {**{n: values[n] for n in spec.settings}, **options},
        {n: values[n] for n in spec.secrets},
        stored.updated_at if stored else None,
    )


def list_all(conn: Conn) -> list[Connection]:
    """Every stored connection's settings, without its secrets (nothing is decrypted)."""
    rows = conn.fetchall("SELECT source_system, instance, settings, updated_at FROM connections ORDER BY 1, 2")
    return [Connection(s, i, json.loads(v) if isinstance(v, str) else dict(v), {}, u) for s, i, v, u in rows]


def rotate_key(conn_factory) -> int:
    """Re-encrypt every stored secret under a new key, then retire the old ones. Returns the rows re-encrypted.

    With the key file: a new key is put first, every row re-encrypted in one transaction, then the old keys are
    dropped from the file. With QBSYNC_SECRET_KEY: the operator puts the new key first in that variable; rows are
    re-encrypted under it, and the old keys can then be removed from the variable.
    """
    if not keys.using_env():
        path = keys.key_file()
        keys.write_key_file(path, [Fernet.generate_key(), *keys.current()])
    fernet = _fernet()
    with conn_factory() as conn:
        rows = conn.fetchall("SELECT source_system, instance, secret_token FROM connections")
        for source_system, instance, token in rows:
            try:
                fresh = fernet.rotate(token.encode()).decode()
            except InvalidToken:
                raise UndecryptableSecret(f"{source_system} connection {instance!r}: no current key opens it") from None
            conn.execute(
                "UPDATE connections SET secret_token = ?, updated_at = ? WHERE source_system = ? AND instance = ?",
                [fresh, now(), source_system, instance],
            )
        record(conn, [_event("*", "*", "key_rotated", {"connections": len(rows)})])
    if not keys.using_env():
        keys.write_key_file(keys.key_file(), keys.current()[:1])
    return len(rows)


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys.current()])


def _decrypt(token: str, source_system: str, instance: str) -> dict[str, str]:
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise UndecryptableSecret(
            f"{source_system} connection {instance!r}: the stored secret does not open with the current key "
            f"({keys.KEY_ENV} or {keys.key_file()}); add the connection again"
        ) from None


def _event(source_system: str, instance: str, event: str, detail: dict) -> dict:
    return {
        "actor": "cli:connection",
        "record_key": f"connection:{source_system}:{instance}",
        "event": event,
        "detail": detail,
    }
