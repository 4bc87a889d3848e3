"""BaswareSandbox: the Basware P2P simulator on the shared scaffold (sandbox.scaffold: the token endpoint
`POST /v1/tokens` with HTTP Basic client id and secret, bearer or HTTP Basic checks on the API, seeded faults,
loopback server), serving the
routes of sandbox.basware.api and sandbox.basware.imports with Basware's ResponseEntityList errors."""

from __future__ import annotations

from flask import Response

from sandbox.basware.api import BaswareState, errors, notify, register, register_subscriptions
from sandbox.basware.generator import BaswareDataset
from sandbox.basware.imports import Imports
from sandbox.basware.imports import register as register_imports
from sandbox.scaffold import ApiFaults, OAuth2Issuer, Simulator

# the guard's answers in Basware's words: (code, type) of the ResponseEntityList error
GUARD_ERRORS = {401: ("ACCESS_TOKEN_VALIDATION_ERROR", "SECURITY"), 403: ("ACCESS_TOKEN_VALIDATION_ERROR", "SECURITY")}


class BaswareSandbox(Simulator):
    """`with BaswareSandbox(dataset, client_id=..., client_secret=...) as api: api.base_url`; `api.state` is live,
    `api.imports` holds the vendors, accounts and cost centres imported into it, `api.subscribers` the webhook
    subscriptions.
    Tokens last `token_ttl` seconds; `faults` and `rate_limit_per_s` are the scaffold's knobs (Basware documents
    no 429, so none by default)."""

    def __init__(
        self,
        dataset: BaswareDataset,
        *,
        client_id: str,
        client_secret: str,
        token_ttl: int = 3600,
        faults: ApiFaults | None = None,
        rate_limit_per_s: float | None = None,
        port: int = 0,
    ):
        issuer = OAuth2Issuer(
            {client_id: client_secret}, path="/v1/tokens", client_auth=("basic",), ttl=token_ttl, token_type="Bearer",
            api_basic=True,  # the API takes the client's id and secret as HTTP Basic too, instead of a token
        )  # fmt: skip
        super().__init__("basware_sandbox", issuer=issuer, rate_limit_per_s=rate_limit_per_s, faults=faults, port=port)
        self.state = BaswareState(dataset)
        self.imports = Imports({"vendors": dataset.vendors, "accounts": {}, "costCenters": {}})
        self.subscribers: list[dict] = []
        register(self, self.state)
        register_imports(self, self.state, self.imports)
        register_subscriptions(self, self.subscribers)

    def error(self, status: int, message: str) -> Response:
        code, kind = GUARD_ERRORS.get(status, ("UNEXPECTED_ERROR", "TECHNICAL"))
        return errors(status, code, message, kind)

    def notify(self, invoice_id: str) -> list[int]:
        """Tell every AccountingDocuments subscriber that the invoice waits (their answers' statuses)."""
        return notify(self.subscribers, "AccountingDocuments", invoice_id)
