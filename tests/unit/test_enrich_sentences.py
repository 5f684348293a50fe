"""Sentence starts asked of one token agree with spaCy's sentencizer marking the whole doc."""

from __future__ import annotations

from functools import cache

import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.language import Language

from services.enrich.sentences import starts_sentence

# Words, sentence-final and other punctuation, quotes, brackets, abbreviations, line breaks and
# runs of spaces (which the tokenizer makes whitespace tokens of).
_PIECES = [
    "Talks", "went", "on", "U.S.", "Mr.", "said", "3.5", "—", "-", ",", ";", ":", ".", "!",
    "?", "...", "?!", '"', "'", "(", ")", "[", "]", "«", "»", "“", "”", "。", "\n", "\n\n",
    "  ", "\t", "e.g.", "Dr", "OK", "%",
]  # fmt: skip


@cache
def _sentencizer() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(["", " "])), max_size=40))
@settings(max_examples=400, deadline=None)
def test_every_token_agrees_with_the_sentencizer(pieces: list[tuple[str, str]]) -> None:
    doc = _sentencizer()("".join(piece + space for piece, space in pieces))
    assert [starts_sentence(doc, t.i) for t in doc] == [bool(t.is_sent_start) for t in doc]


def test_a_quote_after_the_full_stop_stays_in_the_sentence() -> None:
    doc = _sentencizer()('He left." Then they met. (Later) she wrote')
    starts = [t.text for t in doc if starts_sentence(doc, t.i)]
    assert starts == ["He", "Then", "Later"]
