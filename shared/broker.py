"""The one way services build their FastStream Redis broker and consumer subscriptions."""

from __future__ import annotations

import logging

from faststream.redis import RedisBroker, StreamSub

from shared.settings import Settings
from shared.wire import PlainJSONFormat


def make_broker(settings: Settings) -> RedisBroker:
    """A broker speaking the plain-JSON wire format, logging through the project's logging."""
    return RedisBroker(
        settings.require_redis_url(),
        message_format=PlainJSONFormat,
        logger=logging.getLogger("faststream"),
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
