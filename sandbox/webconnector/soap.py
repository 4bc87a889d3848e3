"""A SOAP client for any Web Connector endpoint, built from Intuit's official QBWebConnectorSvc WSDL."""

from __future__ import annotations

import logging
import os
from functools import cache
from pathlib import Path

import zeep
from zeep.transports import Transport

BINDING = "{http://developer.intuit.com/}TroubleshootWebServiceFSSoap"
# zeep logs every SOAP body at DEBUG: authenticate carries the password, every call a ticket.
logging.getLogger("zeep.transports").setLevel(logging.INFO)


class WsdlNotFound(RuntimeError):
    """Intuit's Web Connector WSDL could not be located."""


def wsdl_path() -> Path:
    """QBSYNC_QBWC_WSDL, else `shared/reference/qbwc/QBWebConnectorSvc.wsdl` beside the checkout."""
    configured = os.environ.get("QBSYNC_QBWC_WSDL")
    if configured:
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "reference" / "qbwc" / "QBWebConnectorSvc.wsdl"
        if candidate.is_file():
            return candidate
    raise WsdlNotFound(
        "QBWebConnectorSvc.wsdl not found: set QBSYNC_QBWC_WSDL (in a checkout it is ../shared/reference/qbwc/)"
    )


@cache
def _client() -> zeep.Client:
    return zeep.Client(str(wsdl_path()), transport=Transport(timeout=120, operation_timeout=120))


def service(url: str):
    """The eight Web Connector operations, sent to `url` instead of the WSDL's own address."""
    return _client().create_service(BINDING, url)
