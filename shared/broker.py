"""The one way services build their FastStream Redis broker and consumer subscriptions."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from faststream import FastStream
from faststream.redis import RedisBroker, StreamSub

from shared.metrics import ServiceMetrics
from shared.settings import Settings
from shared.wire import PlainJSONFormat

# Not FastStream's own "faststream" logger: that one carries its coloured handler and does not
# propagate, so its lines would bypass the structlog (JSON) renderer.
FASTSTREAM_LOGGER = logging.getLogger("newswire.faststream")


def make_broker(settings: Settings, metrics: ServiceMetrics | None = None) -> RedisBroker:
    """A broker speaking the plain-JSON wire format, logging through the project's logging.

    With `metrics`, FastStream's Prometheus middleware counts what its subscribers and
    publishers handle.
    """
    return RedisBroker(
        settings.require_redis_url(),
        message_format=PlainJSONFormat,
        logger=FASTSTREAM_LOGGER,
        middlewares=(metrics.middleware,) if metrics else (),
    )


def make_app(
    broker: RedisBroker,
    *,
    on_startup: Sequence[Callable[[], Any]] = (),
    after_startup: Sequence[Callable[[], Any]] = (),
    on_shutdown: Sequence[Callable[[], Any]] = (),
    after_shutdown: Sequence[Callable[[], Any]] = (),
) -> FastStream:
    """A service's FastStream app, logging through the project's logging."""
    return FastStream(
        broker,
        logger=FASTSTREAM_LOGGER,
        on_startup=on_startup,
        after_startup=after_startup,
        on_shutdown=on_shutdown,
        after_shutdown=after_shutdown,
    )


def group_batches(stream: str, group: str, settings: Settings, batch_size: int) -> StreamSub:
    """A consumer-group subscription that hands the handler up to `batch_size` entries at once.

    The project creates the group itself (at 0, see `ensure_group`) before the broker starts,
    so FastStream finds it existing and reads with `>`.
    """
    return StreamSub(
        stream,
        group=group,
        consumer=settings.consumer_name,
        batch=True,
        max_records=batch_size,
    )


def dead_letter_stream(settings: Settings) -> StreamSub:
    """The dead-letter stream as publishers write it: capped near `DEAD_LETTERS_MAXLEN`.

    redis-py's XADD trims approximately (`MAXLEN ~`), which costs nothing per write; the
    oldest dead letters go first once the cap is passed.
    """
    return StreamSub(settings.streams.dead, maxlen=settings.dead_letters_maxlen)
