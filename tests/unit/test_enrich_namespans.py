"""Names completed where the model stopped short, on hand-made docs (no model needed)."""

from __future__ import annotations

import spacy
from spacy.tokens import Doc

from services.enrich.namespans import completed_names

_NLP = spacy.blank("en")
_COMMON = frozenset({"for", "a", "second", "time", "met", "in", "suspected", "said", "the"})


def _doc(text: str, *ents: tuple[str, str]) -> Doc:
    doc = _NLP(text)
    spans = []
    for surface, label in ents:
        start = text.index(surface)
        span = doc.char_span(start, start + len(surface), label=label)
        assert span is not None, surface
        spans.append(span)
    doc.ents = spans
    return doc


def _names(doc: Doc) -> list[tuple[str, str]]:
    spans = completed_names(
        doc, _COMMON.__contains__, {"Democratic Republic of the Congo"}.__contains__
    )
    return [(span.text, span.label_) for span in spans]


def test_a_name_runs_on_over_uncommon_capitalised_words() -> None:
    doc = _doc("They met president Yoon Suk Yeol for a second time.", ("Yoon Suk", "PERSON"))
    assert _names(doc) == [("Yoon Suk Yeol", "PERSON")]


def test_a_name_does_not_run_into_common_words_another_entity_or_the_next_line() -> None:
    doc = _doc("Yoon Suk Said Seoul.", ("Yoon Suk", "PERSON"), ("Seoul", "GPE"))
    assert _names(doc) == [("Yoon Suk", "PERSON"), ("Seoul", "GPE")]
    doc = _doc("Yoon Suk Yeol Tower Hamlets", ("Yoon Suk", "PERSON"))
    assert _names(doc) == [("Yoon Suk Yeol Tower", "PERSON")]  # two words at most
    doc = _doc("met Yoon Suk\nYeol", ("Yoon Suk", "PERSON"))
    assert _names(doc) == [("Yoon Suk", "PERSON")]


def test_a_hyphenated_given_name_is_completed() -> None:
    doc = _doc("Prime minister Han Duck-soo resigned.", ("Han Duck", "PERSON"))
    assert _names(doc) == [("Han Duck-soo", "PERSON")]


def test_two_people_side_by_side_are_one_but_not_across_punctuation() -> None:
    doc = _doc(
        "President Hassan Sheikh Mohamud met in Mogadishu.",
        ("Hassan Sheikh", "PERSON"),
        ("Mohamud", "PERSON"),
    )
    assert _names(doc) == [("Hassan Sheikh Mohamud", "PERSON")]
    doc = _doc(
        "Hassan Sheikh, Mohamud and Ali met.", ("Hassan Sheikh", "PERSON"), ("Mohamud", "PERSON")
    )
    assert _names(doc) == [("Hassan Sheikh", "PERSON"), ("Mohamud", "PERSON")]


def test_places_joined_by_of_the_are_one_only_when_the_whole_is_a_country() -> None:
    doc = _doc(
        "Fighting in the Democratic Republic of the Congo goes on.",
        ("the Democratic Republic of the", "GPE"),
        ("Congo", "GPE"),
    )
    assert _names(doc) == [("Democratic Republic of the Congo", "GPE")]
    doc = _doc(
        "Fighting in Democratic Republic of Congo.",
        ("Democratic Republic", "GPE"),
        ("Congo", "GPE"),
    )
    assert _names(doc) == [("Democratic Republic", "GPE"), ("Congo", "GPE")]  # not a country name
    doc = _doc("The Bank of England rose.", ("Bank", "GPE"), ("England", "GPE"))
    assert _names(doc) == [("Bank", "GPE"), ("England", "GPE")]


def test_ordinary_lower_case_words_before_a_name_are_not_the_name() -> None:
    doc = _doc("Forty suspected Al-Shabaab fighters", ("suspected Al-Shabaab", "ORG"))
    assert _names(doc) == [("Al-Shabaab", "ORG")]
    doc = _doc("They said al Shabaab fighters", ("al Shabaab", "ORG"))
    assert _names(doc) == [("al Shabaab", "ORG")]  # a name particle stays


def test_a_word_written_close_up_to_the_name_stays_with_it() -> None:
    doc = _doc("the post-World War II order", ("post-World War II", "EVENT"))
    assert _names(doc) == [("post-World War II", "EVENT")]
