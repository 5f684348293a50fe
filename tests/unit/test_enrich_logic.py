"""Keyphrases: the scoring alone, on hand-made input."""

from __future__ import annotations

from services.enrich.keyphrases import PhraseOccurrence, score_keyphrases


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
