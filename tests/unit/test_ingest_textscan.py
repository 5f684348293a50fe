from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.ingest.textscan import may_hold_controls

# What the guard stands for: the characters the cleaners remove.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_EDGES = st.sampled_from(
    [
        *("\x00", "\x08", "\t", "\n", "\r", "\x0b", "\x1f", "\x7f", "\x80", "\x85", "\x9f"),
        *("\xa0", "\ud800", "\udfff", "\ufffd", "\ufffe", "\uffff", "\U0001f600", "é", "€", "a"),
    ]
)
_ANY_CHARACTER = st.characters(exclude_categories=())


@given(st.text(alphabet=st.one_of(_EDGES, _ANY_CHARACTER)))
def test_the_guard_says_exactly_when_unwanted_characters_are_there(text: str) -> None:
    assert may_hold_controls(text) == bool(_UNWANTED.search(text))


@pytest.mark.parametrize("text", ["plain ascii\n\twith tabs\r\n", "café — naïve ☕ 😀", ""])
def test_clean_text_needs_no_removal(text: str) -> None:
    assert not may_hold_controls(text)


@pytest.mark.parametrize("text", ["a\x00b", "naïve\x85", "x\ud83dy", "end\uffff", "del\x7f"])
def test_each_kind_of_unwanted_character_is_seen(text: str) -> None:
    assert may_hold_controls(text)
