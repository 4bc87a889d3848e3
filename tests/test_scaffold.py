"""The shared simulator scaffold: token endpoint (Basic, form, JSON), expiry, revocation, scopes, per-client 429s
with Retry-After, seeded faults counted, readiness and a clean stop, over real loopback HTTP."""

from __future__ import annotations

import httpx
import pytest

from sandbox.scaffold import ApiFaults, OAuth2Issuer, Simulator, json_response

CLIENTS = {"one": "one-secret", "two": "two-secret"}


class Echo(Simulator):
    """A two-route simulator with its own error shape."""

    def __init__(self, issuer: OAuth2Issuer, **options):
        super().__init__("echo", issuer=issuer, **options)
        self.route("/items/<int:item_id>", lambda item_id: json_response({"id": item_id}, 200), scope="items.read")
        self.route(
            "/items/<int:item_id>", lambda item_id: json_response({}, 204), methods=("PUT",), scope="items.write"
        )

    def error(self, status: int, message: str):
        return json_response({"message": message, "code": status}, status)


def _issuer(**options) -> OAuth2Issuer:
    return OAuth2Issuer(CLIENTS, scopes=("items.read", "items.write"), **options)


def _token(sim: Echo, client: str = "one", **fields) -> str:
    body = {"grant_type": "client_credentials", "client_id": client, "client_secret": CLIENTS[client], **fields}
    answer = httpx.post(sim.base_url + sim.issuer.path, data=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def _get(sim: Echo, token: str, path: str = "/items/1") -> httpx.Response:
    return httpx.get(sim.base_url + path, headers={"Authorization": f"Bearer {token}"})


def test_client_authentication_by_basic_form_and_json():
    with Echo(_issuer(path="/v1/tokens", client_auth=("basic", "json"))) as sim:
        url = sim.base_url + "/v1/tokens"
        basic = httpx.post(url, data={"grant_type": "client_credentials"}, auth=("one", "one-secret"))
        assert basic.status_code == 200 and basic.json()["token_type"] == "bearer"
        two = {"grant_type": "client_credentials", "client_id": "two", "client_secret": "two-secret"}
        json_body = httpx.post(url, json=two)
        assert json_body.status_code == 200 and json_body.headers["Cache-Control"] == "no-store"
        form = {"grant_type": "client_credentials", "client_id": "one", "client_secret": "one-secret"}
        assert httpx.post(url, data=form).status_code == 401  # form credentials not accepted here
        assert httpx.post(url, data={"grant_type": "password"}, auth=("one", "one-secret")).status_code == 400
        wrong = httpx.post(url, data={"grant_type": "client_credentials"}, auth=("one", "two-secret"))
        assert wrong.status_code == 401 and wrong.json() == {
            "error": "invalid_client",
            "error_description": "Client authentication failed",
        }


def test_required_params_scopes_and_extra_answer_fields():
    class WithInstance(OAuth2Issuer):
        def answer(self, token, grant):
            return {**super().answer(token, grant), "instance_url": "http://here"}

    issuer = WithInstance(CLIENTS, scopes=("items.read", "items.write"), require_scope=True,
                          params={"audience": "https://api.example/"}, ttl=None, token_type="Bearer")  # fmt: skip
    with Echo(issuer) as sim:
        url = sim.base_url + issuer.path
        base = {"grant_type": "client_credentials", "client_id": "one", "client_secret": "one-secret"}
        assert httpx.post(url, json={**base, "scope": "items.read"}).json()["error"] == "invalid_request"
        good = {**base, "audience": "https://api.example/"}
        assert httpx.post(url, json=good).json()["error_description"] == "scope is required"
        assert httpx.post(url, json={**good, "scope": "everything"}).json()["error"] == "invalid_scope"
        answer = httpx.post(url, json={**good, "scope": "items.read"}).json()
        assert answer["instance_url"] == "http://here" and "expires_in" not in answer
        assert answer["scope"] == "items.read" and answer["token_type"] == "Bearer"
        token = answer["access_token"]
        assert _get(sim, token).json() == {"id": 1}
        refused = httpx.put(sim.base_url + "/items/1", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 403 and refused.json()["code"] == 403  # the simulator's own error shape


def test_expired_and_revoked_tokens_answer_401():
    with Echo(_issuer(ttl=0)) as sim:
        expired = _get(sim, _token(sim))
        assert expired.status_code == 401 and expired.headers["WWW-Authenticate"].startswith("Bearer")
    with Echo(_issuer()) as sim:
        token = _token(sim)
        assert _get(sim, token).status_code == 200
        sim.revoke_tokens()
        assert _get(sim, token).status_code == 401
        assert _get(sim, _token(sim)).status_code == 200
        assert sim.stats["unauthorized"] == 1 and sim.stats["token_requests"] == 2


def test_rate_limit_is_per_client_with_retry_after():
    with Echo(_issuer(), rate_limit_per_s=0.5, burst=1) as sim:
        one, two = _token(sim, "one"), _token(sim, "two")
        assert _get(sim, one).status_code == 200
        limited = _get(sim, one)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert limited.json() == {"message": "Rate limit exceeded", "code": 429}
        assert _get(sim, two).status_code == 200  # another client has its own budget
        assert sim.faults_fired()["rate_limited"] == 1


def test_faults_are_seeded_and_counted():
    def run() -> tuple[list[int], dict[str, int]]:
        faults = ApiFaults(seed=5, revoke_tokens_at=(4,), error_rate=0.2, errors_at=(1,), slow_rate=0.2,
                           slow_seconds=0.001)  # fmt: skip
        with Echo(_issuer(), faults=faults) as sim:
            token = _token(sim)
            statuses = [_get(sim, token).status_code for _ in range(30)]
            return statuses, sim.faults_fired()

    statuses, fired = run()
    assert (statuses, fired) == run()  # the same seed, the same faults
    assert statuses[0] >= 500 and statuses[1] >= 500  # the burst planted at request 1
    assert 200 not in statuses[3:] and fired["token_revocations"] == 1  # revoked at request 4, never renewed
    assert fired["server_errors"] == sum(1 for s in statuses if s >= 500) >= 2
    assert fired["slow_answers"] >= 1 and fired["unauthorized"] == statuses.count(401)


def test_ready_on_enter_and_port_closed_on_exit():
    sim = Echo(_issuer())
    with pytest.raises(RuntimeError, match="not running"):
        sim.base_url  # noqa: B018
    with sim:
        url = sim.base_url
        assert httpx.get(url + "/_scaffold/ready").text == "ready"
        assert url.startswith("http://127.0.0.1:")
    with pytest.raises(httpx.TransportError):
        httpx.get(url + "/_scaffold/ready", timeout=1)
