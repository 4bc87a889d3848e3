"""Pagination strategies over ApiClient: offset/limit, page numbers, next links, continuation-token headers.

Each helper yields one list of records per page, so callers can count pages or flatten them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from connectors.core.client import ApiClient
from connectors.core.errors import ApiError

Items = Callable[[httpx.Response], list[dict[str, Any]]]


def json_list(response: httpx.Response) -> list[dict[str, Any]]:
    """The body is a JSON array of records (the plain list shape)."""
    body = response.json()
    if not isinstance(body, list):
        raise ApiError(
            f"expected a JSON array from {response.request.url.path}, got {type(body).__name__}",
            status=response.status_code,
            path=response.request.url.path,
        )
    return body


def json_field(name: str) -> Items:
    """The records are the list under `name` in a JSON object envelope (e.g. "data", "records")."""

    def items(response: httpx.Response) -> list[dict[str, Any]]:
        return response.json().get(name) or []

    return items


def paginate_offset(
    client: ApiClient,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    limit: int,
    limit_param: str = "limit",
    offset_param: str = "offset",
    items: Items = json_list,
    empty_statuses: tuple[int, ...] = (),
) -> Iterator[list[dict[str, Any]]]:
    """`limit`/`offset` from 0; a short page is the last, so `limit` must not exceed the server's cap."""
    offset = 0
    while True:
        response = client.get(
            path, params={**(params or {}), limit_param: limit, offset_param: offset}, ok_statuses=empty_statuses
        )
        page = [] if response.status_code in empty_statuses else items(response)
        if page:
            yield page
        if len(page) < limit:
            return
        offset += len(page)


def paginate_pages(
    client: ApiClient,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    page_size: int,
    page_param: str = "page",
    size_param: str = "page_size",
    first_page: int = 1,
    items: Items = json_list,
    page_count: Callable[[httpx.Response], int | None] | None = None,
    empty_statuses: tuple[int, ...] = (),
) -> Iterator[list[dict[str, Any]]]:
    """Numbered pages; stops on an empty or short page, or after the last page `page_count` reports."""
    page_number = first_page
    while True:
        response = client.get(
            path, params={**(params or {}), page_param: page_number, size_param: page_size}, ok_statuses=empty_statuses
        )
        page = [] if response.status_code in empty_statuses else items(response)
        if page:
            yield page
        total = page_count(response) if page_count and page else None
        if len(page) < page_size or (total is not None and page_number - first_page + 1 >= total):
            return
        page_number += 1


def link_header_next(response: httpx.Response) -> str | None:
    """The RFC 8288 `Link: <...>; rel="next"` target, if any."""
    return response.links.get("next", {}).get("url")


def body_next(name: str) -> Callable[[httpx.Response], str | None]:
    """The next-page URL found under `name` in the JSON body (dotted for nesting, e.g. "metadata.pagination.next")."""

    def next_link(response: httpx.Response) -> str | None:
        node: Any = response.json()
        for part in name.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node or None

    return next_link


def paginate_next_link(
    client: ApiClient,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    items: Items = json_list,
    next_link: Callable[[httpx.Response], str | None] = link_header_next,
    empty_statuses: tuple[int, ...] = (),
) -> Iterator[list[dict[str, Any]]]:
    """Follow next links (absolute on the same host, or relative) until there is none."""
    target: str | None = path
    query: Mapping[str, Any] | None = params
    while target:
        response = client.get(target, params=query, ok_statuses=empty_statuses)
        if response.status_code in empty_statuses:
            return
        page = items(response)
        if page:
            yield page
        target, query = next_link(response), None


def paginate_continuation_header(
    client: ApiClient,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    header: str = "x-amz-meta-continuationtoken",
    items: Items = json_list,
    empty_statuses: tuple[int, ...] = (),
) -> Iterator[list[dict[str, Any]]]:
    """Same query each time; the response header `header` carries the token to send back as a request header."""
    token: str | None = None
    while True:
        response = client.get(
            path, params=params, headers={header: token} if token else None, ok_statuses=empty_statuses
        )
        if response.status_code in empty_statuses:
            return
        page = items(response)
        if page:
            yield page
        token = response.headers.get(header)
        if not token:
            return
