"""Companies: one QuickBooks company file behind one Web Connector user, with a scrypt-hashed password."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sources import registry
from warehouse.audit import now, record
from warehouse.company_sources import enrol
from warehouse.states import Request
from warehouse.store import Conn

DEFAULT_SCRYPT_N = 2**17  # OWASP's current guidance for scrypt (r=8, p=1): about 128 MiB and a few 100 ms per hash
SCRYPT_N_ENV = "QBSYNC_SCRYPT_N"  # a lower cost for tests only
_R, _P = 8, 1
COUNTRIES = ("US", "CA", "UK", "AU")


def scrypt_n() -> int:
    """The scrypt cost new hashes use: QBSYNC_SCRYPT_N when set (a power of two), else 2**17."""
    n = int(os.environ.get(SCRYPT_N_ENV) or DEFAULT_SCRYPT_N)
    if n < 2 or n & (n - 1):
        raise ValueError(f"{SCRYPT_N_ENV}={n} is not a power of two")
    return n


def _dummy_hash() -> str:
    """Compared against when the user is unknown, so a bad user name costs the same time as a bad password."""
    return f"scrypt${scrypt_n()}${_R}${_P}${'00' * 16}${'00' * 32}"


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=256 * n * r + 2**20)


@dataclass(frozen=True)
class Company:
    company: str
    qbwc_user: str
    country: str
    max_qbxml_version: str
    owner_id: str
    file_id: str


def hash_password(password: str) -> str:
    """scrypt with a fresh per-user salt, as `scrypt$N$r$p$salt$hash` (hex)."""
    salt, n = secrets.token_bytes(16), scrypt_n()
    digest = _scrypt(password, salt, n, _R, _P, 32)
    return f"scrypt${n}${_R}${_P}${salt.hex()}${digest.hex()}"


def needs_rehash(stored: str) -> bool:
    """True when `stored` was made with other scrypt parameters than new hashes use (rehash on the next login)."""
    parts = stored.split("$")
    return len(parts) != 6 or parts[1:4] != [str(scrypt_n()), str(_R), str(_P)]


def set_password_hash(conn: Conn, company: str, password_hash: str) -> None:
    conn.execute("UPDATE companies SET password_hash = ? WHERE company = ?", [password_hash, company])


def password_matches(password: str, stored: str) -> bool:
    """Constant-time check of `password` against a stored scrypt hash."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = bytes.fromhex(digest)
        got = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p), len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(got, expected)


def add(
    conn: Conn,
    name: str,
    user: str,
    password: str,
    country: str = "US",
    max_version: str = "16.0",
    sources: Iterable[str] | None = None,
) -> Company:
    """Register a company and its Web Connector user, fed by `sources` (None: every declared source, with its
    default policy); GUIDs for the .QWC file are minted once here."""
    for label, value in (("name", name), ("Web Connector user", user)):
        if not value or not value.strip() or value != value.strip() or not value.isprintable():
            raise ValueError(
                f"company {name!r}: the {label} must not be empty, padded with spaces or hold control characters"
            )
    country = country.upper()
    if country not in COUNTRIES:
        raise ValueError(f"company {name}: country {country!r} is not one of {', '.join(COUNTRIES)}")
    if not password:
        raise ValueError(f"company {name}: the Web Connector password must not be empty")
    if conn.scalar("SELECT 1 FROM companies WHERE company = ? OR qbwc_user = ?", [name, user]):
        raise ValueError(f"company {name}: a company with this name or user {user!r} already exists")
    company = Company(name, user, country, max_version, _guid(), _guid())
    conn.execute(
        "INSERT INTO companies (company, qbwc_user, password_hash, country, max_qbxml_version, owner_id, file_id, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [name, user, hash_password(password), country, max_version, company.owner_id, company.file_id, now()],
    )
    record(conn, [{"actor": "cli:company", "company": name, "record_key": f"company:{name}", "event": "added"}])
    for source in registry.names() if sources is None else sources:
        enrol(conn, name, source)
    return company


def set_time_zone(conn: Conn, name: str, zone: str | None) -> None:
    """Say which time zone the machine running the company file is in (None: learn it from QuickBooks' offsets)."""
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"company {name}: time zone {zone!r} is not an IANA zone such as America/Chicago") from exc
    if not conn.scalar("SELECT 1 FROM companies WHERE company = ?", [name]):
        raise ValueError(f"company {name}: no such company")
    conn.execute("UPDATE companies SET time_zone = ? WHERE company = ?", [zone or None, name])
    event = {"actor": "cli:company", "company": name, "record_key": f"company:{name}", "event": "time_zone_set"}
    record(conn, [{**event, "detail": {"time_zone": zone or None}}])


