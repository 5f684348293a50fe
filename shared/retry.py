"""Waiting out a Redis outage instead of dropping work that is already in hand."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.logging import get_logger

log = get_logger(__name__)

T = TypeVar("T")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError)
_FIRST_WAIT_S = 0.5
_LONGEST_WAIT_S = 10.0


async def while_unreachable(
    operation: Callable[[], Awaitable[T]], *, what: str, give_up_after_s: float
) -> T:
    """Run `operation`, retrying with backoff while Redis is unreachable, for a bounded time.

    The operation must be safe to repeat (the ledger's publish script is: it checks before
    it writes). After `give_up_after_s` the last error is raised.
    """
    waited = 0.0
    wait = _FIRST_WAIT_S
    while True:
        try:
            return await operation()
        except UNREACHABLE as exc:
            if waited >= give_up_after_s:
                raise
            log.warning(
                "redis unreachable, retrying", operation=what, error=str(exc), retry_in_s=wait
            )
            await anyio.sleep(wait)
            waited += wait
            wait = min(wait * 2, _LONGEST_WAIT_S)
