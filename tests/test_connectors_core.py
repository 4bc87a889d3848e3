"""The shared connector core against real loopback servers: tokens, 401 refresh, retries, pagination, logs."""

from __future__ import annotations

import logging
import time
from collections import Counter

import httpx
import pytest
from flask import Flask, Response, jsonify, request

from connectors.core import (
    ApiClient,
    ApiError,
    AuthenticationError,
    ClientCredentials,
    RetriesExhausted,
    RetryPolicy,
    body_next,
    json_field,
    later,
    load_watermark,
    paginate_continuation_header,
    paginate_next_link,
    paginate_offset,
    paginate_pages,
    redact,
    retry_after_seconds,
    save_watermark,
)
from qbwc_bridge.serving import BackgroundServer

SECRET = "s3cr3t-client-secret"
RECORDS = [{"id": i} for i in range(1, 8)]


class Scripted:
    """A loopback API whose /data answers follow a script (status, headers) and then succeed."""

    def __init__(self, script=(), expires_in=3600, reject_tokens=0):
        self.script = list(script)
        self.expires_in = expires_in
        self.reject_tokens = reject_tokens
        self.hits = Counter()
        self.issued: list[str] = []
        self.app = self._app()

    def _app(self) -> Flask:
        app = Flask("scripted")

        @app.post("/token")
        def token():
            self.hits["token"] += 1
            if request.form.get("client_secret") != SECRET:
                return jsonify(error="invalid_client"), 401
            value = f"tok-{len(self.issued) + 1}-abcdef"
            self.issued.append(value)
            return jsonify(access_token=value, token_type="bearer", expires_in=self.expires_in)

        @app.get("/data")
        def data():
            self.hits["data"] += 1
            bearer = request.headers.get("Authorization", "")
            if self.issued.index(bearer.removeprefix("Bearer ")) < self.reject_tokens:
                return jsonify(error="invalid_token"), 401
            if self.script:
                status, headers = self.script.pop(0)
                return Response("busy", status=status, headers=headers)
            return jsonify([{"ok": True}])

        @app.get("/slow")
        def slow():
            time.sleep(0.3)
            return jsonify([])

        @app.get("/offset")
        def offset():
            start, size = int(request.args["offset"]), int(request.args["limit"])
            return jsonify(RECORDS[start : start + size])

        @app.get("/pages")
        def pages():
            page, size = int(request.args["page"]), int(request.args["page_size"])
            chunk = RECORDS[(page - 1) * size : page * size]
            return jsonify(data=chunk, num_pages=-(-len(RECORDS) // size))

        @app.get("/linked")
        def linked():
            start = int(request.args.get("start", 0))
            headers = {"Link": f'</linked?start={start + 3}>; rel="next"'} if start + 3 < len(RECORDS) else {}
            return jsonify(RECORDS[start : start + 3]), 200, headers

        @app.get("/body-linked")
        def body_linked():
            start = int(request.args.get("start", 0))
            nxt = f"{request.host_url}body-linked?start={start + 3}" if start + 3 < len(RECORDS) else None
            return jsonify(records=RECORDS[start : start + 3], meta={"next": nxt})

        @app.get("/continued")
        def continued():
            start = int(request.headers.get("x-amz-meta-continuationtoken", "0"))
            headers = {"x-amz-meta-continuationtoken": str(start + 3)} if start + 3 < len(RECORDS) else {}
            return jsonify(RECORDS[start : start + 3]), 200, headers

        @app.get("/empty")
        def empty():
            return jsonify(error="no records"), 404

        return app


@pytest.fixture
def serve():
    servers = []

    def start(api: Scripted) -> str:
        servers.append(BackgroundServer(api.app).start())
        return servers[-1].url

    yield start
    for server in servers:
        server.stop()


def make_client(
    url: str,
    sleeps: list[float] | None = None,
    *,
    max_attempts=4,
    cap=30.0,
    timeout=5.0,
    refresh_ahead=1 / 6,
    secret=SECRET,
) -> ApiClient:
    policy = RetryPolicy(
        max_attempts=max_attempts, base=0.01, cap=cap, sleep=(sleeps.append if sleeps is not None else lambda s: None)
    )
    token = ClientCredentials(
        f"{url}/token", "client-1", secret, scopes=["read"], source="test", retry=policy, refresh_ahead=refresh_ahead
    )
    return ApiClient(url, source="test", token=token, retry=policy, timeout=timeout)


def test_token_cached_until_refresh_window(serve):
    api = Scripted(expires_in=3600)
    with make_client(serve(api)) as client:
        client.get("/data")
        client.get("/data")
    assert api.hits["token"] == 1
    api = Scripted(expires_in=3600)
    with make_client(serve(api), refresh_ahead=1.0) as client:  # the whole lifetime is "ahead": always renew
        client.get("/data")
        client.get("/data")
    assert api.hits["token"] == 2


def test_401_refreshes_the_token_once(serve):
    api = Scripted(reject_tokens=1)
    with make_client(serve(api)) as client:
        assert client.get("/data").json() == [{"ok": True}]
    assert api.hits["token"] == 2
    assert api.hits["data"] == 2


def test_401_after_a_fresh_token_fails_clearly(serve):
    api = Scripted(reject_tokens=99)
    with make_client(serve(api)) as client, pytest.raises(AuthenticationError, match="401 even with a fresh token"):
        client.get("/data")
    assert api.hits["token"] == 2


def test_bad_client_secret_is_an_authentication_error(serve):
    api = Scripted()
    with make_client(serve(api), secret="wrong") as client, pytest.raises(AuthenticationError, match="invalid_client"):
        client.get("/data")


def test_429_waits_what_retry_after_says_capped(serve):
    sleeps: list[float] = []
    api = Scripted(script=[(429, {"Retry-After": "7"}), (429, {"Retry-After": "120"})])
    with make_client(serve(api), sleeps) as client:
        assert client.get("/data").status_code == 200
    assert sleeps == [7.0, 30.0]


def test_5xx_burst_recovers_with_jittered_backoff(serve):
    sleeps: list[float] = []
    api = Scripted(script=[(503, {}), (502, {}), (500, {})])
    with make_client(serve(api), sleeps, max_attempts=4, cap=2.0) as client:
        assert client.get("/data").json() == [{"ok": True}]
    assert len(sleeps) == 3
    assert all(0 <= s <= 2.0 for s in sleeps)


def test_attempts_exhausted_is_a_clear_error(serve):
    api = Scripted(script=[(503, {})] * 10)
    with make_client(serve(api), max_attempts=3) as client, pytest.raises(RetriesExhausted) as caught:
        client.get("/data", params={"q": "x"})
    assert str(caught.value) == "test GET /data failed after 3 attempts: last answer HTTP 503"
    assert caught.value.attempts == 3
    assert api.hits["data"] == 3


def test_timeouts_are_retried_then_reported(serve):
    api = Scripted()
    with make_client(serve(api), max_attempts=2, timeout=0.05) as client, pytest.raises(RetriesExhausted) as caught:
        client.get("/slow")
    assert "ReadTimeout" in str(caught.value)


def test_other_4xx_fail_at_once_naming_the_call(serve):
    api = Scripted(script=[(422, {})])
    with make_client(serve(api)) as client, pytest.raises(ApiError, match="GET /data answered HTTP 422"):
        client.get("/data")
    assert api.hits["data"] == 1


def test_retry_after_http_date_and_garbage():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("2.5") == 2.5


def test_pagination_strategies(serve):
    api = Scripted()
    with make_client(serve(api)) as client:
        assert [len(p) for p in paginate_offset(client, "/offset", limit=3)] == [3, 3, 1]
        pages = list(
            paginate_pages(
                client, "/pages", page_size=3, items=json_field("data"), page_count=lambda r: r.json()["num_pages"]
            )
        )
        assert [r["id"] for p in pages for r in p] == list(range(1, 8))
        assert [len(p) for p in paginate_next_link(client, "/linked")] == [3, 3, 1]
        body = list(
            paginate_next_link(client, "/body-linked", items=json_field("records"), next_link=body_next("meta.next"))
        )
        assert [r["id"] for p in body for r in p] == list(range(1, 8))
        assert [len(p) for p in paginate_continuation_header(client, "/continued")] == [3, 3, 1]
        assert list(paginate_continuation_header(client, "/empty", empty_statuses=(404,))) == []


def test_next_link_to_another_host_is_refused(serve):
    api = Scripted()
    with make_client(serve(api)) as client, pytest.raises(ApiError, match="refused to follow"):
        client.get("http://evil.example.com/data")


def test_logs_never_carry_secrets_or_tokens(serve, caplog):
    api = Scripted(reject_tokens=1, script=[(503, {})])
    with caplog.at_level(logging.DEBUG), make_client(serve(api)) as client:
        client.get("/data")
    text = "\n".join(r.getMessage() + repr(getattr(r, "fields", "")) for r in caplog.records)
    assert "token.fetched" in text and "auth.token_rejected" in text and "http.retry" in text
    for secret in [SECRET, *api.issued]:
        assert secret not in text


def test_redact_masks_secret_names_and_url_queries():
    safe = redact(
        {
            "client_secret": "x",
            "nested": {"Authorization": "Bearer y"},
            "url": "https://u:p@h.example/p?access_token=z&a=1",
            "count": 3,
        }
    )
    assert safe == {
        "client_secret": "***",
        "nested": {"Authorization": "***"},
        "url": "https://h.example/p?access_token=%2A%2A%2A&a=1",
        "count": 3,
    }


def test_watermarks_round_trip(warehouse):
    with warehouse.connect() as conn:
        assert load_watermark(conn, "coupa", "purchase_orders") is None
        save_watermark(conn, "coupa", "purchase_orders", "2024-05-01T10:00:00-07:00")
    with warehouse.connect() as conn:
        save_watermark(conn, "coupa", "purchase_orders", "2024-05-02T10:00:00-07:00")
        save_watermark(conn, "coupa", "invoices", "2024-01-01T00:00:00Z")
    with warehouse.connect() as conn:
        assert load_watermark(conn, "coupa", "purchase_orders") == "2024-05-02T10:00:00-07:00"
        assert load_watermark(conn, "coupa", "invoices") == "2024-01-01T00:00:00Z"


def test_later_compares_instants_not_text():
    assert later(None, "2024-05-01T10:00:00-07:00") == "2024-05-01T10:00:00-07:00"
    assert later("2024-05-01T16:00:00+00:00", "2024-05-01T10:00:00-07:00") == "2024-05-01T10:00:00-07:00"
    assert later("2024-05-01T18:00:00+00:00", "2024-05-01T10:00:00-07:00") == "2024-05-01T18:00:00+00:00"
    assert later("2024-05-01T18:00:00+00:00", None) == "2024-05-01T18:00:00+00:00"


def test_transport_errors_are_retried(serve):
    sleeps: list[float] = []
    with make_client("http://127.0.0.1:9", sleeps, max_attempts=2) as client, pytest.raises(RetriesExhausted):
        client.token = None
        client.get("/data")
    assert len(sleeps) == 1
    assert isinstance(httpx.ConnectError("x"), httpx.TransportError)


def test_default_policy_outlasts_three_bursts_back_to_back(serve):
    """The 10,000-record soak lost a landing to one GET that met three 2-answer 5xx bursts in a row (6 answers); the
    default policy's tries outlast that chain and another."""
    api = Scripted(script=[(502, {})] * 9)
    url, policy = serve(api), RetryPolicy(sleep=lambda s: None)
    token = ClientCredentials(f"{url}/token", "client-1", SECRET, scopes=["read"], source="test", retry=policy)
    with ApiClient(url, source="test", token=token, retry=policy) as client:
        assert client.get("/data").json() == [{"ok": True}]
    assert api.hits["data"] == 10
