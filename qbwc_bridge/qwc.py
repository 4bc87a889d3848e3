"""The .QWC file the Web Connector imports: where the bridge is, which user, and stable GUIDs per company."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from lxml import etree

from qbwc_bridge.app import SUPPORT_PATH
from qbwc_bridge.companies import Company

APP_NAME = "qbsync"


def support_url(app_url: str, company: str) -> str:
    """AppSupport on the same host as AppURL (the Web Connector insists): the bridge's support page for `company`."""
    parts = urlsplit(app_url)
    return urlunsplit((parts.scheme, parts.netloc, SUPPORT_PATH, urlencode({"company": company}), ""))


def check_url(app_url: str) -> None:
    """HTTPS unless localhost, a host name rather than an IP address (as the Web Connector requires), no user info."""
    parts = urlsplit(app_url)
    host = parts.hostname or ""
    if "@" in parts.netloc:  # checked first: the other messages quote the URL
        raise ValueError(
            "AppURL must not carry a user name or password (user:pass@): the .QWC file is not a secret store"
        )
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"AppURL {app_url!r} is not an http(s) URL")
    if parts.scheme != "https" and host != "localhost":
        raise ValueError(f"AppURL {app_url!r}: the Web Connector needs HTTPS for any host but localhost")
    if host.replace(".", "").isdigit() or ":" in host:
        raise ValueError(f"AppURL {app_url!r}: use a host name, not an IP address")


def qwc_document(company: Company, app_url: str, every_minutes: int | None = 15) -> bytes:
    """The QBWCXML document for `company` served at `app_url`."""
    check_url(app_url)
    root = etree.Element("QBWCXML")
    for tag, text in (
        ("AppName", f"{APP_NAME} {company.company}"),
        ("AppID", ""),
        ("AppURL", app_url),
        ("AppDescription", f"Cloud procurement and AP into QuickBooks ({company.company})"),
        ("AppSupport", support_url(app_url, company.company)),
        ("UserName", company.qbwc_user),
        ("OwnerID", company.owner_id),
        ("FileID", company.file_id),
        ("QBType", "QBFS"),
    ):
        etree.SubElement(root, tag).text = text
    if every_minutes:
        scheduler = etree.SubElement(root, "Scheduler")
        etree.SubElement(scheduler, "RunEveryNMinutes").text = str(every_minutes)
    etree.SubElement(root, "IsReadOnly").text = "false"
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
