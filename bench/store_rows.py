"""A store filled with many generated rows, for measuring reads (the query API) at scale.

Rows are made from real enriched articles (their texts, entities, topics and keyphrases as
enrich gave them), copied under new ids, outlets, languages and times spread over 90 days,
and grouped into stories of one to eight articles from different outlets. So the entity, topic
and word distributions are those of real news, repeated; only ids, times and outlets are made
up. Nothing random is left to chance: the same `count` gives the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from services.store.database import open_repository
from shared.schemas import EnrichedArticle, StoryEntity, StoryEvent

# 40 outlets under the reserved .invalid domain: made up, and named as such.
OUTLETS = tuple(f"Outlet {n:02d}" for n in range(40))
LANGUAGES = ("en",) * 17 + ("de", "fr", "es")
START = datetime(2026, 9, 1, tzinfo=UTC)
SPAN = timedelta(days=90)
_BATCH = 500


def generated_articles(
    templates: Sequence[EnrichedArticle], count: int
) -> Iterator[EnrichedArticle]:
    """`count` articles in time order, each a template under a new id, outlet and time."""
    chooser = random.Random(20_261_206)  # fixed: the same rows every run
    step = SPAN / count
    for n in range(count):
        template = templates[n % len(templates)]
        when = START + step * n
        yield template.model_copy(
            update={
                "id": f"gen-{n:06d}",
                "url": f"https://gen-{n:06d}.bench.invalid/",
                "outlet": chooser.choice(OUTLETS),
                "language": chooser.choice(LANGUAGES),
                "published_at": when,
                "ingested_at": when + timedelta(minutes=5),
                "enriched_at": when + timedelta(minutes=6),
                "duplicate_of": None,
                "story_id": None,
            }
        )


def story_groups(
    articles: Sequence[EnrichedArticle],
) -> Iterator[Sequence[EnrichedArticle]]:
    """The articles cut into stories of one to eight consecutive articles (the same cut for
    the same articles)."""
    sizes = random.Random(7)
    n = 0
    while n < len(articles):
        members = articles[n : n + sizes.randint(1, 8)]
        n += len(members)
        yield members


def story_id(members: Sequence[EnrichedArticle]) -> str:
    """A generated story's id: given by its first article."""
    return f"story-{members[0].id}"


def story_events(articles: Sequence[EnrichedArticle]) -> Iterator[StoryEvent]:
    """One snapshot event per article placed, story by story (`story_groups`)."""
    for members in story_groups(articles):
        first = members[0]
        for version, article in enumerate(members, start=1):
            so_far = members[:version]
            yield StoryEvent(
                kind="created" if version == 1 else "updated",
                story_id=story_id(members),
                article_id=article.id,
                version=version,
                title=first.title,
                first_seen=first.published_at or first.ingested_at,
                last_seen=article.published_at or article.ingested_at,
                member_count=version,
                members=tuple(a.id for a in so_far),
                sources=tuple(dict.fromkeys(a.outlet or "" for a in so_far)),
                entities=tuple(
                    StoryEntity(key=e.key, text=e.text, label=e.label, weight=e.salience)
                    for e in first.entities[:10]
                ),
                emitted_at=article.enriched_at,
            )


async def fill_store(
    database_url: str, templates: Sequence[EnrichedArticle], count: int
) -> list[EnrichedArticle]:
    """Store `count` generated articles and their stories through the store's repository."""
    articles = list(generated_articles(templates, count))
    events = list(story_events(articles))
    repository = await open_repository(database_url)
    try:
        for start in range(0, len(articles), _BATCH):
            await repository.upsert_many(articles[start : start + _BATCH])
        for start in range(0, len(events), _BATCH):
            await repository.apply_story_events(events[start : start + _BATCH])
    finally:
        await repository.close()
    return articles
