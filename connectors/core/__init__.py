"""The shared connector core: authorized httpx calls with retries, pagination strategies, watermarks, safe logs."""

from connectors.core.auth import BasicCredentials, ClientCredentials, TokenProvider
from connectors.core.client import ApiClient
from connectors.core.errors import ApiError, AuthenticationError, RetriesExhausted
from connectors.core.logs import log_event, redact
from connectors.core.pagination import (
    body_next,
    json_field,
    json_list,
    link_header_next,
    paginate_continuation_header,
    paginate_next_link,
    paginate_offset,
    paginate_pages,
)
from connectors.core.retry import RetryPolicy, retry_after_seconds
from connectors.core.watermark import later, load_watermark, parse_timestamp, save_watermark

__all__ = [
    "ApiClient",
    "ApiError",
    "AuthenticationError",
    "BasicCredentials",
    "ClientCredentials",
    "RetriesExhausted",
    "RetryPolicy",
    "TokenProvider",
    "body_next",
    "json_field",
    "json_list",
    "later",
    "link_header_next",
    "load_watermark",
    "log_event",
    "paginate_continuation_header",
    "paginate_next_link",
    "paginate_offset",
    "paginate_pages",
    "parse_timestamp",
    "redact",
    "retry_after_seconds",
    "save_watermark",
]
