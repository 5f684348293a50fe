"""Each service's HTTP side door: `/healthz` (alive), `/readyz` (ready), `/metrics`.

A deliberately small HTTP/1.1 server on asyncio streams (GET only, one response per
connection), so the services need no web framework for three read-only endpoints.

- `/healthz`: 200 while the event loop answers (liveness).
- `/readyz`: 200 when every readiness check passes, else 503; the body is JSON naming each
  check and its result (Redis reachable, consumer group present, model loaded, database...).
- `/metrics`: Prometheus text format, stream gauges refreshed from Redis at scrape time.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from shared.logging import get_logger
from shared.metrics import ServiceMetrics
from shared.settings import Settings
from shared.streams import stream_stats

log = get_logger(__name__)

Check = Callable[[], Awaitable[bool]]
_READ_TIMEOUT_S = 5.0
_CHECK_TIMEOUT_S = 2.0
_MAX_HEADER_BYTES = 16_384


def redis_check(client: Redis) -> Check:
    """Ready when Redis answers PING."""

    async def reachable() -> bool:
        return bool(await client.ping())

    return reachable


def group_check(client: Redis, stream: str, group: str) -> Check:
    """Ready when `group` exists on `stream`."""

    async def present() -> bool:
        return group in {g.name for g in (await stream_stats(client, stream)).groups}

    return present


async def _run_check(check: Check) -> bool:
    try:
        return await asyncio.wait_for(check(), _CHECK_TIMEOUT_S)
    except Exception:
        return False


def _response(status: str, body: bytes, content_type: str) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class HealthServer:
    """Answers the three endpoints for one service."""

    def __init__(
        self,
        metrics: ServiceMetrics,
        checks: Mapping[str, Check],
        *,
        client: Redis,
        streams: Sequence[str],
    ) -> None:
        self._metrics = metrics
        self._checks = dict(checks)
        self._client = client
        self._streams = list(streams)

    def add_check(self, name: str, check: Check) -> None:
        """Add a readiness check (e.g. once the model is loaded)."""
        self._checks[name] = check

    async def readiness(self) -> dict[str, bool]:
        """Each check's result, by name."""
        results = await asyncio.gather(*(_run_check(c) for c in self._checks.values()))
        return dict(zip(self._checks, results, strict=True))

    async def respond(self, path: str) -> bytes:
        """The whole HTTP response for a GET of `path`."""
        if path == "/healthz":
            return _response("200 OK", b"ok\n", "text/plain; charset=utf-8")
        if path == "/readyz":
            results = await self.readiness()
            status = "200 OK" if all(results.values()) else "503 Service Unavailable"
            return _response(status, json.dumps(results).encode(), "application/json")
        if path == "/metrics":
            try:
                await self._metrics.refresh_streams(self._client, self._streams)
            except Exception as exc:
                log.warning("stream metrics unavailable", error=str(exc))
            return _response(
                "200 OK", self._metrics.exposition(), "text/plain; version=0.0.4; charset=utf-8"
            )
        return _response("404 Not Found", b"not found\n", "text/plain; charset=utf-8")

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection: read the request line and headers, answer, close."""
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _READ_TIMEOUT_S)
            if len(head) > _MAX_HEADER_BYTES:
                return
            method, _, rest = head.decode("latin-1").partition(" ")
            path = rest.partition(" ")[0].partition("?")[0]
            if method != "GET":
                writer.write(_response("405 Method Not Allowed", b"", "text/plain"))
            else:
                writer.write(await self.respond(path))
            await writer.drain()
        except (
            TimeoutError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ConnectionError,
        ):
            pass  # a client that hung up or never finished its request gets nothing
        finally:
            writer.close()


@asynccontextmanager
async def serving(
    server: HealthServer, host: str, port: int | None, *, service: str
) -> AsyncIterator[None]:
    """Serve `server` on `host`:`port` for the block (not at all when `port` is None).

    A port already taken (a second replica on one host) costs that replica its endpoints,
    not its work: it is logged and the service runs on.
    """
    if port is None:
        yield
        return
    try:
        listener = await asyncio.start_server(server.handle, host=host, port=port)
    except OSError as exc:
        log.warning("health endpoints not served", service=service, port=port, error=str(exc))
        yield
        return
    log.info("health endpoints served", service=service, host=host, port=port)
    try:
        yield
    finally:
        listener.close()
        await listener.wait_closed()


@asynccontextmanager
async def side_door(
    settings: Settings,
    metrics: ServiceMetrics,
    *,
    service: str,
    group: tuple[str, str] | None = None,
) -> AsyncIterator[HealthServer]:
    """A service's health server on `HEALTH_HOST`:`HEALTH_PORT`, checking Redis (and its group).

    Add the service's own checks (model loaded, database reachable) with `add_check`.
    """
    client = Redis.from_url(settings.require_redis_url())
    checks = {"redis": redis_check(client)}
    if group is not None:
        checks["group"] = group_check(client, *group)
    streams = settings.streams
    server = HealthServer(
        metrics,
        checks,
        client=client,
        streams=list(streams.all),
    )
    try:
        port = settings.health_port or None
        async with serving(server, settings.health_host, port, service=service):
            yield server
    finally:
        await client.aclose()
