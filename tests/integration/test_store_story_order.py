"""Story events in any order, any number of times, leave the same tables (SQLite and PostgreSQL).

The events are real: a `StoryDesk` places articles that start stories, join them, bridge them
(a chain of merges: one story absorbed into another that is later absorbed itself) and come
again (redeliveries, which re-emit a snapshot of the same version).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import anyio
import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.store.database import open_repository
from services.stories.clustering import StoryClusterer
from services.stories.desk import MemoryStoryState, StoryDesk, follow_merges
from shared.database_url import parse_database_url
from shared.schemas import EnrichedArticle, StoryEvent
from tests.helpers import enriched_article

pytestmark = pytest.mark.integration

WORDS = {
    "a": "harbour bridge cracks steel supports council repair ferries closure engineers",
    "b": "orchard frost apples growers harvest losses insurance cooperative prices",
    "c": "glacier meltwater valley flooding villagers evacuation shelters rescuers rainfall",
}
START = datetime(2026, 3, 4, tzinfo=UTC)
Tables = tuple[list[tuple[object, ...]], list[tuple[str, str]]]


def _article(article_id: str, words: str, hours: int) -> EnrichedArticle:
    return enriched_article(
        article_id,
        text=" ".join(WORDS[w] for w in words) + ".",
        outlet=f"outlet-{article_id}",
        published_at=START + timedelta(hours=hours),
    )


@functools.cache
def real_events() -> tuple[tuple[StoryEvent, ...], dict[str, str], dict[str, int]]:
    """The events of one run, the live story of every article and each live story's version."""

    async def run() -> tuple[tuple[StoryEvent, ...], dict[str, str], dict[str, int]]:
        state = MemoryStoryState()
        # Strict at first, so that like articles start stories of their own to be merged later.
        desk = StoryDesk(state, lambda _: 3.0, StoryClusterer(threshold=0.7, merge_threshold=0.3))
        events: list[StoryEvent] = []
        batches = [
            [("a1", "a", 0), ("b1", "ab", 1), ("c1", "ab", 2)],
            [("a2", "a", 3)],
            [("bc", "bbb", 5)],  # bridges b1's and c1's stories
            [("b1", "ab", 1)],  # a redelivery: the same version again
            [("abc", "a", 6)],  # bridges a1's, a2's and the merged b1 story
            [("a1", "a", 0), ("c1", "ab", 2)],
            [("d1", "c", 8), ("b2", "bbb", 7)],
        ]
        for number, batch in enumerate(batches):
            if number == 2:
                desk.clusterer = StoryClusterer(threshold=0.3, merge_threshold=0.3)
                await desk.start()
            for placed in await desk.place([_article(*spec) for spec in batch]):
                events.extend(placed.events)
        live = {a: follow_merges(s, state.merged.get) for a, s in state.assigned.items()}
        versions = {s.id: s.version for s in state.stories.values()}
        return tuple(events), live, versions

    return anyio.run(run)


def test_the_real_run_has_a_chain_of_merges_and_re_emitted_versions() -> None:
    events, live, _ = real_events()
    merges = {gone: e.story_id for e in events for gone in e.merged}
    assert any(survivor in merges for survivor in merges.values())  # absorbed, then absorbed
    versions = [(e.story_id, e.version) for e in events]
    assert len(set(versions)) < len(versions)  # the same snapshot version emitted twice
    assert len(set(live.values())) >= 2


async def _apply(database_url: str, batches: Sequence[Sequence[StoryEvent]]) -> Tables:
    repository = await open_repository(database_url)
    try:
        for batch in batches:
            await repository.apply_story_events(batch)
    finally:
        await repository.close()
    return await _tables(database_url)


async def _run_sql(database_url: str, queries: Sequence[str]) -> list[list[tuple[object, ...]]]:
    """Every row of each query, on a connection of its own (not the repository's)."""
    target = parse_database_url(database_url)
    if target.backend == "sqlite":
        async with aiosqlite.connect(Path(target.location)) as db:
            rows = [[tuple(r) for r in await db.execute_fetchall(q)] for q in queries]
            await db.commit()
            return rows
    connection = await asyncpg.connect(target.location)
    try:
        return [[tuple(r) for r in await connection.fetch(q)] for q in queries]
    finally:
        await connection.close()


async def _tables(database_url: str) -> Tables:
    # The payload as text: JSONB and SQLite's TEXT compare alike that way.
    stories, members = await _run_sql(
        database_url,
        [
            "SELECT id, version, title, first_seen, last_seen, member_count, "
            "CAST(payload AS TEXT), merged_into, emitted_at FROM stories ORDER BY id",
            "SELECT article_id, story_id FROM story_members ORDER BY article_id",
        ],
    )
    return stories, [(str(article), str(story)) for article, story in members]


