"""A name's key type comes from fixed readings of the name alone, never one text's vote."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import spacy
from spacy.tokens import Doc

from services.enrich.namelabels import READINGS, NameLabels, voted_label, whole_name_label

_NLP = spacy.blank("en")
_NAMED = frozenset({"PERSON", "ORG", "GPE"})


def _tag(doc: Doc, start: int, end: int, label: str) -> None:
    span = doc.char_span(start, end, label=label)
    assert span is not None
    doc.ents = [span]


def test_the_commonest_reading_wins_and_the_earliest_breaks_a_tie() -> None:
    assert voted_label([None, "ORG", "PERSON", "PERSON"]) == "PERSON"
    assert voted_label([None, "ORG", "PERSON"]) == "ORG"
    assert voted_label([None, None]) is None


def test_only_a_reading_of_the_whole_name_counts() -> None:
    doc = _NLP("They spoke of Boko Haram again.")
    _tag(doc, 14, 18, "PERSON")  # "Boko" alone
    assert whole_name_label(doc, "Boko Haram", _NAMED) is None
    _tag(doc, 14, 24, "ORG")
    assert whole_name_label(doc, "Boko Haram", _NAMED) == "ORG"
    _tag(doc, 14, 24, "DATE")
    assert whole_name_label(doc, "Boko Haram", _NAMED) is None


class _Reader:
    """A stand-in model: tags the name with the label given for the sentence's frame."""

    def __init__(self, labels: list[str | None]) -> None:
        self.labels = labels
        self.calls = 0

    def __call__(self, texts: Iterable[str]) -> Iterator[Doc]:
        self.calls += 1
        texts = list(texts)
        frames = READINGS * (len(texts) // len(READINGS))
        for text, label, reading in zip(texts, self.labels, frames, strict=True):
            doc = _NLP(text)
            name_at = reading.index("{}")
            name_length = len(text) - (len(reading) - len("{}"))
            if label:
                _tag(doc, name_at, name_at + name_length, label)
            yield doc


def test_each_name_is_read_once_and_gets_the_voted_label() -> None:
    assert len(READINGS) == 5
    reader = _Reader([None, "PERSON", "GPE", "GPE", None])
    labels = NameLabels(reader, _NAMED)
    assert labels(["Kyiv"]) == {"Kyiv": "GPE"}
    assert labels(["Kyiv"]) == {"Kyiv": "GPE"}
    assert reader.calls == 1
    assert NameLabels(_Reader([None] * 5), _NAMED)(["Kyiv"]) == {"Kyiv": None}


def test_a_batch_of_names_is_read_in_one_pass_and_known_names_not_again() -> None:
    reader = _Reader([None, "ORG", "ORG", None, None] * 2)
    labels = NameLabels(reader, _NAMED)
    found = labels(["Boko Haram", "Hamas", "Boko Haram"])
    assert reader.calls == 1
    assert found == {"Boko Haram": "ORG", "Hamas": "ORG"}
    assert labels(["Hamas"]) == {"Hamas": "ORG"}
    assert reader.calls == 1
