"""The seeds through the services' logic (real enrichment, state in memory): one story, three
sources, no copies; an exact copy is a duplicate that skips the NLP; replays keep their ids."""

from __future__ import annotations

from evaluation.stories import MemoryPipeline
from services.enrich.enricher import Enricher
from services.enrich.nlp import load_pipeline
from services.ingest.entry import SourceEntry
from services.ingest.files import read_files
from services.ingest.normalise import normalise
from services.stories.desk import MemoryStoryState, StoryDesk
from shared.english import english_zipf
from shared.schemas import MAX_TEXT_CHARS, EnrichedArticle, RawArticle
from shared.settings import Settings
from tests.conftest import SEEDS


async def _seed_entries() -> list[SourceEntry]:
    return [entry async for entry in read_files([SEEDS]) if isinstance(entry, SourceEntry)]


async def _seeds() -> list[RawArticle]:
    return [normalise(e, max_text_bytes=MAX_TEXT_CHARS) for e in await _seed_entries()]


async def test_the_seeds_are_one_story_with_three_sources_and_a_copy_is_a_duplicate() -> None:
    enricher = Enricher(load_pipeline(Settings().spacy_model))
    nlp_calls: list[list[str]] = []

    def enrich(articles: list[RawArticle]) -> list[EnrichedArticle]:
        nlp_calls.append([a.id for a in articles])
        return enricher.enrich(articles)

    pipeline = MemoryPipeline(enrich, english_zipf)
    seeds = await _seeds()
    outcomes = [await pipeline.process(article) for article in seeds]

    assert len({o.story_id for o in outcomes}) == 1
    assert [o.duplicate_of for o in outcomes] == [None, None, None]  # rewrites, not copies
    story_id = outcomes[0].story_id
    assert story_id is not None
    story = pipeline.desk.clusterer.stories[story_id]
    assert len(story.sources) == 3
    assert story.members == [a.id for a in seeds]

    copy = seeds[1].model_copy(update={"id": "copy-1", "url": "https://copy.example/seed"})
    copied = await pipeline.process(copy)
    assert copied.duplicate_of == seeds[1].id
    assert copied.duplicate_similarity == 1.0
    assert copied.story_id == story_id
    assert {e.key for e in copied.entities} == {e.key for e in outcomes[1].entities}
    assert not any(
        "copy-1" in call for call in nlp_calls
    )  # the copy reused the original's enrichment

    replayed = [await pipeline.process(article) for article in seeds]  # the same articles again
    assert [o.story_id for o in replayed] == [o.story_id for o in outcomes]
    assert len(pipeline.desk.clusterer.stories) == 1

    # A restarted stories stage (its state kept) gives the same ids again.
    restarted = StoryDesk(MemoryStoryState(**vars(pipeline.state)), english_zipf)
    await restarted.start()
    again = await restarted.place(outcomes)
    assert [p.article.story_id for p in again] == [o.story_id for o in outcomes]
