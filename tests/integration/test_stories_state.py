"""The Redis halves of near-copies and stories: the copy index shared by enrich replicas, and
the stories stage's state, against a real Redis (restarts are new clients on the same keys)."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from services.enrich.copies import DuplicateMatch
from services.enrich.copyindex import RedisCopyIndex
from services.enrich.minhash import Signature, signature
from services.stories.clustering import Story, StoryClusterer, story_id_for
from services.stories.desk import StoryDesk
from services.stories.state import RedisStoryState, story_from_json, story_to_json
from shared.english import english_zipf
from shared.schemas import EnrichedArticle, Entity, Mention
from shared.settings import Settings
from shared.streams import StreamNames
from tests.helpers import enriched_article
from tests.unit.test_stories_logic import BASE, REWRITE

pytestmark = pytest.mark.integration

WINDOW_SECONDS = 3600
STORY_WINDOW = timedelta(days=3)
RETENTION = timedelta(days=30)
T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)

LONG = BASE + " " + REWRITE
# A light edit of LONG, and a light edit of that edit: the second is closer to the first edit
# than to LONG, so only following the first edit to its original names LONG's article.
EDIT = LONG + " The mayor welcomed the decision on Wednesday."
EDIT_OF_EDIT = EDIT + " Shopkeepers fear lost trade."

STORM = (
    "A storm flooded farms across the Lindøra valley overnight, sweeping away fences and "
    "drowning orchards. Farmers said the river rose faster than anyone could remember, and "
    "the regional government promised emergency payments to families who lost their harvest."
)
THIRD = (
    "Work on Greyport's harbour bridge will start in spring after the council backed the "
    "repair plan. Engineers had closed the bridge over the harbour when cracks appeared in its "
    "steel supports, and the council expects the repairs to take two years."
)


def _signature(text: str) -> Signature:
    found = signature(text)
    assert found is not None
    return found


def _copy_index(client: Redis, settings: Settings) -> RedisCopyIndex:
    return RedisCopyIndex(client, settings.streams, window_seconds=WINDOW_SECONDS)


def _entity(text: str, key: str, label: str, salience: float, body: str) -> Entity:
    start = body.find(text)
    mentions = (Mention(field="text", start=start, end=start + len(text)),) if start >= 0 else ()
    return Entity(
        text=text,
        key=key,
        label=label,
        count=max(1, len(mentions)),
        salience=salience,
        mentions=mentions,
    )


def _greyport(article_id: str, title: str, text: str, at: datetime, outlet: str) -> EnrichedArticle:
    return enriched_article(
        article_id,
        title=title,
        text=text,
        outlet=outlet,
        published_at=at,
        entities=(
            _entity("Greyport", "GPE:greyport", "GPE", 0.6, text),
            _entity("Greyport council", "ORG:greyport council", "ORG", 0.4, text),
        ),
    )


def _storm(article_id: str, at: datetime) -> EnrichedArticle:
    return enriched_article(
        article_id,
        title="Storm floods Lindøra farms",
        text=STORM,
        outlet="Valley Post",
        published_at=at,
        entities=(_entity("Lindøra", "GPE:lindøra", "GPE", 1.0, STORM),),
    )


def _state(client: Redis, settings: Settings) -> RedisStoryState:
    return RedisStoryState(client, settings.streams, window=STORY_WINDOW, retention=RETENTION)


def _desk(client: Redis, settings: Settings) -> StoryDesk:
    return StoryDesk(_state(client, settings), english_zipf, StoryClusterer(window=STORY_WINDOW))


async def test_copies_resolve_to_the_first_original_and_answers_are_stable(
    settings: Settings, redis_client: Redis
) -> None:
    index = _copy_index(redis_client, settings)
    original, edit, edit_of_edit = _signature(LONG), _signature(EDIT), _signature(EDIT_OF_EDIT)
    # The premise of the copy-of-a-copy case: its closest earlier article is itself a copy.
    assert edit_of_edit.similarity(edit) > edit_of_edit.similarity(original)

    assert await index.check("a1", original) is None
    exact = await index.check("a2", _signature(LONG))
    assert exact == DuplicateMatch("a1", 1.0)
    edited = await index.check("a3", edit)
    assert edited is not None
    assert edited.original_id == "a1"
    chained = await index.check("a4", edit_of_edit)
    assert chained is not None
    assert chained.original_id == "a1"  # not a3, the copy it is closest to
    assert chained.similarity == round(edit_of_edit.similarity(edit), 3)

    # Asked again (a redelivery), with any signature: the first answer.
    assert await index.check("a1", original) is None
    assert await index.check("a2", _signature(LONG)) == exact
    assert await index.check("a4", _signature(REWRITE)) == chained

    # Another outlet's rewrite of the same event is not a copy.
    assert await index.check("r1", _signature(REWRITE)) is None
    assert await index.check("r1", _signature(REWRITE)) is None

    streams = settings.streams
    article_ttl = await redis_client.ttl(streams.key("copies", "article", "a1"))
    assert 0 < article_ttl <= WINDOW_SECONDS
    for band in original.bands():
        band_ttl = await redis_client.ttl(streams.key("copies", "band", band))
        assert 0 < band_ttl <= WINDOW_SECONDS


async def test_a_batch_is_checked_as_one_check_after_another(
    settings: Settings, redis_client: Redis
) -> None:
    batched = _copy_index(redis_client, settings)
    one_by_one = RedisCopyIndex(
        redis_client, StreamNames(f"{settings.stream_prefix}:one-by-one"), window_seconds=3600
    )
    # Answered before the batch (a redelivery), copies of copies within the batch, an article
    # twice, and one of another outlet's rewrite.
    for index in (batched, one_by_one):
        assert await index.check("p1", _signature(STORM)) is None
    batch = [
        (article_id, _signature(text))
        for article_id, text in [
            ("p1", STORM),
            ("p2", STORM),
            ("a1", LONG),
            ("a2", LONG),
            ("a3", EDIT),
            ("a4", EDIT_OF_EDIT),
            ("a3", EDIT),
            ("r1", THIRD),
        ]
    ]

    answers = await batched.check_all(batch)

    assert answers == [await one_by_one.check(article_id, body) for article_id, body in batch]
    assert [a.original_id if a else None for a in answers] == [
        None,
        "p1",
        None,
        "a1",
        "a1",
        "a1",
        "a1",
        None,
    ]
    # The answers are stored: asked again, one by one, the same.
    assert [await batched.check(article_id, body) for article_id, body in batch] == answers


async def test_an_original_enrichment_is_kept_without_html(
    settings: Settings, redis_client: Redis
) -> None:
    index = _copy_index(redis_client, settings)
    article = _greyport("a1", "Bridge to be repaired", BASE, T0, "Harbour Herald").model_copy(
        update={"html": "<p>The city council of Greyport…</p>", "language": "en"}
    )
    assert article.html is not None

    await index.remember(article)
    kept = await index.enrichment_of("a1")

    assert kept is not None
    assert kept.html is None
    assert kept == article.model_copy(update={"html": None})
    assert kept.entities == article.entities
    assert await index.enrichment_of("unknown") is None
    ttl = await redis_client.ttl(settings.streams.key("copies", "enriched", "a1"))
    assert 0 < ttl <= WINDOW_SECONDS


async def test_two_replicas_checking_one_text_at_once_agree_on_the_original(
    settings: Settings, redis_client: Redis, redis_url: str
) -> None:
    other_client = Redis.from_url(redis_url)
    try:
        replicas = (_copy_index(redis_client, settings), _copy_index(other_client, settings))
        words = LONG.split()
        for round_no in range(20):
            # Each round its own text (the words shuffled), so rounds never copy each other.
            shuffled = words.copy()
            random.Random(round_no).shuffle(shuffled)
            text = " ".join(shuffled)
            ids = (f"x{round_no}", f"y{round_no}")
            # Alternate which replica starts first.
            order = (0, 1) if round_no % 2 == 0 else (1, 0)
            answers = await asyncio.gather(
                *(replicas[n].check(ids[n], _signature(text)) for n in order)
            )
            by_id = {ids[n]: answer for n, answer in zip(order, answers, strict=True)}

            originals = [i for i, answer in by_id.items() if answer is None]
            assert len(originals) == 1, f"round {round_no}: {by_id}"
            (copy_id,) = set(ids) - set(originals)
            assert by_id[copy_id] == DuplicateMatch(originals[0], 1.0), f"round {round_no}"
            # Each replica, asked again about either article, gives the same answers.
            for replica in replicas:
                for article_id in ids:
                    assert await replica.check(article_id, _signature(text)) == by_id[article_id]
    finally:
        await other_client.aclose()


async def test_story_ids_survive_a_restart_and_new_articles_join_restored_stories(
    settings: Settings, redis_client: Redis, redis_url: str
) -> None:
    first = _greyport("a1", "Greyport council votes to repair bridge", BASE, T0, "Herald")
    second = _greyport(
        "a2", "Greyport bridge repairs approved", REWRITE, T0 + timedelta(hours=5), "Coast News"
    )
    unrelated = _storm("b1", T0 + timedelta(hours=1))
    articles = [first, second, unrelated]

    desk = _desk(redis_client, settings)
    await desk.start()
    placed = await desk.place(articles)
    ids = {p.article.id: p.article.story_id for p in placed}
    greyport_id, storm_id = story_id_for("a1"), story_id_for("b1")
    assert ids == {"a1": greyport_id, "a2": greyport_id, "b1": storm_id}
    assert [e.kind for p in placed for e in p.events] == ["created", "updated", "created"]
    before = {k: story_from_json(story_to_json(s)) for k, s in desk.clusterer.stories.items()}
    assert before[greyport_id].member_count == 2

    # A restart: a new client, state and desk on the same keys.
    restarted_client = Redis.from_url(redis_url)
    try:
        restarted = _desk(restarted_client, settings)
        await restarted.start()
        assert restarted.clusterer.stories == before

        replayed = await restarted.place(articles)
        assert {p.article.id: p.article.story_id for p in replayed} == ids
        assert [e.kind for p in replayed for e in p.events] == ["updated"] * 3
        # Seen before: not clustered again (no story took them in a second time).
        assert restarted.clusterer.stories == before

        newcomer = _greyport(
            "a3", "Greyport bridge works to start", THIRD, T0 + timedelta(hours=8), "Daily"
        )
        (joined,) = await restarted.place([newcomer])
        assert joined.article.story_id == greyport_id
        assert [e.kind for e in joined.events] == ["updated"]
        assert joined.events[0].member_count == 3

        # What the next restart would find.
        state = _state(redis_client, settings)
        assert await state.stories_of(["a1", "a2", "a3", "b1", "zz"]) == {
            "a1": greyport_id,
            "a2": greyport_id,
            "a3": greyport_id,
            "b1": storm_id,
        }
        kept = {s.id: s for s in await state.load()}
        assert set(kept) == {greyport_id, storm_id}
        assert kept[greyport_id].members == ["a1", "a2", "a3"]
        assert kept[greyport_id].sources == ["Herald", "Coast News", "Daily"]
        assert kept[greyport_id].last_seen == T0 + timedelta(hours=8)
        assert kept[storm_id] == before[storm_id]
    finally:
        await restarted_client.aclose()


async def test_merged_stories_lead_to_their_survivor_after_a_restart(
    settings: Settings, redis_client: Redis, redis_url: str
) -> None:
    older = Story(id="s-old", title="Old", first_seen=T0, last_seen=T0, member_count=1)
    younger = Story(id="s-young", title="Young", first_seen=T0, last_seen=T0 + timedelta(hours=1))
    state = _state(redis_client, settings)
    await state.save([older, younger], {"a1": "s-old", "a2": "s-young"}, {})
    older.absorb(younger)
    await state.save([older], {"a3": "s-old"}, {"s-young": "s-old"})

    restarted_client = Redis.from_url(redis_url)
    try:
        restarted = _state(restarted_client, settings)
        assert await restarted.stories_of(["a1", "a2", "a3"]) == {
            "a1": "s-old",
            "a2": "s-old",
            "a3": "s-old",
        }
        assert await restarted.load() == [older]
        assert await restarted.stories_of([]) == {}
    finally:
        await restarted_client.aclose()


def test_a_story_reads_back_from_json_as_it_was() -> None:
    story = Story(
        id=story_id_for("a1"),
        title="Zoë's bridge — «repaired»",
        first_seen=T0,
        last_seen=T0 + timedelta(hours=5, microseconds=7),
        version=3,
        member_count=4,
        members=["a1", "a2", "a3"],
        sources=["Herald", "Coast News"],
        terms={"bridge": 1.2345678901234567, "greyport": 0.1},
        entities={"GPE:greyport": 1.6, "PERSON:zoë": 1 / 3},
        names={"GPE:greyport": ("Greyport", "GPE"), "PERSON:zoë": ("Zoë", "PERSON")},
        recent=[({"bridge": 0.8, "greyport": 0.6}, {"GPE:greyport": 1.0})],
    )
    text = story_to_json(story)
    assert "Zoë" in text  # kept as text, not escaped
    assert story_from_json(text) == story
    assert story_from_json(text.encode()) == story  # as Redis hands it back
    assert story_from_json(text).names["PERSON:zoë"] == ("Zoë", "PERSON")
    assert story_from_json(story_to_json(Story("s", None, T0, T0))) == Story("s", None, T0, T0)
    saved_before_members_were_kept = json.loads(story_to_json(story))
    del saved_before_members_were_kept["recent"]
    assert story_from_json(json.dumps(saved_before_members_were_kept)).recent == []
