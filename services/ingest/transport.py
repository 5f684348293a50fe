"""The HTTP transport ingest fetches through: every connection goes to an address the network
policy checked, whatever asked for it (a feed, a redirect, an article page).

The check sits where connections are made, below httpx's connection pool: the URL keeps its
host name, so TLS verifies the certificate for that name and the pool keys connections by it
(a connection opened for one site behind a shared CDN address is never reused for another).
"""

from __future__ import annotations

from collections.abc import Iterable

import anyio
import httpcore
import httpx

from services.ingest.netpolicy import NetworkPolicy


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Opens connections to the addresses `policy` allows for a host, never to the name."""

    def __init__(
        self, policy: NetworkPolicy, network: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self._policy = policy
        self._network = network or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve and check `host` (AddressRefused if no address may be used), then connect
        to the allowed addresses in turn until one answers."""
        try:
            with anyio.fail_after(timeout):
                addresses = await self._policy.addresses(host, port)
        except TimeoutError as exc:
            msg = f"resolving {host} timed out"
            raise httpcore.ConnectTimeout(msg) from exc
        except OSError as exc:  # socket.gaierror: no such host
            raise httpcore.ConnectError(f"{host}: {exc}") from exc
        failure = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                return await self._network.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure

    async def sleep(self, seconds: float) -> None:
        """Wait between connection retries, as the wrapped backend does."""
        await self._network.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, pool: httpcore.AsyncConnectionPool) -> None:
        super().__init__()
        # httpx 0.28 (pinned) takes no network backend; its transport is a thin wrapper of
        # `_pool`, so swapping the pool in keeps httpx's error mapping and response streams.
        self._pool = pool


def guarded_transport(
    policy: NetworkPolicy,
    *,
    limits: httpx.Limits,
    network: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncBaseTransport:
    """httpx's transport with `limits`, whose connections `policy` checks first.

    `network` is what finally connects (default: real sockets; tests: a stub).
    """
    return _GuardedTransport(
        httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy, network),
        )
    )
