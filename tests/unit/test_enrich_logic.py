from __future__ import annotations

from services.enrich.entities import RawMention, merge_mentions
from services.enrich.topics import PhraseOccurrence, score_topics


def test_mentions_with_the_same_text_become_one_entity() -> None:
    entities = merge_mentions(
        [
            RawMention("Jens Stoltenberg", "PERSON", "title", 0, 16),
            RawMention("NATO", "ORG", "text", 0, 4),
            RawMention("Jens Stoltenberg", "PERSON", "text", 10, 26),
        ]
    )
    assert [(e.text, e.label, e.count) for e in entities] == [
        ("Jens Stoltenberg", "PERSON", 2),
        ("NATO", "ORG", 1),
    ]
    assert [(m.field, m.start) for m in entities[0].mentions] == [("title", 0), ("text", 10)]


def test_an_entity_takes_the_label_most_mentions_have() -> None:
    (entity,) = merge_mentions(
        [
            RawMention("Stoltenberg", "GPE", "text", 0, 11),
            RawMention("Stoltenberg", "ORG", "text", 20, 31),
            RawMention("Stoltenberg", "ORG", "text", 40, 51),
        ]
    )
    assert entity.label == "ORG"
    assert entity.count == 3


def test_label_tie_goes_to_the_earliest() -> None:
    (entity,) = merge_mentions(
        [RawMention("X", "GPE", "text", 0, 1), RawMention("X", "ORG", "text", 5, 6)]
    )
    assert entity.label == "GPE"


def _occ(key: str, surface: str, *, title: bool = False) -> PhraseOccurrence:
    return PhraseOccurrence(key=key, words=tuple(key.split()), surface=surface, in_title=title)


def test_rare_repeated_phrases_outrank_common_ones() -> None:
    zipf = {"sanction": 3.5, "way": 6.5, "defense": 4.5, "spending": 4.5}.__getitem__
    topics = score_topics(
        [
            _occ("sanction", "sanctions"),
            _occ("sanction", "Sanctions", title=True),
            _occ("way", "way"),
            _occ("way", "ways"),
            _occ("defense spending", "defense spending"),
        ],
        zipf,
    )
    assert [t.label for t in topics] == ["sanction", "defense spending", "way"]
    assert topics[0].evidence == ("sanctions", "Sanctions")
    assert topics[0].score == round(3 * (8 - 3.5), 3)


def test_topics_are_capped_and_skip_zero_scores() -> None:
    zipf = {"the": 8.0}.get
    occurrences = [_occ(f"w{i}", f"w{i}") for i in range(20)] + [_occ("the", "the")]
    topics = score_topics(occurrences, lambda w: zipf(w, 1.0), limit=5)
    assert len(topics) == 5
    assert "the" not in [t.label for t in topics]
