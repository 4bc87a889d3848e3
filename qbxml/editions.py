"""QuickBooks editions (US, CA, UK, AU): which edition a session talks to and what that edition takes.

The profiles are configuration (`qbxml/editions.json`, or the file QBSYNC_QBXML_EDITIONS names), not rules in code:
Intuit documents little of what non-US editions take, so each default is written down there with its reason.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from qbxml.schema import parse_version

_PREFIX = re.compile(r"^([A-Z]{2})\d")
UNPREFIXED_FROM = (6, 0)  # from qbXML 6.0 on an unprefixed version works for every country


@dataclass(frozen=True)
class Edition:
    country: str
    omit: frozenset[str]  # element names this edition does not take: left out of what is sent
    rename: Mapping[str, str]  # element name -> the name this edition gives the same fact
    version_prefix: str  # written before versions older than 6.0 ("CA2.0")
    purchase_tax: bool = False  # bills carry a sales tax code per expense line and IsTaxIncluded
    iterators: bool = True  # queries page with iterator/MaxReturned; off: each query asks for everything at once

    def version_string(self, version: str) -> str:
        """The version as this edition expects it in `<?qbxml version?>`."""
        return version if parse_version(version) >= UNPREFIXED_FROM else f"{self.version_prefix}{version}"

    def adapt(self, fields: Any) -> Any:
        """Request content in this edition's terms: omitted elements dropped, renamed ones renamed, and without
        iterator and page size where the edition pages no query (MaxReturned alone would cut the answer short)."""
        if not self.iterators and isinstance(fields, dict) and "@iterator" in fields:
            fields = {k: v for k, v in fields.items() if k not in ("@iterator", "@iteratorID", "MaxReturned")}
        return self._named(fields)

    def _named(self, fields: Any) -> Any:
        if not self.omit and not self.rename:
            return fields
        if isinstance(fields, list):
            return [self._named(v) for v in fields]
        if not isinstance(fields, dict):
            return fields
        return {self.rename.get(k, k): self._named(v) for k, v in fields.items() if k not in self.omit}


@cache
def _profiles(path: str | None) -> dict[str, Edition]:
    text = Path(path).read_text() if path else resources.files("qbxml").joinpath("editions.json").read_text()
    raw = json.loads(text)
    return {
        country: Edition(
            country,
            frozenset(p.get("omit", ())),
            dict(p.get("rename", {})),
            p.get("version_prefix", ""),
            bool(p.get("purchase_tax", False)),
            bool(p.get("iterators", True)),
        )
        for country, p in raw.items()
        if not country.startswith("_")
    }


def _configured() -> dict[str, Edition]:
    return _profiles(os.environ.get("QBSYNC_QBXML_EDITIONS") or None)


def edition(country: str | None) -> Edition:
    """The profile of `country` (US when unknown or not configured)."""
    profiles = _configured()
    return profiles.get((country or "US").upper(), profiles["US"])


def purchase_tax_countries() -> tuple[str, ...]:
    """The countries whose edition takes purchase tax on bills, as configured."""
    return tuple(sorted(c for c, p in _configured().items() if p.purchase_tax))


def country_of(reported: str | None, supported_versions: Iterable[str] = (), fallback: str = "US") -> str:
    """The session's country: qbXMLCountry or HostQuery's Country, else a version prefix ("CA2.0"), else fallback."""
    if reported:
        return reported.upper()
    for version in supported_versions:
        found = _PREFIX.match(version.strip())
        if found:
            return found.group(1)
    return fallback
