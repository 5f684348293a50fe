"""Pagination cursors: every cursor issued comes back as itself; anything else is refused."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.api.cursor import MAX_CURSOR_CHARS, Cursor, CursorError, decode_cursor, encode_cursor

pairs = st.builds(Cursor, st.text(max_size=60), st.text(max_size=200))


@given(pairs)
def test_round_trip(cursor: Cursor) -> None:
    text = encode_cursor(cursor)
    assert decode_cursor(text) == cursor
    assert text.isascii()
    assert "=" not in text  # no padding: nothing to escape in a query string


@given(st.text(max_size=80))
def test_garbage_is_refused_or_is_a_cursor_that_encodes_to_itself(text: str) -> None:
    try:
        cursor = decode_cursor(text)
    except CursorError:
        return
    assert encode_cursor(cursor) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "!!!",
        "WyJ4Il0",  # ["x"]: one part
        "eyJhIjoxfQ",  # {"a":1}
        base64.urlsafe_b64encode(b'["a",1]').decode().rstrip("="),
        base64.urlsafe_b64encode(b"\xff\xfe").decode().rstrip("="),
        base64.urlsafe_b64encode(b'[ "a", "b" ]').decode().rstrip("="),  # another spelling
        encode_cursor(Cursor("2026-06-17T08:00:00.000000+00:00", "a1")) + "==",
        "A" * (MAX_CURSOR_CHARS + 1),
    ],
)
def test_known_bad_cursors_are_refused(text: str) -> None:
    with pytest.raises(CursorError, match="cursor"):
        decode_cursor(text)
