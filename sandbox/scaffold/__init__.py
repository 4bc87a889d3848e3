"""The HTTP scaffold every cloud-system simulator stands on: loopback server, OAuth2 tokens, rate limit, faults.

A simulator subclasses `Simulator`, declares its token endpoint with an `OAuth2Issuer` and adds only its routes and
data; the scaffold puts the rate limit, the fault knobs, the bearer-token and scope checks in front of every route::

    from sandbox.scaffold import ApiFaults, OAuth2Issuer, Simulator, json_response

    class AcmeSandbox(Simulator):
        def __init__(self, data, *, client_id, client_secret, faults: ApiFaults | None = None, port: int = 0):
            issuer = OAuth2Issuer({client_id: client_secret}, path="/oauth/token", client_auth=("json",))
            super().__init__("acme", issuer=issuer, rate_limit_per_s=10, faults=faults, port=port)
            self.data = data
            self.route("/api/v1/bills", self._bills, scope=None)           # GET, guarded
            self.route("/api/v1/bills/<int:bill_id>", self._paid, methods=("PUT",))

        def _bills(self):                                                  # flask.request is the live request
            return json_response({"data": self.data}, 200)

        def error(self, status: int, message: str):                        # the system's own error shape
            return json_response({"message": message}, status)

    with AcmeSandbox(data, client_id="id", client_secret="s3cret", faults=ApiFaults.demo(seed=7)) as api:
        api.base_url            # http://127.0.0.1:<ephemeral port>, answering once `__enter__` returns
        api.revoke_tokens()     # every issued token now answers 401 (what a credential rotation does)
        api.faults_fired()      # {"rate_limited": n, "server_errors": n, "slow_answers": n, ...} for reports

Parts (each module's docstring has the details):
- `server.Simulator`: the Flask app on a waitress thread bound to 127.0.0.1 (port 0 = ephemeral), readiness polled
  on `GET /_scaffold/ready` before `__enter__` returns, clean stop on `__exit__`; `serve_forever()` for a CLI;
  `stats` (a Counter) and `calls` (the last 10,000 "METHOD /path?query" lines).
- `oauth.OAuth2Issuer`: client-credentials tokens at a configurable path, client authentication by HTTP Basic, form
  fields or a JSON body; optional scopes, required extra parameters (an `audience`), expiring tokens (`ttl`),
  `revoke_all()`; override `answer()` for extra fields in the token answer (Salesforce's `instance_url`).
- `ratelimit.RateLimiter`: a token bucket per client (the token's client id, else the caller's address); the
  guard answers 429 with `Retry-After` in whole seconds.
- `faults.ApiFaults`: seeded 5xx bursts, slow answers and token revocations mid-run; `ApiFaults.demo(seed)` is the
  mix `qbsync demo --faults` gives every simulator, `ApiFaults.preset(seed)` the operator's `--faults` mix.
"""

from sandbox.scaffold.faults import ApiFaults
from sandbox.scaffold.oauth import Grant, OAuth2Issuer
from sandbox.scaffold.ratelimit import RateLimiter
from sandbox.scaffold.server import Simulator, json_response

__all__ = ["ApiFaults", "Grant", "OAuth2Issuer", "RateLimiter", "Simulator", "json_response"]
