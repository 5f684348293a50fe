"""The stories lease: at most one stories replica places articles at a time.

Clustering depends on arrival order, so a second replica must not read the same group. The
lease is a Redis key holding the owner's consumer name with an expiry; the owner renews it
well within the expiry. A replica without it waits, and takes over when the owner dies (the
key expires). An owner that fails to renew in time has lost it and stops.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.logging import get_logger
from shared.streams import StreamNames

log = get_logger(__name__)

# KEYS: lease key. ARGV: owner, ttl ms. Renews only a lease this owner holds.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# KEYS: lease key. ARGV: owner. Lets go only of a lease this owner holds.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def lease_key(streams: StreamNames) -> str:
    """The stories lease's key in this deployment."""
    return streams.key("stories", "lease")


class Lease:
    """One owner at a time for `key`, kept alive while held."""

    def __init__(self, client: Redis, key: str, owner: str, *, ttl_s: float) -> None:
        self._client = client
        self._key = key
        self._owner = owner
        self._ttl_ms = int(ttl_s * 1000)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._held = False

    async def held(self) -> bool:
        """Whether this replica holds the lease (a readiness check: a standby is not ready)."""
        return self._held

    async def acquire(self) -> None:
        """Wait until the lease is this replica's."""
        waiting = False
        while True:
            try:
                if await self._client.set(self._key, self._owner, nx=True, px=self._ttl_ms):
                    break
            except RedisError as exc:
                log.warning("stories lease unreachable", key=self._key, error=str(exc))
            if not waiting:
                owner = await self._owner_now()
                log.info("waiting for the stories lease", key=self._key, owner=owner)
                waiting = True
            await anyio.sleep(self._ttl_ms / 3000)
        self._held = True
        log.info("stories lease taken", key=self._key, owner=self._owner)

    async def _owner_now(self) -> str | None:
        try:
            value = await self._client.get(self._key)
        except RedisError:
            return None
        return value.decode() if isinstance(value, bytes) else value

    @asynccontextmanager
    async def kept(self, on_lost: Callable[[], None]) -> AsyncIterator[None]:
        """Renew the held lease during the block; call `on_lost` if it could not be; let go
        of it at the end."""
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._keep, on_lost)
                try:
                    yield
                finally:
                    tasks.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                try:
                    await self._release(keys=[self._key], args=[self._owner])
                except RedisError as exc:
                    log.warning("stories lease not released", key=self._key, error=str(exc))
                self._held = False

    async def _keep(self, on_lost: Callable[[], None]) -> None:
        deadline = anyio.current_time() + self._ttl_ms / 1000
        while True:
            await anyio.sleep(self._ttl_ms / 3000)
            try:
                renewed = await self._renew(keys=[self._key], args=[self._owner, self._ttl_ms])
            except RedisError as exc:
                log.warning("stories lease renewal failed", key=self._key, error=str(exc))
                renewed = 0 if anyio.current_time() > deadline else None
            if renewed is None:
                continue  # Redis unreachable, the lease not yet expired: try again
            if not renewed:
                self._held = False
                log.error("stories lease lost", key=self._key, owner=self._owner)
                on_lost()
                return
            deadline = anyio.current_time() + self._ttl_ms / 1000