async def _clear(database_url: str) -> None:
    await _run_sql(database_url, [f"DELETE FROM {t}" for t in ("stories", "story_members")])


@st.composite
def deliveries(draw: st.DrawFn) -> list[list[StoryEvent]]:
    """The run's events shuffled, some of them twice or more, cut into batches."""
    events = list(real_events()[0])
    again = draw(st.lists(st.sampled_from(events), max_size=len(events)))
    shuffled = draw(st.permutations(events + again))
    cuts = sorted(draw(st.sets(st.integers(1, len(shuffled) - 1), max_size=6)))
    bounds = [0, *cuts, len(shuffled)]
    return [shuffled[a:b] for a, b in itertools.pairwise(bounds)]


@pytest.fixture
def in_order(database_url: str) -> Tables:
    """The tables after applying the run's events once each, in the order they were made."""
    events = real_events()[0]
    tables = anyio.run(_apply, database_url, [events])
    anyio.run(_clear, database_url)
    return tables


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=deliveries())
def test_any_order_and_any_repetition_of_story_events_leave_the_same_tables(
    database_url: str, in_order: Tables, batches: list[list[StoryEvent]]
) -> None:
    try:
        tables = anyio.run(_apply, database_url, batches)
    finally:
        anyio.run(_clear, database_url)
    assert tables == in_order


def test_the_tables_say_what_the_stories_service_holds(in_order: Tables) -> None:
    _, live, versions = real_events()
    story_rows, member_rows = in_order
    assert dict(member_rows) == live  # every article in its live story, none in an absorbed one
    assert {r[0]: r[1] for r in story_rows if r[7] is None} == versions
    merged = {r[0] for r in story_rows if r[7] is not None}
    assert merged
    assert not merged & set(live.values())


async def test_an_old_snapshot_after_its_merge_moves_no_member_back(database_url: str) -> None:
    events, live, _ = real_events()
    merge = next(e for e in events if e.merged)
    (absorbed,) = merge.merged if len(merge.merged) == 1 else merge.merged[:1]
    stale = [e for e in events if e.story_id == absorbed]
    await _apply(database_url, [[e for e in events if e.story_id != absorbed], stale])
    story_rows, member_rows = await _tables(database_url)
    members = dict(member_rows)
    for event in stale:  # in the story that absorbed theirs, not back in the absorbed one
        assert members[event.article_id] == live[event.article_id]
    (row,) = [r for r in story_rows if r[0] == absorbed]
    assert row[7] is not None  # still merged: a late snapshot does not bring it back


async def test_a_merge_naming_a_story_not_yet_stored_marks_it_merged(database_url: str) -> None:
    events = real_events()[0]
    merge = next(e for e in events if e.merged)
    absorbed = merge.merged[0]
    await _apply(database_url, [[merge]])
    story_rows, _ = await _tables(database_url)
    assert {r[0]: r[7] for r in story_rows}[absorbed] == merge.story_id
    await _apply(database_url, [[e for e in events if e.story_id == absorbed]])
    story_rows, member_rows = await _tables(database_url)
    repository = await open_repository(database_url)
    try:
        listed = {s.story_id for s in await repository.list_stories(100)}
    finally:
        await repository.close()
    assert absorbed not in listed
    assert set(dict(member_rows).values()) == {merge.story_id}  # all in the surviving story


async def test_a_stories_table_from_before_emission_times_gets_the_column(
    database_url: str,
) -> None:
    target = parse_database_url(database_url)
    if target.backend == "sqlite":
        Path(target.location).parent.mkdir(parents=True, exist_ok=True)
    # The table as the release before this one created it.
    await _run_sql(
        database_url,
        [
            "CREATE TABLE stories (id TEXT PRIMARY KEY, version INTEGER NOT NULL, title TEXT, "
            "first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, member_count INTEGER NOT NULL, "
            "payload TEXT NOT NULL, merged_into TEXT)",
            "INSERT INTO stories VALUES ('story-old', 3, 'Old', '2031-01-01', '2031-01-02', 2, "
            "'{}', NULL)",
        ],
    )
    story_rows, _ = await _apply(database_url, [real_events()[0]])
    by_id = {r[0]: r for r in story_rows}
    assert by_id["story-old"][1:2] == (3,)  # kept as it was, with no emission time
    assert by_id["story-old"][8] is None
    assert all(r[8] for r in story_rows if r[0] != "story-old")
