"""The seeds through the real enrichment path: what consumers rely on, article by article."""

from __future__ import annotations

import asyncio
from functools import cache

import pytest

from services.enrich.boilerplate import find_boilerplate, mask
from services.enrich.enricher import Enricher
from services.enrich.nlp import load_pipeline
from services.enrich.topicmodel import TopicClassifier, load_topic_model
from services.ingest.entry import SourceEntry
from services.ingest.files import read_files
from services.ingest.normalise import normalise
from shared.schemas import MAX_TEXT_CHARS, EnrichedArticle
from shared.settings import Settings
from tests.conftest import SEEDS

BOILERPLATE_NAMES = {"Kevin Dietsch", "Getty Images", "RFE/RL", "RL", "The Rundown", "Reuters"}


async def _seed_articles() -> list[SourceEntry]:
    return [entry async for entry in read_files([SEEDS]) if isinstance(entry, SourceEntry)]


@cache
def _enriched() -> tuple[EnrichedArticle, ...]:
    entries = asyncio.run(_seed_articles())
    articles = [normalise(e, max_text_bytes=MAX_TEXT_CHARS) for e in entries]
    enricher = Enricher(load_pipeline(Settings().spacy_model))
    return tuple(enricher.enrich(articles))


@pytest.fixture(params=range(3), ids=["000", "002", "003"])
def article(request: pytest.FixtureRequest) -> EnrichedArticle:
    number: int = request.param
    return _enriched()[number]


def test_one_jens_stoltenberg_with_every_mention(article: EnrichedArticle) -> None:
    people = [e for e in article.entities if "Stoltenberg" in e.text]
    assert len(people) == 1
    (jens,) = people
    assert (jens.text, jens.label, jens.key) == (
        "Jens Stoltenberg",
        "PERSON",
        "PERSON:jens-stoltenberg",
    )
    news = mask(article.text, find_boilerplate(article.text))  # captions do not count
    written = news.count("Stoltenberg") + (article.title or "").count("Stoltenberg")
    assert written - 1 <= jens.count <= written  # the model may miss one mention, no more


def test_one_united_states_and_no_possessives(article: EnrichedArticle) -> None:
    assert [e.text for e in article.entities if e.key == "GPE:united-states"] == ["United States"]
    assert not [e.text for e in article.entities if e.text.endswith(("’s", "'s"))]
    assert not [f for e in article.entities for f in e.forms if f.endswith(("’s", "'s"))]


def test_no_boilerplate_entities(article: EnrichedArticle) -> None:
    assert not {e.text for e in article.entities} & BOILERPLATE_NAMES
    assert not {f for e in article.entities for f in e.forms} & BOILERPLATE_NAMES


def test_mentions_point_at_their_forms(article: EnrichedArticle) -> None:
    for entity in article.entities:
        for mention in entity.mentions:
            source = article.title if mention.field == "title" else article.text
            assert source is not None
            assert source[mention.start : mention.end] in entity.forms


def test_keys_are_unique_and_salience_sums_to_one(article: EnrichedArticle) -> None:
    keys = [e.key for e in article.entities]
    assert len(keys) == len(set(keys))
    assert sum(e.salience for e in article.entities) == pytest.approx(1, abs=0.01)
    assert article.language == "en"


def test_politics_leads_the_iptc_topics_with_evidence_from_the_article(
    article: EnrichedArticle,
) -> None:
    first = article.topics[0]
    assert (first.code, first.label) == ("medtop:11000000", "politics and government")
    assert first.score >= 0.5
    assert first.evidence
    written = f"{article.title}\n{article.text}".lower()
    for evidence in first.evidence:
        assert evidence.text.lower() in written
        assert evidence.weight > 0
        assert (evidence.concept, evidence.concept_code) == (first.label, first.code)
    assert [e.weight for e in first.evidence] == sorted(
        (e.weight for e in first.evidence), reverse=True
    )


def test_conflict_is_the_runner_up_topic(article: EnrichedArticle) -> None:
    # A NATO chief on a war's backers: politics first, then conflict (reported only when its
    # calibrated probability reaches the threshold).
    classifier = TopicClassifier(load_topic_model())
    probabilities = classifier.probabilities(article.title, article.text)
    ranked = [classifier.model.codes[n] for n in probabilities.argsort()[::-1]]
    assert ranked[:2] == ["medtop:11000000", "medtop:16000000"]


def test_keyphrases_are_written_in_the_article(article: EnrichedArticle) -> None:
    assert len(article.keyphrases) >= 5
    written = f"{article.title}\n{article.text}"
    assert all(form in written for k in article.keyphrases for form in k.forms)
