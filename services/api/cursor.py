"""Opaque pagination cursors: the sort key of the last item a page returned.

A list is ordered newest first by a (time, id) pair; the next page asks for the items strictly
before the last pair it saw. Rows inserted meanwhile are either newer (never reached again) or
older (met in their place), so no item is repeated or skipped. The pair travels as URL-safe
base64 of a small JSON array: opaque to clients, checked strictly when it comes back.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

# Longer than any real cursor (a timestamp and an id); refuses huge inputs before decoding.
MAX_CURSOR_CHARS = 2_048


class CursorError(ValueError):
    """A cursor that this API did not issue (or that was altered)."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """The sort key of the last item of a page: its timestamp text and its id."""

    at: str
    id: str


def encode_cursor(cursor: Cursor) -> str:
    """The cursor as opaque URL-safe text (no padding)."""
    raw = json.dumps([cursor.at, cursor.id], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(text: str) -> Cursor:
    """The cursor `encode_cursor` gave as `text`; `CursorError` for anything else."""
    if not text or len(text) > MAX_CURSOR_CHARS:
        raise CursorError("cursor is empty or too long")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        value = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise CursorError("cursor is not one this API issued") from error
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(part, str) for part in value)
    ):
        raise CursorError("cursor is not one this API issued")
    cursor = Cursor(value[0], value[1])
    # One text per cursor: a second spelling of the same pair is refused, so tests of the
    # round trip are exact and a cursor cannot be padded to smuggle other bytes in.
    if encode_cursor(cursor) != text:
        raise CursorError("cursor is not one this API issued")
    return cursor
