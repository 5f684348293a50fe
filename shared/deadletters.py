"""The dead-letter stream read back: list what failed, send entries back to be tried again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from pydantic import ValidationError
from redis.asyncio import Redis

from shared.batch import MAX_DEAD_PAYLOAD_CHARS
from shared.schemas import DeadLetter
from shared.wire import PAYLOAD_FIELD

_RAW_FIELD = PAYLOAD_FIELD.encode()


@dataclass(frozen=True, slots=True)
class StoredDeadLetter:
    """A dead letter with its own entry id in the dead-letter stream."""

    id: str
    letter: DeadLetter


class RetryRefused(Exception):
    """A dead letter that cannot be sent back, and why."""


async def list_dead_letters(
    client: Redis, stream: str, limit: int = 1000
) -> list[StoredDeadLetter]:
    """The oldest `limit` dead letters; entries that are not dead letters are skipped."""
    entries = cast(
        "list[tuple[bytes, dict[bytes, bytes]]]", await client.xrange(stream, count=limit)
    )
    found = []
    for entry_id, fields in entries:
        try:
            letter = DeadLetter.model_validate_json(fields.get(_RAW_FIELD, b""))
        except ValidationError:
            continue
        found.append(StoredDeadLetter(entry_id.decode(), letter))
    return found


async def retry_dead_letter(client: Redis, dead_stream: str, stored: StoredDeadLetter) -> str:
    """Publish the original entry to its stream again and drop the dead letter, atomically.

    Returns the new entry's id in the source stream. Raises RetryRefused when the payload was
    cut when it was dead-lettered (it could only fail again).
    """
    letter = stored.letter
    if any(len(v) >= MAX_DEAD_PAYLOAD_CHARS for v in (letter.payload, *letter.fields.values())):
        msg = f"its payload was cut at {MAX_DEAD_PAYLOAD_CHARS:,} characters"
        raise RetryRefused(msg)
    # The entry as it was: its other fields, and `__data__` unless it had none.
    entry = dict(letter.fields)
    if letter.payload or not entry:
        entry[PAYLOAD_FIELD] = letter.payload
    async with client.pipeline(transaction=True) as pipe:
        pipe.xadd(letter.stream, {name: value.encode() for name, value in entry.items()})
        pipe.xdel(dead_stream, stored.id)
        new_id, _ = await pipe.execute()
    return str(new_id.decode() if isinstance(new_id, bytes) else new_id)
