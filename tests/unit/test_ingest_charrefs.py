"""Surrogate character references are repaired before feedparser sees them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.ingest.charrefs import repair_surrogate_references
from services.ingest.feedparse import parse_feed

_ANY_REFERENCE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")


@pytest.mark.parametrize(
    ("body", "repaired"),
    [
        (b"smile &#55357;&#56832;!", b"smile &#128512;!"),
        (b"&#xD83D;&#xde00;", b"&#128512;"),
        (b"lone high &#55357; then text", b"lone high &#65533; then text"),
        (b"lone low &#56832;", b"lone low &#65533;"),
        (b"apart &#55357; &#56832;", b"apart &#65533; &#65533;"),
        (b"two highs &#55357;&#55357;&#56832;", b"two highs &#65533;&#128512;"),
        (b"ordinary &#38; &#x2014; &amp;", b"ordinary &#38; &#x2014; &amp;"),
    ],
)
def test_surrogate_references(body: bytes, repaired: bytes) -> None:
    assert repair_surrogate_references(body) == repaired


def _codes(body: bytes) -> list[int]:
    return [int(h, 16) if h else int(d) for h, d in _ANY_REFERENCE.findall(body)]


@given(
    st.lists(
        st.one_of(
            st.text(alphabet="ab <>&;#x", max_size=5).map(str.encode),
            st.integers(0xD700, 0xE100).map(lambda n: b"&#%d;" % n),
            st.integers(0xD700, 0xE100).map(lambda n: b"&#x%X;" % n),
        ),
        max_size=12,
    )
)
def test_no_surrogate_reference_survives(parts: list[bytes]) -> None:
    repaired = repair_surrogate_references(b"".join(parts))
    assert not [c for c in _codes(repaired) if 0xD800 <= c < 0xE000]
    assert repair_surrogate_references(repaired) == repaired


def test_a_feed_with_a_surrogate_pair_keeps_every_item() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Feed</title>
<item><title>Party time &#55357;&#56832;</title><link>https://news.example.com/a</link></item>
<item><title>Broken half &#55357; here</title><link>https://news.example.com/b</link></item>
<item><title>Innocent item</title><link>https://news.example.com/c</link></item>
</channel></rss>"""
    document = parse_feed(body, headers={})
    assert [item.title for item in document.items] == [
        "Party time \U0001f600",
        "Broken half \ufffd here",
        "Innocent item",
    ]
