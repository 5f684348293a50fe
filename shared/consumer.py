"""A consuming stage: validate a batch, dead-letter the bad entries, run the work on the rest.

The same `Stage` serves FastStream's subscriber (new entries) and the reclaimer (entries other
consumers left pending), so both paths validate, dead-letter and work alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic

from redis.asyncio import Redis

from shared.batch import MAX_DEAD_PAYLOAD_CHARS, ModelT, article_id_of, split_batch
from shared.logging import get_logger
from shared.schemas import DeadLetter
from shared.settings import Settings
from shared.streams import ensure_group
from shared.wire import Entry

log = get_logger(__name__)

DeadLetterSink = Callable[[DeadLetter], Awaitable[Any]]
"""Publishes one dead letter durably (to the dead-letter stream)."""

Failures = Mapping[int, str]
"""Events of a batch the work could not process on their own: position in the batch → why."""


class StageUnavailable(Exception):
    """The work cannot run now for a reason that is not its entries' (a lost lease, say).

    Such a failure is not counted against the entries: they stay pending and are not isolated
    or dead-lettered (see `shared.isolation`).
    """


@dataclass(frozen=True)
class Stage(Generic[ModelT]):
    """What a consumer group does with the entries of its input stream."""

    group: str
    stream: str
    model: type[ModelT]
    work: Callable[[list[ModelT]], Awaitable[Failures | None]]
    """Processes valid events and makes the output durable; raises if it could not. Events it
    names as failed (each alone, the rest done) become dead letters."""
    dead_letters: DeadLetterSink
    ready: Callable[[], Awaitable[bool]] | None = None
    """Whether what the work needs (a database, say) is reachable; None: always."""

    async def handle(self, entries: Sequence[Entry]) -> None:
        """Dead-letter the invalid entries, then run the work on the valid ones.

        Dead letters are published before this returns, and the work raises on failure, so a
        caller that acknowledges only after a normal return loses nothing.
        """
        by_id = {entry.id: entry for entry in entries}
        accepted, rejected = split_batch(
            [entry.body() for entry in entries], list(by_id), self.model
        )
        for bad in rejected:
            await self.dead_letter(by_id[bad.entry_id], bad.article_id, bad.error)
        if not accepted:
            return
        failed = await self.work([item.event for item in accepted]) or {}
        for position, error in sorted(failed.items()):
            item = accepted[position]
            await self.dead_letter(by_id[item.entry_id], article_id_of(item.event), error)

    async def dead_letter(self, entry: Entry, article_id: str | None, error: str) -> None:
        """Publish one entry, every field of it, as a dead letter of this stage, and log it."""
        await self.dead_letters(
            DeadLetter(
                article_id=article_id,
                stage=self.group,
                stream=self.stream,
                entry_id=entry.id,
                error=error,
                payload=entry.payload()[:MAX_DEAD_PAYLOAD_CHARS],
                fields={
                    name: value[:MAX_DEAD_PAYLOAD_CHARS]
                    for name, value in entry.other_fields().items()
                },
                failed_at=datetime.now(UTC),
            )
        )
        log.error(
            "entry dead-lettered",
            article_id=article_id,
            entry_id=entry.id,
            stream=self.stream,
            stage=self.group,
            error=error,
        )


async def ensure_groups(settings: Settings, pairs: Sequence[tuple[str, str]]) -> None:
    """Create each (stream, group) at id 0 before any subscriber starts (see `ensure_group`)."""
    client = Redis.from_url(settings.require_redis_url())
    try:
        for stream, group in pairs:
            if await ensure_group(client, stream, group):
                log.info("consumer group created", stream=stream, group=group)
    finally:
        await client.aclose()
