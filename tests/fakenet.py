"""A network that never touches one: a stub resolver and a backend of canned HTTP responses."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence

import httpcore

from services.ingest.netpolicy import IPAddress


class StubResolver:
    """Answers from a table and counts the lookups; a name not in it does not exist."""

    def __init__(self, table: Mapping[str, Sequence[str]]) -> None:
        self._table = {
            name: [ipaddress.ip_address(a) for a in found] for name, found in table.items()
        }
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.lookups.append(host)
        if host not in self._table:
            raise OSError(f"[Errno -2] Name or service not known: {host}")
        return self._table[host]


def http_response(
    body: bytes = b"", *, status: int = 200, headers: Mapping[str, str] | None = None
) -> bytes:
    """One HTTP/1.1 response as it comes off the wire; the connection closes after it."""
    lines = [f"HTTP/1.1 {status} Canned", f"content-length: {len(body)}", "connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class CannedNetwork(httpcore.AsyncNetworkBackend):
    """Connects to nothing: each address gets its canned response, and every address asked
    for is remembered. An address without a response cannot be reached."""

    def __init__(self, responses: Mapping[str, bytes]) -> None:
        self._responses = responses
        self.connected: list[str] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """A stream that reads back the response canned for `host`."""
        self.connected.append(host)
        if host not in self._responses:
            raise httpcore.ConnectError(f"{host} unreachable")
        return httpcore.AsyncMockStream([self._responses[host]])

    async def sleep(self, seconds: float) -> None:
        """Retries are not waited for."""
