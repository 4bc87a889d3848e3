"""The Basware P2P routes of the simulator as a Flask blueprint, hosted by any loopback app that authenticates the
caller first: accounting documents (continuation-token paging, 404 as empty, 302 to the stored result, acknowledge
with 405 the second time, transfer and payment responses) and vendors. Errors use the official
ResponseEntityList body; request bodies over 6 MB are refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
from flask import Response, request

from sandbox.basware.generator import BaswareDataset, stamp
from sandbox.scaffold import Simulator

CONTINUATION = "x-amz-meta-continuationtoken"
SIGNATURE_HEADER = "x-bwapi-signature-256"  # as one unofficial source names it; the official API does not say
MAX_BODY = 6 * 1024 * 1024
RESULTS = "/_results"  # where list answers are stored; fetched without Authorization, as from Basware's store
LIMITS = {"accountingDocuments": 100, "vendors": 200}
# maxLength of the response entities' text fields (TransferResponseEntity, PaymentResponseEntity)
LENGTHS = {"externalCode": 36, "responseMessage": 250, "sourceSystem": 32, "voucherNumber1": 25, "voucherNumber2": 25,
           "paymentTermCode": 25, "paymentMethod": 25, "checkNumber": 25, "paymentMessage": 100,
           "paymentNumber": 250, "paymentDocument": 250, "paymentReversalDocument": 250}  # fmt: skip
TRANSFER_REQUIRED = ("externalCode", "success", "responseMessage", "paymentBlock")
PAYMENT_REQUIRED = ("externalCode", "success", "paymentBlock")
WAITING, ACKNOWLEDGED, TRANSFERRED, FAILED = "WaitingForTransfer", "TransferInProgress", "Transferred", "TransferFailed"


def errors(status: int, code: str, message: str, kind: str = "VALIDATION", external_code: str | None = None):
    """A ResponseEntityList answer: {requestId, hasErrors, errors: [{externalCode, type, code, message, info}]}."""
    body = {
        "requestId": str(uuid.uuid4()),
        "hasErrors": True,
        "errors": [{"externalCode": external_code, "type": kind, "code": code, "message": message, "info": ""}],
    }
    return Response(json.dumps(body), status=status, content_type="application/json")  # fmt: skip


class BaswareState:
    """The live tenant behind the routes: the dataset, stored list answers and what the client wrote."""

    def __init__(self, dataset: BaswareDataset):
        self.dataset = dataset
        self.lock = threading.RLock()
        self.results: dict[str, tuple[bytes, str | None]] = {}  # stored list answers: key -> (body, next token)
        self.cursors: dict[str, tuple[str, int]] = {}  # continuation token -> (query, offset)
        self.acknowledged: Counter = Counter()  # invoiceId -> acknowledges that took effect
        self.refused: Counter = Counter()  # (route, status) -> answers refusing a call
        self.writes: Counter = Counter()  # route kind (acknowledge, transferResponses, vendors, ...) -> POSTs received

    def transfer_responses(self) -> dict[str, int]:
        return {k: len(d["transferResponses"]) for k, d in self.dataset.documents.items() if d["transferResponses"]}

    def payment_responses(self) -> dict[str, int]:
        return {k: len(d["paymentResponses"]) for k, d in self.dataset.documents.items() if d["paymentResponses"]}


class Routes:
    """Registers views on a scaffold Simulator, guarded (rate limit, faults, bearer token) unless `open`."""

    def __init__(self, sim: Simulator):
        self.sim = sim

    def get(self, rule: str, *, open: bool = False):
        return self._add(rule, ("GET",), open)

    def post(self, rule: str):
        return self._add(rule, ("POST",), False)

    def _add(self, rule: str, methods: tuple[str, ...], open: bool):
        def register(view):
            if open:
                self.sim.app.add_url_rule(rule, view.__name__, view, methods=list(methods))
            else:
                self.sim.route(rule, view, methods=methods, endpoint=view.__name__)
            return view

        return register


def register(sim: Simulator, state: BaswareState) -> None:
    """The P2P routes over `state` on the simulator `sim` (token-guarded; /_results/* is open and must come without
    Authorization, as the real redirect target refuses a second credential)."""
    bp = Routes(sim)
    data = state.dataset

    @sim.app.before_request
    def _limit_body():
        if request.method == "POST" and request.path.startswith("/v1/") and request.path != "/v1/tokens":
            state.writes[_write_kind(request.path)] += 1  # every write attempt, refused or faulted ones too
        request.max_content_length = MAX_BODY
        if (request.content_length or 0) > MAX_BODY:
            return errors(413, "SCHEMA_VALIDATION_ERROR", "request body exceeds 6 MB")
        return None

    @bp.get("/v1/accountingDocuments")
    def list_documents():
        status = request.args.get("processingStatus") or request.args.get("ProcessingStatus")
        since = request.args.get("lastUpdated")
        company = request.args.get("companyCode")
        since = since and _utc(since)
        rows = [
            d for d in data.documents.values()
            if (not status or d["processingStatus"] == status) and (not since or d["lastUpdated"] > since)
            and (not company or d["companyCode"] == company)
        ]  # fmt: skip
        return _page(state, "accountingDocuments", rows, redirect=True)

    @bp.get("/v1/accountingDocuments/<invoice_id>")
    def show_document(invoice_id: str):
        doc = data.documents.get(invoice_id)
        if doc is None:
            return Response(status=404)
        return _stored(state, {"accountingDocuments": [doc]}, None)

    @bp.get("/v1/vendors")
    def list_vendors():
        since = request.args.get("lastUpdated")
        rows = [v for v in data.vendors.values() if not since or v["lastUpdated"] > _utc(since)]
        return _page(state, "vendorEntities", rows, redirect=False)

    @bp.get(f"{RESULTS}/<key>", open=True)
    def stored(key: str):
        if request.headers.get("Authorization"):
            return Response("Only one auth mechanism allowed", status=400, content_type="text/plain")
        with state.lock:
            found = state.results.pop(key, None)
        if found is None:
            return Response(status=404)
        body, token = found
        headers = {CONTINUATION: token} if token else {}
        return Response(body, status=200, content_type="application/json", headers=headers)

    @bp.post("/v1/accountingDocuments/<invoice_id>/acknowledge")
    def acknowledge(invoice_id: str):
        with state.lock:
            doc = data.documents.get(invoice_id)
            if doc is None:
                return errors(404, "ENTITY_NOT_FOUND", f"accountingDocument {invoice_id} not found", "BUSINESS")
            if doc["processingStatus"] != WAITING:
                state.refused["acknowledge", 405] += 1
                return errors(405, "METHOD_NOT_ALLOWED", "accountingDocument is already acknowledged", "BUSINESS")
            doc.update(processingStatus=ACKNOWLEDGED, lastUpdated=data.tick())
            state.acknowledged[invoice_id] += 1
        return Response(json.dumps("Acknowledged"), status=200, content_type="application/json")

    @bp.post("/v1/accountingDocuments/<invoice_id>/transferResponses")
    def transfer_response(invoice_id: str):
        def transferred(doc: dict[str, Any], body: dict[str, Any]) -> Response | None:
            if doc["processingStatus"] == TRANSFERRED:
                state.refused["transferResponses", 400] += 1
                return errors(400, "DATA_VALIDATION_FAILED", "invoice is already transferred", "BUSINESS",
                              body["externalCode"])  # fmt: skip
            changes = {"voucherNumber1": body.get("voucherNumber1")} if body["success"] else {}
            doc.update(processingStatus=TRANSFERRED if body["success"] else FAILED, **changes)
            return None

        return _respond(state, invoice_id, "transferResponses", TRANSFER_REQUIRED, transferred)

    @bp.post("/v1/accountingDocuments/<invoice_id>/paymentResponses")
    def payment_response(invoice_id: str):
        return _respond(state, invoice_id, "paymentResponses", PAYMENT_REQUIRED, lambda doc, body: None)


def _write_kind(path: str) -> str:
    """`/v1/accountingDocuments/{id}/acknowledge` -> acknowledge; `/v1/vendors` -> vendors."""
    parts = path.strip("/").split("/")[1:] or [""]
    return parts[-1] if parts[0] == "accountingDocuments" else parts[0]


def _utc(text: str) -> str:
    """A lastUpdated filter as Basware's own stamps compare (UTC, Z), so text order is time order."""
    return stamp(datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC))


def _respond(state: BaswareState, invoice_id: str, listed: str, required: tuple[str, ...], apply) -> Response:
    """Store one response entity on the invoice (the latest 100 kept): 400 for an invalid body, 404 for an unknown
    invoice, 409 for an externalCode already used there; `apply(doc, body)` checks and applies the status change
    (an answer refuses the call)."""
    body = _json_object()
    if isinstance(body, Response):
        return body
    refused = _invalid(body, required)
    if refused:
        return refused
    with state.lock:
        doc = state.dataset.documents.get(invoice_id)
        if doc is None:
            return errors(404, "ENTITY_NOT_FOUND", f"accountingDocument {invoice_id} not found", "BUSINESS")
        if any(r["externalCode"] == body["externalCode"] for r in doc[listed]):
            return errors(409, "CONFLICT_IN_POST", "externalCode already used on this invoice", "BUSINESS",
                          body["externalCode"])  # fmt: skip
        answer = apply(doc, body)
        if answer is not None:
            return answer
        doc[listed] = [*doc[listed], body][-100:]
        doc["lastUpdated"] = state.dataset.tick()
    return Response(json.dumps(body), status=200, content_type="application/json")


def _invalid(body: dict[str, Any], required: tuple[str, ...]) -> Response | None:
    """The 400 a response entity gets for a missing required field or a text field over its maxLength."""
    missing = [f for f in required if f not in body]
    if missing:
        return errors(400, "SCHEMA_VALIDATION_ERROR", f"required field(s) missing: {', '.join(missing)}")
    long = [f for f, n in LENGTHS.items() if isinstance(body.get(f), str) and len(body[f]) > n]
    if long:
        return errors(400, "SCHEMA_VALIDATION_ERROR", f"longer than allowed: {', '.join(long)}",
                      external_code=body.get("externalCode"))  # fmt: skip
    return None


def _json_object() -> dict[str, Any] | Response:
    try:
        body = json.loads(request.get_data() or b"null")
    except ValueError:
        return errors(400, "SCHEMA_VALIDATION_ERROR", "request body is not JSON")
    if not isinstance(body, dict):
        return errors(400, "SCHEMA_VALIDATION_ERROR", "request body must be a JSON object")
    return body


def _page(state: BaswareState, key: str, rows: list[dict[str, Any]], *, redirect: bool) -> Response:
    """One page of `rows` (lastUpdated order) for this query, resuming at the continuation token sent back."""
    query = request.path + "?" + "&".join(f"{k}={v}" for k, v in sorted(request.args.items()) if k != "pageSize")
    limit = LIMITS["accountingDocuments" if key == "accountingDocuments" else "vendors"]
    try:
        size = int(request.args.get("pageSize", limit))
    except ValueError:
        return errors(400, "PARAMETER_VALIDATION_ERROR", "pageSize must be an integer")
    if not 1 <= size <= limit:
        return errors(400, "PARAMETER_VALIDATION_ERROR", f"pageSize must be between 1 and {limit}")
    offset = 0
    given = request.headers.get(CONTINUATION)
    with state.lock:
        if given:
            cursor = state.cursors.pop(given, None)
            if cursor is None or cursor[0] != query:
                return errors(400, "PARAMETER_VALIDATION_ERROR", "continuation token is not valid for this query")
            offset = cursor[1]
        ordered = sorted(rows, key=lambda r: (r.get("lastUpdated") or "", str(r.get("invoiceId") or r["externalCode"])))
        page = ordered[offset : offset + size]
        if not page:
            return Response(status=404)
        token = None
        if offset + size < len(ordered):
            token = uuid.uuid4().hex  # a place in a list, not a secret
            state.cursors[token] = (query, offset + size)
    body = {key: page}
    if redirect:
        return _stored(state, body, token)
    headers = {CONTINUATION: token} if token else {}
    return Response(json.dumps(body), status=200, content_type="application/json", headers=headers)


def _stored(state: BaswareState, body: dict[str, Any], token: str | None) -> Response:
    key = uuid.uuid4().hex  # where the answer is stored, not a secret
    with state.lock:
        state.results[key] = (json.dumps(body).encode(), token)
    return Response(status=302, headers={"Location": f"{RESULTS}/{key}"})


def register_subscriptions(sim: Simulator, subscribers: list[dict[str, Any]]) -> None:
    """`POST /v1/subscriptions` (push notification API): each webhook subscription is checked with a ConnectionTest
    notification, which must answer 200, before it is kept."""

    @Routes(sim).post("/v1/subscriptions")
    def subscribe():
        items = json.loads(request.get_data() or b"null")
        required = ("taskType", "subscriptionType", "notificationWebhookURL", "webhookAuthenticationToken")
        if not isinstance(items, list) or any(not isinstance(i, dict) or any(not i.get(f) for f in required)
                                              for i in items):  # fmt: skip
            body = {"error": "invalid_request", "error_description": f"each subscription needs {', '.join(required)}"}
            return Response(json.dumps(body), status=400, content_type="application/json")
        for item in items:
            probe = {"taskId": str(uuid.uuid4()), "taskStatus": "New", "taskType": "ConnectionTest", "documentId": ""}
            answer = _post(item, probe)
            if answer != 200:
                body = {"message": f"ConnectionTest to the webhook URL answered {answer}, expected 200"}
                return Response(json.dumps(body), status=400, content_type="application/json")
        out = [{**i, "lastUpdated": stamp(datetime.now(UTC))} for i in items]
        subscribers.extend(out)
        return Response(json.dumps(out), status=200, content_type="application/json")


def notify(subscribers: list[dict[str, Any]], task_type: str, document_id: str, sub_type: str = WAITING) -> list[int]:
    """Push one notification to every subscriber of `task_type` (as Basware does when a document waits): the
    answers' statuses."""
    payload = {"taskId": str(uuid.uuid4()), "taskStatus": "New", "taskType": task_type, "taskSubType": sub_type,
               "documentId": document_id}  # fmt: skip
    return [_post(s, payload) for s in subscribers if s["taskType"] == task_type]


def _post(subscription: dict[str, Any], payload: dict[str, Any]) -> int:
    """POST a notification signed with HMAC-SHA256 of the raw body under the subscription's token."""
    body = json.dumps(payload).encode()
    key = subscription["webhookAuthenticationToken"].encode()
    signature = hmac.new(key, body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature}
    try:
        return httpx.post(subscription["notificationWebhookURL"], content=body, headers=headers, timeout=10).status_code
    except httpx.TransportError:
        return 0
