"""The topic classifier's parts on hand-made input: features, scoring, choice, the artefact."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.enrich.iptc import top_level_names
from services.enrich.topicfeatures import BODY_WORDS, TITLE_WEIGHT, article_features, word_count
from services.enrich.topicmodel import (
    MAX_TOPICS,
    TopicClassifier,
    TopicModel,
    choose_topics,
    load_topic_model,
    read_model,
    softmax,
    write_model,
)


def test_features_are_kept_words_and_neighbouring_pairs() -> None:
    found = article_features(None, "The Prime Minister's budget cuts taxes. Markets rally.")
    assert set(found) == {
        "prime",
        "minister",
        "budget",
        "cuts",
        "taxes",
        "markets",
        "rally",
        "prime minister",
        "minister budget",
        "budget cuts",
        "cuts taxes",
        "markets rally",
    }
    # A full stop breaks a pair; stop words ("the") are left out; possessives are cut.
    assert "taxes markets" not in found
    assert found["prime minister"].surface == "Prime Minister"


def test_a_vocabulary_keeps_only_its_features_as_they_are() -> None:
    title, body = "Storm hits coast", "The storm hit the coast. Coastal towns flooded."
    everything = article_features(title, body)
    known = {"storm", "coast", "coastal towns", "volcano"}
    found = article_features(title, body, known)
    assert found == {f: use for f, use in everything.items() if f in known}
    assert list(found) == [f for f in everything if f in known]  # same order: same sums


def test_possessives_are_cut_in_any_case() -> None:
    assert set(article_features("NATO'S CHIEF", "Russia’s war")) >= {"nato", "russia"}


def test_the_headline_counts_double_and_its_spelling_is_the_surface() -> None:
    found = article_features("Storm hits coast", "The storm moved north.")
    assert found["storm"].count == TITLE_WEIGHT + 1
    assert found["storm"].uses == 2
    assert found["storm"].surface == "Storm"


def test_the_body_is_read_up_to_a_limit() -> None:
    body = " ".join(["filler"] * BODY_WORDS + ["volcano"])
    assert "volcano" not in article_features(None, body)
    assert word_count(body) == BODY_WORDS + 1
    assert word_count(body, 15) == 15  # counted only as far as asked


@given(st.text(max_size=300), st.text(max_size=2000))
def test_any_text_gives_features_of_its_own_words(title: str, body: str) -> None:
    for feature, use in article_features(title or None, body).items():
        assert use.count > 0
        assert use.uses >= 1
        assert feature == feature.lower()
        assert use.surface.lower().replace("’", "'").startswith(feature.split()[0][:1])


def _model(**changes: object) -> TopicModel:
    # Two topics, three words: "goal" is sport, "vote" politics, "match" a little sport.
    fields: dict[str, object] = {
        "codes": ("medtop:11000000", "medtop:15000000"),
        "vocabulary": ("goal", "match", "vote"),
        "idf": np.ones(3, dtype=np.float32),
        "weights": np.array([[-2, 2], [-0.5, 0.5], [2, -2]], dtype=np.float32),
        "bias": np.zeros(2, dtype=np.float32),
        "temperature": 1.0,
        "threshold": 0.35,
        "min_words": 15,
        "provenance": {"sources": []},
    }
    fields.update(changes)
    return TopicModel(**fields)  # type: ignore[arg-type]


def test_scores_are_probabilities_and_evidence_is_weight_times_value() -> None:
    classifier = TopicClassifier(_model())
    (sport,) = classifier.classify("Late goal wins the match", "")
    assert sport.code == "medtop:15000000"
    assert 0.5 < sport.probability < 1.0
    assert [e.text for e in sport.evidence] == ["goal", "match"]
    assert sport.evidence[0].weight > sport.evidence[1].weight > 0
    probabilities = classifier.probabilities("Late goal wins the match", "")
    assert probabilities.sum() == pytest.approx(1.0)


def test_a_higher_temperature_softens_the_scores() -> None:
    sharp = TopicClassifier(_model()).probabilities("goal", "")
    soft = TopicClassifier(_model(temperature=3.0)).probabilities("goal", "")
    assert 0.5 < soft.max() < sharp.max()


def test_an_article_with_no_known_word_gets_no_topic_unless_it_is_long() -> None:
    classifier = TopicClassifier(_model(bias=np.array([0.1, 0.0], dtype=np.float32), threshold=0.6))
    assert classifier.classify("Nothing known", "here at all") == []
    long = " ".join(["unknown"] * 15)
    (only,) = classifier.classify(None, long)
    assert only.code == "medtop:11000000"
    assert only.evidence == ()
    # Headline and body words count together (each counted at most as far as the minimum).
    assert classifier.classify("unknown " * 2, " ".join(["unknown"] * 13)) != []
    assert classifier.classify("unknown " * 2, " ".join(["unknown"] * 12)) == []


@pytest.mark.parametrize(
    ("probabilities", "words", "chosen"),
    [
        ([0.6, 0.3, 0.1], 5, [0]),
        ([0.4, 0.36, 0.24], 5, [0, 1]),
        ([0.3, 0.3, 0.4], 5, [2]),
        ([0.34, 0.33, 0.33], 5, []),
        ([0.34, 0.33, 0.33], 15, [0]),
        ([0.25] * 4, 100, [0]),
    ],
)
def test_choice_of_topics(probabilities: list[float], words: int, chosen: list[int]) -> None:
    assert choose_topics(probabilities, 0.35, 15, words) == chosen


def test_at_most_max_topics_are_chosen() -> None:
    assert len(choose_topics([0.2] * 5, 0.1, 15, 20)) == MAX_TOPICS


def test_softmax_is_stable_for_large_logits() -> None:
    assert softmax(np.array([1000.0, 0.0])) == pytest.approx([1.0, 0.0])


def test_the_stored_form_round_trips_to_the_same_bytes() -> None:
    raw = write_model(_model())
    again = read_model(raw)
    assert write_model(again) == raw
    assert again.vocabulary == ("goal", "match", "vote")


def test_an_unknown_format_is_refused() -> None:
    document = _model().to_document() | {"format": 99}
    with pytest.raises(ValueError, match="format"):
        TopicModel.from_document(document)


def test_the_shipped_model_covers_every_top_level_topic_and_says_where_it_came_from() -> None:
    model = load_topic_model()
    assert set(model.codes) == set(top_level_names())
    assert model.weights.shape == (len(model.vocabulary), len(model.codes))
    # Centred: each feature's weights sum to zero across topics (up to float16 storage).
    assert np.abs(model.weights.sum(axis=1)).max() < 0.05
    sources = {s["name"]: s for s in model.provenance["sources"]}
    assert {"wcep-2010-2020", "iptc-definitions"} <= set(sources)
    assert all(len(s.get("commit", "x" * 40)) == 40 for s in sources.values())
    assert model.temperature > 0
    assert 0 < model.threshold < 1


@pytest.mark.parametrize(
    ("title", "text", "code"),
    [
        (
            "Striker scores twice as United win the cup final",
            "The striker scored in both halves and the manager praised the team's defence.",
            "medtop:15000000",
        ),
        (
            "Central bank raises interest rates to curb inflation",
            "Shares fell and the currency rose after the bank's decision on borrowing costs.",
            "medtop:04000000",
        ),
        (
            "Earthquake kills dozens in mountain villages",
            "Rescuers searched collapsed houses after the magnitude 6.8 quake.",
            "medtop:03000000",
        ),
    ],
)
def test_the_shipped_model_on_plain_cases(title: str, text: str, code: str) -> None:
    topics = TopicClassifier(load_topic_model()).classify(title, text)
    assert topics[0].code == code
