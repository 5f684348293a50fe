"""Fetching a feed over HTTP: timeouts, a size cap, a redirect cap, conditional requests.

feedparser has no timeout and does its own networking badly, so it only ever sees the bytes
and headers fetched here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import anyio
import httpcore
import httpx

from services.ingest.netpolicy import AddressRefused, NetworkPolicy
from services.ingest.transport import guarded_transport

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How long, how large and how far a fetch may go."""

    connect_timeout: float
    total_timeout: float
    max_bytes: int
    max_redirects: int


@dataclass(frozen=True, slots=True)
class Fetched:
    """The final response of a fetch; `body` is read only for 200."""

    status: int
    url: str
    headers: Mapping[str, str]
    """Lower-cased names."""
    body: bytes
    permanent_redirect: str | None
    """Where the leading chain of 301/308 redirects led, if the fetch began with one."""


class FetchError(Exception):
    """A fetch that produced no usable response; the message says why."""


def make_client(
    limits: FetchLimits,
    *,
    user_agent: str,
    max_connections: int,
    policy: NetworkPolicy,
    network: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncClient:
    """The one HTTP client ingest shares across feeds (connection pooling, gzip, User-Agent).

    Every connection it opens goes to an address `policy` allowed; `network` is what connects
    (default: real sockets). With its own transport httpx ignores HTTP(S)_PROXY, which would
    otherwise connect on ingest's behalf to addresses the policy never saw.
    """
    return httpx.AsyncClient(
        transport=guarded_transport(
            policy, limits=httpx.Limits(max_connections=max_connections), network=network
        ),
        headers={"user-agent": user_agent},
        timeout=httpx.Timeout(limits.total_timeout, connect=limits.connect_timeout),
        # Redirects are followed here, hop by hop, to cap them and to see permanent moves.
        follow_redirects=False,
    )


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """The validators of the last response, sent back so an unchanged feed costs a 304."""
    headers = {}
    if etag:
        headers["if-none-match"] = etag
    if last_modified:
        headers["if-modified-since"] = last_modified
    return headers


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    limits: FetchLimits,
    headers: Mapping[str, str] | None = None,
    accept: str = "*/*",
) -> Fetched:
    """GET `url`, following at most `max_redirects` redirects, within the total timeout.

    Raises FetchError for network failures, timeouts, too many redirects, bodies over the cap
    and addresses the client's network policy refuses (at any hop).
    """
    try:
        with anyio.fail_after(limits.total_timeout):
            return await _follow(client, url, limits, {**(headers or {}), "accept": accept})
    except TimeoutError:
        msg = f"timed out after {limits.total_timeout:g} s"
        raise FetchError(msg) from None
    except httpx.HTTPError as exc:
        raise FetchError(_describe(exc)) from exc
    except AddressRefused as exc:
        raise FetchError(str(exc)) from exc


async def _follow(
    client: httpx.AsyncClient, url: str, limits: FetchLimits, headers: Mapping[str, str]
) -> Fetched:
    permanent: str | None = None
    still_permanent = True
    for _ in range(limits.max_redirects + 1):
        _check_scheme(url)
        async with client.stream("GET", url, headers=headers) as response:
            if response.status_code in _REDIRECTS and "location" in response.headers:
                target = urljoin(url, response.headers["location"])
                still_permanent = still_permanent and response.status_code in _PERMANENT
                if still_permanent:
                    permanent = target
                url = target
                continue
            body = (
                await _read_capped(response, limits.max_bytes)
                if response.status_code == 200
                else b""
            )
            return Fetched(
                status=response.status_code,
                url=url,
                headers={name.lower(): value for name, value in response.headers.items()},
                body=body,
                permanent_redirect=permanent,
            )
    msg = f"more than {limits.max_redirects} redirects"
    raise FetchError(msg)


def _check_scheme(url: str) -> None:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        msg = f"refusing to fetch {url!r}: not http(s)"
        raise FetchError(msg)


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    # Counted after decompression, so a small gzip bomb is caught as surely as a huge body.
    declared = response.headers.get("content-length", "")
    if (
        declared.isdigit()
        and "content-encoding" not in response.headers
        and int(declared) > max_bytes
    ):
        msg = f"body of {declared} bytes is over the {max_bytes}-byte limit"
        raise FetchError(msg)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            msg = f"body is over the {max_bytes}-byte limit"
            raise FetchError(msg)
        chunks.append(chunk)
    return b"".join(chunks)


def _describe(exc: httpx.HTTPError) -> str:
    # Several httpx errors (timeouts above all) carry an empty message; the class says enough.
    detail = str(exc).strip()
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
