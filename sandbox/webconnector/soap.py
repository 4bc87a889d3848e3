"""A SOAP client for any Web Connector endpoint, built from Intuit's official QBWebConnectorSvc WSDL (shipped)."""

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


PACKAGED_WSDL = Path(__file__).with_name("QBWebConnectorSvc.wsdl")  # Intuit's, as the QBWC SDK publishes it


def wsdl_path() -> Path:
    """QBSYNC_QBWC_WSDL, else the copy of Intuit's WSDL shipped with the sandbox."""
    configured = os.environ.get("QBSYNC_QBWC_WSDL")
    return Path(configured) if configured else PACKAGED_WSDL


@cache
def _client() -> zeep.Client:
    return zeep.Client(str(wsdl_path()), transport=Transport(timeout=120, operation_timeout=120))


def service(url: str):
    """The eight Web Connector operations, sent to `url` instead of the WSDL's own address."""
    return _client().create_service(BINDING, url)
