"""What every consuming handler does first: validate the batch and dead-letter the bad entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from faststream.redis.message import RedisBatchStreamMessage
from faststream.redis.publisher.usecase import StreamPublisher
from redis.asyncio import Redis

from shared.batch import ModelT, split_batch
from shared.logging import get_logger
from shared.schemas import DeadLetter
from shared.settings import Settings
from shared.streams import ensure_group

log = get_logger(__name__)


async def accept_batch(
    items: Sequence[Any],
    message: RedisBatchStreamMessage,
    model: type[ModelT],
    *,
    stage: str,
    dead_letters: StreamPublisher,
) -> list[ModelT]:
    """The valid events of a batch; each invalid one is published as a dead letter and logged.

    Dead letters are published before the handler returns, so they are durable before the
    batch is acknowledged.
    """
    stream = message.raw_message["channel"]
    accepted, rejected = split_batch(items, message.raw_message["message_ids"], model)
    for bad in rejected:
        await dead_letters.publish(
            DeadLetter(
                article_id=bad.article_id,
                stage=stage,
                stream=stream,
                entry_id=bad.entry_id,
                error=bad.error,
                payload=bad.payload,
                failed_at=datetime.now(UTC),
            )
        )
        log.error(
            "entry rejected",
            article_id=bad.article_id,
            entry_id=bad.entry_id,
            stream=stream,
            stage=stage,
            error=bad.error,
        )
    return [item.event for item in accepted]


async def ensure_groups(settings: Settings, pairs: Sequence[tuple[str, str]]) -> None:
    """Create each (stream, group) at id 0 before any subscriber starts (see `ensure_group`)."""
    client = Redis.from_url(settings.require_redis_url())
    try:
        for stream, group in pairs:
            if await ensure_group(client, stream, group):
                log.info("consumer group created", stream=stream, group=group)
    finally:
        await client.aclose()
