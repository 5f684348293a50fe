"""The seeds through the story pipeline (real enrichment): one story, three sources, no copies."""

from __future__ import annotations

import asyncio

from services.enrich.enricher import Enricher, english_zipf
from services.enrich.nlp import load_pipeline
from services.ingest.entry import SourceEntry
from services.ingest.files import read_files
from services.ingest.normalise import normalise
from services.stories.pipeline import StoryPipeline
from shared.schemas import MAX_TEXT_CHARS, RawArticle
from shared.settings import Settings
from tests.conftest import SEEDS


async def _seed_entries() -> list[SourceEntry]:
    return [entry async for entry in read_files([SEEDS]) if isinstance(entry, SourceEntry)]


def _seeds() -> list[RawArticle]:
    return [normalise(e, max_text_bytes=MAX_TEXT_CHARS) for e in asyncio.run(_seed_entries())]


def test_the_seeds_are_one_story_with_three_sources_and_a_copy_is_a_duplicate() -> None:
    enricher = Enricher(load_pipeline(Settings().spacy_model))
    pipeline = StoryPipeline(enricher.enrich, english_zipf)
    seeds = _seeds()
    outcomes = [pipeline.process(article) for article in seeds]

    assert len({o.story_id for o in outcomes}) == 1
    assert [o.duplicate_of for o in outcomes] == [None, None, None]  # rewrites, not copies
    story = pipeline.clusterer.stories[outcomes[0].story_id]
    assert len(story.sources) == 3
    assert story.members == [a.id for a in seeds]

    copy = seeds[1].model_copy(update={"id": "copy-1", "url": "https://copy.example/seed"})
    copied = pipeline.process(copy)
    assert copied.duplicate_of == seeds[1].id
    assert copied.duplicate_similarity == 1.0
    assert copied.story_id == outcomes[0].story_id
    assert {e.key for e in copied.article.entities} == {e.key for e in outcomes[1].article.entities}

    replayed = [pipeline.process(article) for article in seeds]  # the same articles again
    assert [o.story_id for o in replayed] == [o.story_id for o in outcomes]
    assert len(pipeline.clusterer.stories) == 1