SETTINGS_TABLES = (
    "company_sources",
    "account_mappings",
    "cost_centre_mappings",
    "item_mappings",
    "tax_code_mappings",
    "terms_mappings",
)
OPEN_STATUSES = ("pending", "retry", "unknown", "sent")


def set_password(conn: Conn, name: str, password: str) -> int:
    """A new Web Connector password (scrypt hash); open sessions end, since they logged in with the old one.
    Returns how many sessions were closed."""
    if not password:
        raise ValueError(f"company {name}: the Web Connector password must not be empty")
    if not conn.scalar("SELECT 1 FROM companies WHERE company = ?", [name]):
        raise ValueError(f"company {name}: no such company")
    conn.execute("UPDATE companies SET password_hash = ? WHERE company = ?", [hash_password(password), name])
    stamp = now()
    open_sessions = conn.scalar("SELECT count(*) FROM qbwc_sessions WHERE company = ? AND closed_at IS NULL", [name])
    conn.execute(
        "UPDATE qbwc_sessions SET closed_at = ?, last_error = 'password changed' "
        "WHERE company = ? AND closed_at IS NULL",
        [stamp, name],
    )
    record(conn, [{"actor": "cli:company", "company": name, "record_key": f"company:{name}", "event": "password_set"}])
    return int(open_sessions or 0)


def remove(conn: Conn, name: str, force: bool = False) -> dict[str, int]:
    """Forget a company's registration, Web Connector user and settings (sources, mappings, sessions); its history
    (outbox, audit log, QuickBooks mirror) stays. Refused while requests are open, unless `force` fails them."""
    if not conn.scalar("SELECT 1 FROM companies WHERE company = ?", [name]):
        raise ValueError(f"company {name}: no such company")
    marks = ", ".join("?" for _ in OPEN_STATUSES)
    open_rows = conn.scalar(
        f"SELECT count(*) FROM qbxml_outbox WHERE company = ? AND status IN ({marks})", [name, *OPEN_STATUSES]
    )
    if open_rows and not force:
        raise ValueError(
            f"company {name}: {open_rows} request(s) still open in the outbox; let the Web Connector deliver them "
            "(qbsync outbox status) or remove with --force, which fails them"
        )
    stamp = now()
    conn.execute(
        "UPDATE qbxml_outbox SET status = ?, last_error = 'company removed', updated_at = ?, settled_at = ? "
        f"WHERE company = ? AND status IN ({marks})",
        [Request.FAILED, stamp, stamp, name, *OPEN_STATUSES],
    )
    removed = {
        table: conn.scalar(f"SELECT count(*) FROM {table} WHERE company = ?", [name]) for table in SETTINGS_TABLES
    }
    for table in (*SETTINGS_TABLES, "qbwc_sessions", "companies"):
        conn.execute(f"DELETE FROM {table} WHERE company = ?", [name])
    record(
        conn,
        [{"actor": "cli:company", "company": name, "record_key": f"company:{name}", "event": "removed",
          "detail": {"failed_open_requests": int(open_rows or 0), **removed}}],
    )  # fmt: skip
    return {"failed_open_requests": int(open_rows or 0), **removed}


def list_all(conn: Conn) -> list[Company]:
    rows = conn.records(
        "SELECT company, qbwc_user, country, max_qbxml_version, owner_id, file_id FROM companies ORDER BY company"
    )
    return [Company(**r) for r in rows]


def get(conn: Conn, name: str) -> Company | None:
    return next((c for c in list_all(conn) if c.company == name), None)


def credentials(conn: Conn, user: str) -> tuple[Company, str] | None:
    """The company behind Web Connector `user` and its stored password hash, None when no such user."""
    row = conn.fetchone(
        "SELECT company, qbwc_user, country, max_qbxml_version, owner_id, file_id, password_hash "
        "FROM companies WHERE qbwc_user = ?",
        [user or ""],
    )
    return (Company(*row[:6]), row[6]) if row else None


def verify(found: tuple[Company, str] | None, password: str) -> Company | None:
    """The company when `password` matches its hash; the same scrypt work when the user is unknown.

    Runs outside any transaction: the hash costs tens of milliseconds and must not hold the warehouse.
    """
    company, stored = found if found else (None, _dummy_hash())
    ok = password_matches(password or "", stored)
    return company if ok else None


def _guid() -> str:
    return "{" + str(uuid.uuid4()).upper() + "}"
