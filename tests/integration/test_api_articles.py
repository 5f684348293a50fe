"""GET /articles and /articles/{id} on both backends, over data stored by the repository."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.apidata import CONFLICT, ENVIRONMENT, NATO, POLITICS, SPAIN, article, newsroom
from tests.integration.conftest import Store

pytestmark = pytest.mark.integration


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


async def get_ok(api: httpx.AsyncClient, path: str, **params: str | int) -> dict[str, Any]:
    response = await api.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def stored(store: Store) -> None:
    articles, events = newsroom()
    await store(articles, events)


@pytest.mark.usefixtures("stored")
async def test_articles_newest_first_with_story_and_copy(api: httpx.AsyncClient) -> None:
    body = await get_ok(api, "/articles")
    # b2 has no published date: its ingest time (26 h) counts.
    assert ids(body) == ["b2", "c1", "b1", "a3", "a2", "a1"]
    assert body["next_cursor"] is None
    a3 = body["items"][3]
    assert a3["story_id"] == "s-nato"
    assert a3["duplicate_of"] == "a1"
    assert a3["outlet"] == "AP"
    assert a3["url"] == "https://news.example/a3"
    assert a3["seen_at"] == "2026-06-17T10:00:00Z"


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"entity": NATO.key}, ["a3", "a2", "a1"]),
        ({"entity": SPAIN.key}, ["b2", "b1"]),
        ({"topic": CONFLICT}, ["a3", "a1"]),
        ({"topic": ENVIRONMENT}, ["b2", "b1"]),
        ({"topic": POLITICS, "entity": NATO.key}, ["a3", "a2", "a1"]),
        ({"topic": CONFLICT, "entity": SPAIN.key}, []),
        ({"story": "s-heat"}, ["b2", "b1"]),
        ({"outlet": "BBC"}, ["a2"]),
        ({"language": "fr"}, ["c1"]),
        ({"since": "2026-06-17T10:00:00Z"}, ["b2", "c1", "b1", "a3"]),
        ({"until": "2026-06-17T10:00:00Z"}, ["a2", "a1"]),
        # No zone: UTC. Another zone is converted.
        ({"since": "2026-06-17T11:00:00", "until": "2026-06-17T14:00:00+01:00"}, ["b1"]),
        ({"entity": SPAIN.key, "since": "2026-06-18T00:00:00Z"}, ["b2"]),
        ({"q": "wildfires"}, ["b1"]),
        ({"q": "China warns"}, ["a3", "a1"]),
        ({"q": "budget", "language": "fr"}, ["c1"]),
        ({"q": "nothing-matches-this"}, []),
    ],
)
async def test_each_filter(
    api: httpx.AsyncClient, params: dict[str, str], expected: list[str]
) -> None:
    assert ids(await get_ok(api, "/articles", **params)) == expected


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize(
    "q", ["NOT", "a OR b", "title:x", "near(a b)", 'x"y', "x'); DROP TABLE stories; --"]
)
async def test_search_words_are_never_query_syntax(api: httpx.AsyncClient, q: str) -> None:
    assert ids(await get_ok(api, "/articles", q=q)) == []
    assert len(ids(await get_ok(api, "/articles"))) == 6  # and the table is still there


async def test_pages_are_stable_under_inserts(api: httpx.AsyncClient, store: Store) -> None:
    await store([article(f"old{n}", f"Report {n}", hours=n) for n in range(7)], [])
    seen: list[str] = []
    body = await get_ok(api, "/articles", limit=3)
    seen += ids(body)
    # Newer articles, and one older than everything read so far, arrive between pages.
    await store(
        [
            article("new1", "Report new", hours=100),
            article("between", "Report between", hours=0.5),
            article("same-time", "Report same time", hours=4),  # ties old4 on seen_at
        ],
        [],
    )
    while body["next_cursor"]:
        body = await get_ok(api, "/articles", limit=3, cursor=body["next_cursor"])
        seen += ids(body)
    assert seen[:3] == ["old6", "old5", "old4"]
    assert len(seen) == len(set(seen)), "an article was repeated"
    # Every article older than the first page is met once, the newer one is not.
    assert set(seen) == {f"old{n}" for n in range(7)} | {"between"}
    assert "same-time" not in seen  # it sorts above old4 ("s" > "o"), already passed


@pytest.mark.usefixtures("stored")
async def test_limit_and_cursor_walk_every_article_once(api: httpx.AsyncClient) -> None:
    walked: list[str] = []
    params: dict[str, str | int] = {"limit": 1}
    for _ in range(10):
        body = await get_ok(api, "/articles", **params)
        walked += ids(body)
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert walked == ["b2", "c1", "b1", "a3", "a2", "a1"]


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"limit": 0}, "limit", "greater than or equal to 1"),
        ({"limit": 201}, "limit", "less than or equal to 200"),
        ({"limit": "ten"}, "limit", "valid integer"),
        ({"cursor": "not-a-cursor"}, "cursor", "not one this API issued"),
        ({"cursor": "WyJ4Il0"}, "cursor", "not one this API issued"),  # ["x"]
        ({"since": "yesterday"}, "since", "valid datetime"),
        ({"since": "2026-06-18T00:00:00Z", "until": "2026-06-17T00:00:00Z"}, "until", "later"),
        ({"entity": "nato"}, "entity", "pattern"),
        ({"topic": "politics"}, "topic", "pattern"),
        ({"language": "English"}, "language", "pattern"),
        ({"q": "   "}, "q", "must contain a word"),
        ({"q": '" * ()'}, "q", "must contain a word"),
        ({"q": "x" * 201}, "q", "at most 200"),
    ],
)
async def test_bad_parameters_get_422_naming_them(
    api: httpx.AsyncClient, params: dict[str, str | int], field: str, words: str
) -> None:
    response = await api.get("/articles", params=params)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", field]
    assert words in error["msg"]


@pytest.mark.usefixtures("stored")
async def test_one_article_is_the_stored_event_with_its_live_story(
    api: httpx.AsyncClient,
) -> None:
    body = await get_ok(api, "/articles/a3")
    assert body["id"] == "a3"
    assert body["story_id"] == "s-nato"
    assert body["duplicate_of"] == "a1"
    assert [e["key"] for e in body["entities"]] == [
        NATO.key,
        "PERSON:jens-stoltenberg",
        "GPE:china",
    ]
    assert [t["code"] for t in body["topics"]] == [CONFLICT, POLITICS]
    assert body["text"].startswith("NATO chief warns")


async def test_unknown_article_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/articles/nope")
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


async def test_a_revision_replaces_the_article_and_its_index(
    api: httpx.AsyncClient, store: Store
) -> None:
    await store([article("r1", "Spain heat", hours=1, entities=[SPAIN])], [])
    await store([article("r1", "NATO summit", hours=1, entities=[NATO], revision=2)], [])
    assert ids(await get_ok(api, "/articles", entity=NATO.key)) == ["r1"]
    assert ids(await get_ok(api, "/articles", entity=SPAIN.key)) == []
    assert (await get_ok(api, "/articles/r1"))["revision"] == 2
