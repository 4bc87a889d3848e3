"""The simulator's master-data imports: `POST /v1/vendors`, `POST /v1/accounts` and `POST /v1/costCenters` (full
overwrite by externalCode, at most 200 vendors or 500 accounts or cost centres per call, 400 for a schema error
anywhere in the batch), processed asynchronously and read back from `/v1/requestStatus/{requestId}` (the id from the
x-amzn-RequestId header); an unchanged record is silently not processed; a vendorCode, accountCode or
costCenterCode owned by another externalCode is an item error. Also `GET /v1/companies`, the tenant's company
units."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask import Response, request

from sandbox.basware.api import BaswareState, Routes, errors
from sandbox.basware.generator import COMPANY
from sandbox.scaffold import Simulator

REQUEST_ID = "x-amzn-RequestId"
# kind -> (entity type in requestStatus, code field, required fields, records per call)
KINDS = {
    "vendors": ("Vendor", "vendorCode", ("externalCode", "vendorCode", "name", "companies"), 200),
    "accounts": ("Account", "accountCode", ("externalCode", "accountCode", "accountNames", "companies"), 500),
    "costCenters": ("CostCenter", "costCenterCode", ("externalCode", "costCenterCode", "costCenterNames", "companies"),
                    500),
}  # fmt: skip


@dataclass
class Imports:
    """Imported master data by kind and externalCode (vendors are the tenant's vendor list the API serves) and the
    requests that brought it."""

    records: dict[str, dict[str, dict[str, Any]]]
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    applied: Counter = field(default_factory=Counter)  # (kind, externalCode) -> imports that changed the record
    unchanged: Counter = field(default_factory=Counter)  # kind -> re-imports dropped as unchanged


def register(sim: Simulator, state: BaswareState, imports: Imports) -> None:
    bp = Routes(sim)

    @bp.get("/v1/companies")
    def companies():
        body = {"companies": [{"companyCode": COMPANY[0], "name": COMPANY[1], "active": True}]}
        return Response(json.dumps(body), status=200, content_type="application/json")

    @bp.post("/v1/<kind>")
    def post(kind: str):
        if kind not in KINDS:
            return Response(status=404)
        entity_type, code_field, required, limit = KINDS[kind]
        try:
            batch = json.loads(request.get_data() or b"null")
        except ValueError:
            return errors(400, "SCHEMA_VALIDATION_ERROR", "request body is not JSON")
        if not isinstance(batch, list) or not 1 <= len(batch) <= limit:
            return errors(400, "SCHEMA_VALIDATION_ERROR", f"send a JSON array of 1 to {limit} {kind}")
        refused = [_schema_error(item, required, code_field) for item in batch]
        if any(refused):
            return _errors_list([e for e in refused if e])
        request_id = str(uuid.uuid4())
        with state.lock:
            items = [_apply(imports, kind, code_field, item, state.dataset.tick) for item in batch]
            imports.requests[request_id] = {"entityType": entity_type, "items": items, "polls": 0}
        headers = {REQUEST_ID: request_id}
        return Response(json.dumps(batch), status=200, content_type="application/json", headers=headers)

    @bp.get("/v1/requestStatus/<request_id>")
    def request_status(request_id: str):
        with state.lock:
            found = imports.requests.get(request_id)
            if found is None:
                return Response(status=404)
            found["polls"] += 1
            done = found["polls"] > 1  # processing takes a moment: the first read finds it in progress
        items = found["items"] if done else [{**i, "status": "InProgress", "errors": []} for i in found["items"]]
        status = "InProgress" if not done else ("Error" if any(i["status"] == "Error" for i in items) else "Success")
        body = {"requestStatus": [{
            "requestId": request_id, "entityType": found["entityType"], "entityVersion": "1", "requestStatus": status,
            "operationType": "POST", "systems": [{"system": "P2P", "systemStatus": status, "items": items}],
        }]}  # fmt: skip
        return Response(json.dumps(body), status=200, content_type="application/json")


def _schema_error(item: Any, required: tuple[str, ...], code_field: str) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        return {"externalCode": None, "message": "each record must be a JSON object"}
    missing = [f for f in required if item.get(f) in (None, "", [])]
    if missing:
        return {"externalCode": item.get("externalCode"), "message": f"required field(s) missing: {', '.join(missing)}"}
    if len(str(item[code_field])) > 25 or len(str(item["externalCode"])) > 100:
        return {"externalCode": item["externalCode"], "message": f"{code_field} or externalCode is too long"}
    return None


def _errors_list(found: list[dict[str, Any]]) -> Response:
    body = {"requestId": str(uuid.uuid4()), "hasErrors": True, "errors": [
        {"externalCode": e["externalCode"], "type": "VALIDATION", "code": "SCHEMA_VALIDATION_ERROR",
         "message": e["message"], "info": ""} for e in found]}  # fmt: skip
    return Response(json.dumps(body), status=400, content_type="application/json")


def _apply(imports: Imports, kind: str, code_field: str, item: dict[str, Any], tick) -> dict[str, Any]:
    """Store one record (full overwrite by externalCode, lastUpdated stamped); its ProcessedItem."""
    held = imports.records[kind]
    code = item["externalCode"]
    owner = next((c for c, r in held.items() if r[code_field] == item[code_field] and c != code), None)
    if owner is not None:
        message = f"{code_field} {item[code_field]} already belongs to externalCode {owner}"
        return {"externalCode": code, "status": "Error",
                "errors": [{"type": "Error", "message": message, "category": "DataValidation"}]}  # fmt: skip
    if {k: v for k, v in held.get(code, {}).items() if k != "lastUpdated"} == item:
        imports.unchanged[kind] += 1
        return {"externalCode": code, "status": "NotProcessed", "errors": []}
    held[code] = {**item, "lastUpdated": tick()}
    imports.applied[kind, code] += 1
    return {"externalCode": code, "status": "Success", "errors": []}
