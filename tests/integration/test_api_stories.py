"""GET /stories and /stories/{id} on both backends: filters, pages, members, merges."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.apidata import CONFLICT, ENVIRONMENT, NATO, SPAIN, article, newsroom, story_event
from tests.integration.conftest import Store
from tests.integration.test_api_articles import get_ok, ids

pytestmark = pytest.mark.integration


@pytest.fixture
async def stored(store: Store) -> None:
    articles, events = newsroom()
    await store(articles, events)


@pytest.mark.usefixtures("stored")
async def test_stories_latest_first_with_sources_entities_and_topics(
    api: httpx.AsyncClient,
) -> None:
    body = await get_ok(api, "/stories")
    assert ids(body) == ["s-heat", "s-paris", "s-nato"]
    nato = body["items"][2]
    assert nato["title"] == "NATO chief warns China over support for Russia"
    assert nato["member_count"] == 3
    assert nato["sources"] == ["Reuters", "BBC", "AP"]
    assert [e["key"] for e in nato["entities"]] == [
        NATO.key,
        "PERSON:jens-stoltenberg",
        "GPE:china",
    ]
    # Counted over its articles: politics in all three, conflict in two.
    assert [(t["code"], t["articles"]) for t in nato["topics"]] == [
        ("medtop:11000000", 3),
        (CONFLICT, 2),
    ]
    assert nato["topics"][0]["label"] == "politics and government"
    assert nato["first_seen"] == "2026-06-17T08:00:00Z"
    assert nato["last_seen"] == "2026-06-17T10:00:00Z"


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"entity": NATO.key}, ["s-nato"]),
        ({"entity": SPAIN.key}, ["s-heat"]),
        ({"entity": "GPE:atlantis"}, []),
        ({"topic": ENVIRONMENT}, ["s-heat"]),
        ({"topic": CONFLICT}, ["s-nato"]),
        ({"min_sources": 2}, ["s-heat", "s-nato"]),
        ({"min_sources": 3}, ["s-nato"]),
        ({"since": "2026-06-17T12:00:00Z"}, ["s-heat", "s-paris"]),
        ({"since": "2026-06-17T12:00:00Z", "topic": ENVIRONMENT}, ["s-heat"]),
    ],
)
async def test_each_story_filter(
    api: httpx.AsyncClient, params: dict[str, str | int], expected: list[str]
) -> None:
    assert ids(await get_ok(api, "/stories", **params)) == expected


async def test_story_pages_are_stable_under_inserts(api: httpx.AsyncClient, store: Store) -> None:
    old = [article(f"x{n}", f"Story {n}", hours=n, story=f"s{n}") for n in range(5)]
    await store(old, [story_event(f"s{n}", [a]) for n, a in enumerate(old)])
    first = await get_ok(api, "/stories", limit=2)
    newer = article("x9", "Story 9", hours=9, story="s9")
    older = article("xb", "Story between", hours=0.5, story="sb")
    await store([newer, older], [story_event("s9", [newer]), story_event("sb", [older])])
    second = await get_ok(api, "/stories", limit=2, cursor=first["next_cursor"])
    third = await get_ok(api, "/stories", limit=2, cursor=second["next_cursor"])
    assert ids(first) + ids(second) + ids(third) == ["s4", "s3", "s2", "s1", "sb", "s0"]
    assert third["next_cursor"] is None


@pytest.mark.usefixtures("stored")
async def test_story_members_in_arrival_order(api: httpx.AsyncClient) -> None:
    body = await get_ok(api, "/stories/s-nato")
    assert [m["id"] for m in body["members"]] == ["a1", "a2", "a3"]
    assert [m["outlet"] for m in body["members"]] == ["Reuters", "BBC", "AP"]
    assert body["members"][2]["duplicate_of"] == "a1"
    assert body["sources"] == ["Reuters", "BBC", "AP"]
    assert body["merged"] == []


async def test_arrival_order_is_the_snapshots_not_the_clock(
    api: httpx.AsyncClient, store: Store
) -> None:
    # A late report of an earlier time arrives last: the snapshot lists it last.
    first = article("m1", "Quake hits coast", hours=5, story="sq")
    late = article("m2", "Quake hits coast, early report", hours=1, story="sq")
    await store([first, late], [story_event("sq", [first, late])])
    body = await get_ok(api, "/stories/sq")
    assert [m["id"] for m in body["members"]] == ["m1", "m2"]


async def test_an_absorbed_story_redirects_to_the_live_one(
    api: httpx.AsyncClient, store: Store
) -> None:
    one = article("k1", "Floods in the north", hours=1, story="s-one")
    two = article("k2", "Northern floods spread", hours=2, story="s-two")
    three = article("k3", "Floods: the toll rises", hours=3, story="s-three")
    await store(
        [one, two, three],
        [story_event("s-one", [one]), story_event("s-two", [two]), story_event("s-three", [three])],
    )
    # s-two absorbs s-one, then s-three absorbs s-two: a chain of two merges.
    await store([], [story_event("s-two", [two, one], version=2, merged=["s-one"])])
    await store([], [story_event("s-three", [three, two, one], version=2, merged=["s-two"])])
    response = await api.get("/stories/s-one")
    assert response.status_code == 307
    assert response.headers["location"] == "http://api/stories/s-three"
    body = (await api.get("/stories/s-one", follow_redirects=True)).json()
    assert body["id"] == "s-three"
    assert [m["id"] for m in body["members"]] == ["k3", "k2", "k1"]
    assert ids(await get_ok(api, "/stories")) == ["s-three"]
    # Articles name their live story.
    assert (await get_ok(api, "/articles/k1"))["story_id"] == "s-three"
    assert ids(await get_ok(api, "/articles", story="s-three")) == ["k3", "k2", "k1"]


async def test_unknown_story_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/stories/nope")
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_sources": 0}, "min_sources"),
        ({"since": "2026-13-01"}, "since"),
        ({"entity": "GPE china"}, "entity"),
        ({"cursor": "eyJhIjoxfQ"}, "cursor"),
        ({"limit": 500}, "limit"),
    ],
)
async def test_bad_story_parameters_get_422(
    api: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    response = await api.get("/stories", params=params)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["query", field]]
