"""A name's key type comes from fixed readings of the name alone, never one text's vote."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import spacy
from hypothesis import given
from hypothesis import strategies as st
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
    """A stand-in model: tags the name with the label given for it in the sentence's frame."""

    def __init__(self, labels: dict[str, list[str | None]]) -> None:
        self.labels = labels
        self.calls = 0
        self.texts = 0

    @staticmethod
    def _frame(text: str) -> tuple[int, str]:
        # The frames with words around the name first; then "Name." before a bare "Name".
        for n in (2, 3, 4, 1, 0):
            before, after = READINGS[n].split("{}")
            if text.startswith(before) and text.endswith(after):
                return n, text[len(before) : len(text) - len(after)]
        raise AssertionError(text)

    def __call__(self, texts: Iterable[str]) -> Iterator[Doc]:
        self.calls += 1
        for text in texts:
            self.texts += 1
            frame, name = self._frame(text)
            doc = _NLP(text)
            label = self.labels[name][frame]
            if label:
                at = READINGS[frame].index("{}")
                _tag(doc, at, at + len(name), label)
            yield doc


def test_each_name_gets_the_label_voted_over_all_its_readings() -> None:
    assert len(READINGS) == 5
    reader = _Reader({"Kyiv": [None, "PERSON", "GPE", "GPE", None]})
    labels = NameLabels(reader, _NAMED)
    assert labels(["Kyiv"]) == {"Kyiv": "GPE"}
    assert labels(["Kyiv"]) == {"Kyiv": "GPE"}
    assert reader.texts == len(READINGS)  # known names are not read again
    assert NameLabels(_Reader({"Kyiv": [None] * 5}), _NAMED)(["Kyiv"]) == {"Kyiv": None}


def test_readings_that_agree_on_a_majority_decide_without_the_others() -> None:
    reader = _Reader({"Hamas": ["PERSON", "PERSON", "ORG", "ORG", "ORG"]})
    assert NameLabels(reader, _NAMED)(["Hamas"]) == {"Hamas": "ORG"}
    assert (reader.calls, reader.texts) == (1, 3)


@given(st.lists(st.sampled_from([None, "PERSON", "ORG", "GPE"]), min_size=5, max_size=5))
def test_reading_in_two_passes_gives_the_vote_of_all_five(found: list[str | None]) -> None:
    reader = _Reader({"Boko Haram": found})
    assert NameLabels(reader, _NAMED)(["Boko Haram"]) == {"Boko Haram": voted_label(found)}


def test_a_batch_of_names_is_read_in_at_most_two_passes_and_known_names_not_again() -> None:
    reader = _Reader(
        {"Boko Haram": [None, "ORG", "ORG", None, None], "Hamas": ["ORG"] * 5, "Kyiv": ["GPE"] * 5}
    )
    labels = NameLabels(reader, _NAMED)
    found = labels(["Boko Haram", "Hamas", "Boko Haram"])
    assert reader.calls == 2
    assert found == {"Boko Haram": "ORG", "Hamas": "ORG"}
    assert labels(["Hamas"]) == {"Hamas": "ORG"}
    assert reader.calls == 2
    assert labels(["Kyiv", "Hamas"]) == {"Kyiv": "GPE", "Hamas": "ORG"}
    assert reader.calls == 3
