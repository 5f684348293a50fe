"""Realistic stored data for the read API's tests: articles with entities and topics, and the
story events the stories service would emit for them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from services.api.common import topic_names
from shared.ids import entity_key
from shared.schemas import EnrichedArticle, Entity, Mention, StoryEntity, StoryEvent, Topic
from tests.helpers import enriched_article

POLITICS = "medtop:11000000"
CONFLICT = "medtop:16000000"
ENVIRONMENT = "medtop:06000000"
START = datetime(2026, 6, 17, 8, tzinfo=UTC)


def entity(name: str, label: str, salience: float, *forms: str) -> Entity:
    """An entity named once in the text."""
    return Entity(
        text=name,
        key=entity_key(label, name),
        label=label,
        count=1,
        forms=(name, *forms),
        salience=salience,
        mentions=(Mention(field="text", start=0, end=len(name)),),
    )


def topic(code: str, score: float) -> Topic:
    """An IPTC top-level topic with its own name."""
    return Topic(code=code, label=topic_names()[code], score=score, evidence=())


def article(
    article_id: str,
    title: str,
    *,
    hours: float,
    outlet: str | None = "Reuters",
    entities: Sequence[Entity] = (),
    topics: Sequence[Topic] = (),
    language: str = "en",
    story: str | None = None,
    text: str | None = None,
    published: bool = True,
    **changes: object,
) -> EnrichedArticle:
    """An enriched article seen `hours` after START (published then, or else ingested then)."""
    at = START + timedelta(hours=hours)
    fields: dict[str, object] = {
        "title": title,
        "outlet": outlet,
        "url": f"https://news.example/{article_id}",
        "text": text or f"{title}. Reported by {outlet}.",
        "published_at": at if published else None,
        "ingested_at": at if not published else at + timedelta(minutes=5),
        "entities": tuple(entities),
        "topics": tuple(topics),
        "language": language,
        "story_id": story,
    }
    return enriched_article(article_id, **{**fields, **changes})


def story_event(
    story_id: str,
    members: Sequence[EnrichedArticle],
    *,
    version: int | None = None,
    merged: Sequence[str] = (),
    member_count: int | None = None,
) -> StoryEvent:
    """The snapshot the stories service emits once `members` (in arrival order) are in."""
    times = [m.published_at or m.ingested_at for m in members]
    weights: dict[str, float] = {}
    names: dict[str, Entity] = {}
    for member in members:
        for item in member.entities:
            weights[item.key] = weights.get(item.key, 0) + item.salience
            names.setdefault(item.key, item)
    top = sorted(weights, key=lambda key: (-weights[key], key))[:10]
    return StoryEvent(
        kind="merged" if merged else ("created" if len(members) == 1 else "updated"),
        story_id=story_id,
        article_id=members[-1].id,
        version=version or len(members),
        title=members[0].title,
        first_seen=min(times),
        last_seen=max(times),
        member_count=member_count or len(members),
        members=tuple(m.id for m in members),
        sources=tuple(dict.fromkeys(m.outlet or "unknown" for m in members)),
        entities=tuple(
            StoryEntity(key=key, text=names[key].text, label=names[key].label, weight=weights[key])
            for key in top
        ),
        merged=tuple(merged),
        emitted_at=START + timedelta(days=30),
    )


NATO = entity("NATO", "ORG", 0.4, "North Atlantic Treaty Organization")
STOLTENBERG = entity("Jens Stoltenberg", "PERSON", 0.3, "Stoltenberg")
CHINA = entity("China", "GPE", 0.2, "Beijing", "Chinese")
SPAIN = entity("Spain", "GPE", 0.6, "Spanish")


def newsroom() -> tuple[list[EnrichedArticle], list[StoryEvent]]:
    """Six articles in three stories, as the pipeline would store them.

    Story s-nato has three outlets' reports (one a near-copy); s-heat two; s-paris one, in
    French with no entities; one article has no published date (its ingest time counts).
    """
    nato = [
        article(
            "a1",
            "NATO chief warns China over support for Russia",
            hours=0,
            entities=[NATO, STOLTENBERG, CHINA],
            topics=[topic(CONFLICT, 0.8), topic(POLITICS, 0.6)],
            story="s-nato",
        ),
        article(
            "a2",
            "Stoltenberg: China must face costs for backing Moscow",
            hours=1,
            outlet="BBC",
            entities=[STOLTENBERG, CHINA, NATO],
            topics=[topic(POLITICS, 0.7)],
            story="s-nato",
        ),
        article(
            "a3",
            "NATO chief warns China over support for Russia",
            hours=2,
            outlet="AP",
            entities=[NATO, STOLTENBERG, CHINA],
            topics=[topic(CONFLICT, 0.8), topic(POLITICS, 0.6)],
            story="s-nato",
            duplicate_of="a1",
        ),
    ]
    heat = [
        article(
            "b1",
            "Heatwave grips Spain as temperatures pass 44C",
            hours=3,
            entities=[SPAIN],
            topics=[topic(ENVIRONMENT, 0.9)],
            story="s-heat",
            text="Spain recorded its hottest June day. Wildfires spread near Seville.",
        ),
        article(
            "b2",
            "Spanish farmers count the cost of drought",
            hours=26,
            outlet=None,
            entities=[SPAIN],
            topics=[topic(ENVIRONMENT, 0.7)],
            story="s-heat",
            published=False,
        ),
    ]
    paris = [
        article(
            "c1",
            "Le gouvernement présente son budget",
            hours=5,
            outlet="Le Monde",
            language="fr",
            story="s-paris",
            text="Le gouvernement a présenté mardi son projet de budget.",
        )
    ]
    events = [
        story_event("s-nato", nato[:1]),
        story_event("s-nato", nato[:2]),
        story_event("s-nato", nato),
        story_event("s-heat", heat[:1]),
        story_event("s-paris", paris),
        story_event("s-heat", heat),
    ]
    return [*nato, *heat, *paris], events
