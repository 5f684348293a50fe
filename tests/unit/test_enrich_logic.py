"""Keyphrases and IPTC topics: the scoring alone, on hand-made input."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from services.enrich.iptc import Concept, build_vocabulary, name_segments
from services.enrich.keyphrases import PhraseOccurrence, score_keyphrases
from services.enrich.topics import MIN_SHARE, TermToken, score_topics


def _occ(key: str, surface: str, *, title: bool = False) -> PhraseOccurrence:
    return PhraseOccurrence(key=key, words=tuple(key.split()), surface=surface, in_title=title)


def test_rare_repeated_phrases_outrank_common_ones() -> None:
    zipf = {"sanction": 3.5, "way": 6.5, "defense": 4.5, "spending": 4.5}.__getitem__
    phrases = score_keyphrases(
        [
            _occ("sanction", "sanctions"),
            _occ("sanction", "Sanctions", title=True),
            _occ("way", "way"),
            _occ("way", "ways"),
            _occ("defense spending", "defense spending"),
        ],
        zipf,
    )
    assert [p.text for p in phrases] == ["sanction", "defense spending", "way"]
    assert phrases[0].forms == ("sanctions", "Sanctions")
    assert phrases[0].score == round(3 * (8 - 3.5), 3)


def test_keyphrases_are_capped_and_skip_zero_scores() -> None:
    zipf = {"the": 8.0}.get
    occurrences = [_occ(f"w{i}", f"w{i}") for i in range(20)] + [_occ("the", "the")]
    phrases = score_keyphrases(occurrences, lambda w: zipf(w, 1.0), limit=5)
    assert len(phrases) == 5
    assert "the" not in [p.text for p in phrases]


@pytest.mark.parametrize(
    ("name", "segments"),
    [
        ("conflict, war and peace", ["conflict", "war", "peace"]),
        ("executive (government)", ["executive"]),
        ("non-governmental organisation (NGO)", ["non-governmental organisation", "NGO"]),
        ("act of terror", ["act of terror"]),
        ("refugees and internally displaced people", ["refugees", "internally displaced people"]),
    ],
)
def test_concept_names_split_into_what_they_list(name: str, segments: list[str]) -> None:
    assert name_segments(name) == segments


def _lemmatise(texts: Sequence[str]) -> list[list[list[str]]]:
    # Stand-in for spaCy: lower-case words, "s" plurals off, a few stop words, runs at commas.
    stop = {"of", "the", "a", "by", "and", "to", "in", "or", "for", "between"}
    return [
        [
            [w.removesuffix("s") for w in part.lower().split() if w not in stop]
            for part in text.split(",")
            if part.strip()
        ]
        for text in texts
    ]


def _concept(code: str, name: str, *definitions: str, parent: str | None = None) -> Concept:
    top = parent or code
    return Concept(code, parent, top, name, (), definitions)


CONCEPTS = [
    _concept("t:war", "conflict, war and peace", "Acts of violence by armed groups"),
    _concept("c:talks", "peace talks", "Discussions between countries at war", parent="t:war"),
    _concept("t:pol", "politics", "The exercise of power by government"),
    _concept("c:summit", "summit meeting", "Meetings of heads of state", parent="t:pol"),
    _concept("t:sport", "sport", "Competitive physical activity"),
    _concept("c:ball", "ball game", "Games with a ball", parent="t:sport"),
    _concept("c:skate", "skating", "Gliding on ice", parent="t:sport"),
]


def _run(*words: str, title: bool = False) -> list[TermToken]:
    return [TermToken(lemma=w.lower().removesuffix("s"), surface=w, in_title=title) for w in words]


def _zipf(word: str) -> float:
    return {"meeting": 5.0, "war": 5.0, "peace": 4.8, "government": 5.2}.get(word, 3.0)


def test_topics_come_from_the_vocabulary_with_evidence_naming_the_concept() -> None:
    vocabulary = build_vocabulary(CONCEPTS, _lemmatise)
    topics = score_topics(
        [_run("Peace", "talks", title=True), _run("war"), _run("summit", "meeting")],
        vocabulary,
        _zipf,
    )
    assert [t.code for t in topics] == ["t:war", "t:pol"]
    war = topics[0]
    assert war.label == "conflict, war and peace"
    assert war.evidence[0].text == "Peace talks"
    assert (war.evidence[0].concept, war.evidence[0].concept_code) == ("peace talks", "c:talks")
    assert {e.text for e in war.evidence} >= {"war", "Peace"}
    assert sum(t.score for t in topics) <= 1.0
    assert all(t.score >= MIN_SHARE for t in topics)


def test_a_word_shared_by_topics_leans_to_the_one_with_the_smaller_vocabulary() -> None:
    # "event" is a definition word once under politics and once under sport; sport has more
    # concepts, so one of its words is weaker evidence for it (a likelihood, not a count).
    concepts = [
        *CONCEPTS[:3],
        _concept("c:summit", "summit meeting", "Event of heads of state", parent="t:pol"),
        *CONCEPTS[4:6],
        _concept("c:skate", "skating", "Gliding on ice at an event", parent="t:sport"),
    ]
    event = build_vocabulary(concepts, _lemmatise).cues[("event",)]
    assert event["t:pol"].weight == event["t:sport"].weight
    assert event["t:pol"].share > 0.5 > event["t:sport"].share
    assert event["t:pol"].share + event["t:sport"].share == pytest.approx(1.0)


def test_no_topic_without_enough_evidence() -> None:
    vocabulary = build_vocabulary(CONCEPTS, _lemmatise)
    assert score_topics([_run("unrelated", "words")], vocabulary, _zipf) == ()
    assert score_topics([], vocabulary, _zipf) == ()
