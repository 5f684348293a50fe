"""The wire format: one plain JSON event in the `__data__` field of each stream entry.

FastStream 0.7 writes its own binary envelope there by default, which consumers in other
languages cannot read. Passing `PlainJSONFormat` as the broker's `message_format` makes its
publishers write the bare JSON event and its subscribers read it back; no headers travel.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from faststream.redis.parser import MessageFormat

if TYPE_CHECKING:
    from fast_depends.library.serializer import SerializerProto
    from faststream._internal.basic_types import SendableMessage
    from faststream._internal.parser import CodecProto

PAYLOAD_FIELD = "__data__"


class PlainJSONFormat(MessageFormat):
    """Bare JSON body, no envelope: `redis-cli XRANGE` shows the event as it is."""

    __slots__ = ()

    @classmethod
    async def encode(
        cls,
        *,
        message: Sequence[SendableMessage] | SendableMessage,
        reply_to: str | None,
        headers: dict[str, Any] | None,
        correlation_id: str,
        serializer: SerializerProto | None = None,
        codec: CodecProto | None = None,
    ) -> bytes:
        """Encode the body with FastStream's codec (models become JSON), add nothing else."""
        built = await cls.build(
            message=message,
            reply_to=reply_to,
            headers=headers,
            correlation_id=correlation_id,
            serializer=serializer,
            codec=codec,
        )
        return built.data

    @classmethod
    def parse(cls, data: Any) -> tuple[bytes, dict[str, Any]]:
        """Hand the body on as UTF-8 bytes; never raise, so one bad entry cannot stall a batch.

        FastStream passes the field's bytes, or the entry's whole field mapping when it has no
        `__data__` field. Undecodable bytes are escaped and a field-less entry becomes empty;
        either then fails validation in the handler, which dead-letters it with the reason.
        """
        if not isinstance(data, bytes):
            return b"", {}
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("utf-8", "backslashreplace").encode(), {}
        return data, {}


def decode_entry(fields: Mapping[bytes, bytes] | None) -> Any:
    """An entry read with redis-py, decoded as a subscriber would hand it to its handler.

    JSON becomes Python values; anything else stays text, which validation then rejects with
    the reason (as it does for FastStream's subscribers).
    """
    data, _ = PlainJSONFormat.parse((fields or {}).get(PAYLOAD_FIELD.encode()))
    text = data.decode("utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value


@dataclass(frozen=True, slots=True)
class Entry:
    """One stream entry as read from Redis: its id and every field it has."""

    id: str
    fields: Mapping[bytes, bytes]

    @classmethod
    def read(cls, entry_id: bytes | str, fields: Mapping[bytes, bytes] | None) -> Entry:
        """An entry from the (id, fields) pair redis-py or FastStream hands over."""
        return cls(_text(entry_id), fields or {})

    def body(self) -> Any:
        """The event in `__data__`, decoded as a subscriber would (see `decode_entry`)."""
        return decode_entry(self.fields)

    def payload(self) -> str:
        """The `__data__` field as text ("" when the entry has none)."""
        return _text(self.fields.get(PAYLOAD_FIELD.encode(), b""))

    def other_fields(self) -> dict[str, str]:
        """Every field but `__data__`, as text (whatever a producer put beside the event)."""
        return {
            _text(name): _text(value)
            for name, value in self.fields.items()
            if _text(name) != PAYLOAD_FIELD
        }
