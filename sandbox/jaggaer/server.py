"""JaggaerSandbox: the JAGGAER simulator on the shared scaffold (sandbox.scaffold): a Keycloak-style token endpoint
`POST /auth/realms/{realm}/protocol/openid-connect/token` (client credentials as form fields or HTTP Basic, tokens
that expire), and the invoice, purchase-order and supplier lists in JAGGAER's envelope ({returnCode, returnMessage,
totRecords, returnedRecords, startAt, <list>}) with `start` paging from 1, `max` page sizes, `flt=` filters joined by
`;` (LASTMODTIME>=/<= with YYYYMMDD or YYYYMMDDHHMMSS), `comp=` components, 429s with Retry-After and fault knobs,
among them answers with a non-zero returnCode."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Response, request

from sandbox.jaggaer.generator import JaggaerDataset
from sandbox.scaffold import ApiFaults, OAuth2Issuer, Simulator, json_response

REALM = "J1p-integrations"
MAX_PAGE = 100  # records a page holds at most; larger `max` values are cut to it
INVOICES = "/j1p/api/public/ji/v1/invoices"
ORDERS = "/j1p/api/public/jp/v1/purchaseorders"
SUPPLIERS = "/j1p/api/public/jsm/v1/suppliers"
_CLAUSE = re.compile(r"^(?P<field>[A-Z_]+)(?P<op>>=|<=|=|>|<)(?P<value>.+)$")


def _moment(text: str) -> datetime:
    """A filter or record date-time: YYYYMMDD, YYYYMMDDHHMMSS (UTC) or ISO text."""
    text = text.strip()
    if re.fullmatch(r"\d{8}(\d{6})?", text):
        return datetime.strptime(text, "%Y%m%d%H%M%S" if len(text) == 14 else "%Y%m%d").replace(tzinfo=UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class JaggaerSandbox(Simulator):
    """`with JaggaerSandbox(dataset, client_id=..., client_secret=...) as api: api.base_url`. Tokens last `token_ttl`
    seconds (Keycloak's default access-token lifespan is 5 minutes); `return_codes` maps the number of a list
    request (from 1) to the (returnCode, returnMessage) it answers instead of records."""

    def __init__(
        self,
        dataset: JaggaerDataset,
        *,
        client_id: str,
        client_secret: str,
        realm: str = REALM,
        token_ttl: int = 300,
        faults: ApiFaults | None = None,
        rate_limit_per_s: float | None = None,
        burst: int = 20,
        return_codes: dict[int, tuple[int, str]] | None = None,
        port: int = 0,
    ):
        issuer = OAuth2Issuer(
            {client_id: client_secret},
            path=f"/auth/realms/{realm}/protocol/openid-connect/token",
            client_auth=("form", "basic"),
            ttl=token_ttl,
            token_type="Bearer",
        )
        super().__init__(
            "jaggaer_sandbox", issuer=issuer, rate_limit_per_s=rate_limit_per_s, burst=burst, faults=faults, port=port
        )
        self.dataset = dataset
        self.return_codes = dict(return_codes or {})
        self.list_requests = 0
        for path, key, records, modified in (
            (INVOICES, "jiinvoiceList.jiinvoice", lambda: dataset.invoices, _header_time),
            (ORDERS, "purchaseOrderList.purchaseOrder", lambda: dataset.orders, _header_time),
            (SUPPLIERS, "supplierList.supplier", lambda: dataset.suppliers, lambda r: r["lastUpdate"]),
        ):
            self.route(path, self._lister(key, records, modified), endpoint=path)

    def error(self, status: int, message: str) -> Response:
        """JAGGAER's error body: the envelope with a non-zero returnCode and the message."""
        return json_response({"returnCode": status, "returnMessage": message}, status)

    def _lister(self, key: str, records: Callable[[], list[dict]], modified: Callable[[dict], str]):
        def view() -> Response:
            self.list_requests += 1
            planted = self.return_codes.get(self.list_requests)
            if planted:
                return json_response({"returnCode": planted[0], "returnMessage": planted[1]}, 200)
            try:
                start = int(request.args.get("start", "1"))
                size = min(int(request.args.get("max", str(MAX_PAGE))), MAX_PAGE)
                keep = _filters(request.args.get("flt", ""), modified)
            except ValueError as exc:
                return json_response({"returnCode": 4, "returnMessage": f"Invalid request: {exc}"}, 200)
            if start < 1 or size < 1:
                return json_response({"returnCode": 4, "returnMessage": "start and max must be at least 1"}, 200)
            found = sorted((r for r in records() if keep(r)), key=lambda r: (_moment(modified(r)), _ident(r)))
            components = {c.strip().upper() for c in request.args.get("comp", "HEADER,LINES").split(",")}
            page = [_components(r, components) for r in found[start - 1 : start - 1 + size]]
            outer, inner = key.split(".")
            body = {"returnCode": 0, "returnMessage": "", "totRecords": len(found), "returnedRecords": len(page),
                    "startAt": start, outer: {inner: page}}  # fmt: skip
            return json_response(body, 200)

        return view


def _header_time(record: dict[str, Any]) -> str:
    return record["header"]["lastUpdate"]


def _ident(record: dict[str, Any]) -> str:
    h = record.get("header", record)
    return str(h.get("invoiceId") or h.get("poId") or h.get("id"))


def _components(record: dict[str, Any], components: set[str]) -> dict[str, Any]:
    """Documents carry their lineList only when `comp` asks for LINES (the real list export without it has headers
    only, as the fixture shows)."""
    if "lineList" in record and "LINES" not in components:
        return {k: v for k, v in record.items() if k != "lineList"}
    return record


def _filters(flt: str, modified: Callable[[dict], str]) -> Callable[[dict], bool]:
    """`LASTMODTIME>=20261102140000;LASTMODTIME<=20261130` as a predicate; another field is refused."""
    tests: list[Callable[[dict], bool]] = []
    for clause in filter(None, (c.strip() for c in flt.split(";"))):
        match = _CLAUSE.match(clause)
        if not match or match["field"] != "LASTMODTIME":
            raise ValueError(f"unsupported filter clause {clause!r}")
        bound, op = _moment(match["value"]), match["op"]
        compare = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
                   "<": lambda a, b: a < b, "=": lambda a, b: a == b}[op]  # fmt: skip
        tests.append(lambda r, bound=bound, compare=compare: compare(_moment(modified(r)), bound))
    return lambda r: all(t(r) for t in tests)
