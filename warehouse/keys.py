"""The secret key: Fernet keys from QBSYNC_SECRET_KEY, or a key file created 0600 on first use; newest first.

The first key encrypts connection secrets and keys the Web Connector ticket hashes; the others only decrypt (until
`qbsync connection rotate-key` has re-encrypted everything under the newest one and dropped them).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from pathlib import Path

from cryptography.fernet import Fernet

from warehouse.config import home

KEY_ENV = "QBSYNC_SECRET_KEY"  # comma-separated Fernet keys, newest first; wins over the key file
KEY_FILE_ENV = "QBSYNC_KEY_FILE"  # default <QBSYNC_HOME>/secret.key
_LOCK = threading.Lock()


class KeyMaterialError(RuntimeError):
    """The key material is missing or unreadable; the message says what to fix (never the key)."""


def key_file() -> Path:
    return Path(os.environ.get(KEY_FILE_ENV) or home() / "secret.key")


def current() -> list[bytes]:
    """The Fernet keys, newest first: from QBSYNC_SECRET_KEY when set, else the key file (created when missing)."""
    from_env = os.environ.get(KEY_ENV, "").strip()
    if from_env:
        return _checked([k.strip().encode() for k in from_env.split(",") if k.strip()], KEY_ENV)
    path = key_file()
    with _LOCK:
        if not path.exists():
            write_key_file(path, [Fernet.generate_key()])
        return _checked(path.read_bytes().split(), str(path))


def write_key_file(path: Path, material: list[bytes]) -> None:
    """Write the keys (newest first) to `path` with mode 0600, replacing it in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(path.name + ".new")
    staging.unlink(missing_ok=True)
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(b"\n".join(material) + b"\n")
    os.replace(staging, path)


def using_env() -> bool:
    return bool(os.environ.get(KEY_ENV, "").strip())


def ticket_digest(ticket: str) -> str:
    """The keyed hash under which a Web Connector ticket is stored (HMAC-SHA256 under a key derived from the
    newest key): reading the warehouse never yields a usable ticket."""
    derived = hmac.new(current()[0], b"qbsync qbwc ticket", hashlib.sha256).digest()
    return hmac.new(derived, (ticket or "").encode(), hashlib.sha256).hexdigest()


def _checked(material: list[bytes], where: str) -> list[bytes]:
    if not material:
        raise KeyMaterialError(f"no key in {where}")
    for key in material:
        try:
            Fernet(key)
        except ValueError:
            raise KeyMaterialError(
                f"{where} holds something that is not a Fernet key (32 url-safe base64 bytes)"
            ) from None
    return material
