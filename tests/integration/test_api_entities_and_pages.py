"""GET /entities/{key}, health, and the stories page's HTML, on both backends."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from services.api.app import create_app
from shared.settings import Settings
from tests.apidata import CONFLICT, NATO, SPAIN, STOLTENBERG, article, newsroom, story_event
from tests.integration.conftest import Store
from tests.integration.test_api_articles import get_ok

pytestmark = pytest.mark.integration


@pytest.fixture
async def stored(store: Store) -> None:
    articles, events = newsroom()
    await store(articles, events)


@pytest.mark.usefixtures("stored")
async def test_entity_name_forms_and_days(api: httpx.AsyncClient) -> None:
    body = await get_ok(api, f"/entities/{SPAIN.key}")
    assert body["key"] == "GPE:spain"
    assert (body["name"], body["label"]) == ("Spain", "GPE")
    assert body["forms"] == ["Spain", "Spanish"]
    # Seen on the 17th (b1) and the 18th (b2, ingest time): the window ends on the 18th.
    assert body["until"] == "2026-06-18"
    assert body["since"] == "2026-05-20"
    assert body["days"] == [
        {"day": "2026-06-17", "articles": 1, "stories": 1},
        {"day": "2026-06-18", "articles": 1, "stories": 1},
    ]
    narrow = await get_ok(api, f"/entities/{SPAIN.key}", days=1, until="2026-06-17")
    assert narrow["days"] == [{"day": "2026-06-17", "articles": 1, "stories": 1}]


async def test_entity_counts_stories_per_day(api: httpx.AsyncClient, store: Store) -> None:
    day = [
        article(f"e{n}", f"NATO report {n}", hours=n, entities=[NATO], story=f"st{n % 2}")
        for n in range(4)
    ]
    await store(day, [story_event("st0", day[0::2]), story_event("st1", day[1::2])])
    body = await get_ok(api, f"/entities/{NATO.key}")
    assert body["days"] == [{"day": "2026-06-17", "articles": 4, "stories": 2}]


async def test_unknown_entity_is_404_and_bad_key_422(api: httpx.AsyncClient) -> None:
    assert (await api.get("/entities/GPE:atlantis")).status_code == 404
    assert (await api.get("/entities/atlantis")).status_code == 422
    assert (await api.get(f"/entities/{NATO.key}", params={"days": 0})).status_code == 422


async def test_health_and_readiness(api: httpx.AsyncClient) -> None:
    assert (await get_ok(api, "/healthz")) == {"status": "ok"}
    assert (await get_ok(api, "/readyz")) == {"database": True}


@pytest.mark.usefixtures("stored")
async def test_front_page_lists_stories_with_sources_entities_topics(
    api: httpx.AsyncClient,
) -> None:
    response = await api.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<meta name="viewport"' in html
    assert re.findall(r'href="/stories/([^/"]+)/page"', html) == ["s-heat", "s-paris", "s-nato"]
    assert "Reuters, BBC, AP" in html
    assert "3 articles" in html
    assert f'href="/entities/{STOLTENBERG.key}/page"' in html
    assert "conflict, war and peace" in html
    assert "2026-06-17 08:00 UTC" in html


@pytest.mark.usefixtures("stored")
async def test_story_page_links_its_articles(api: httpx.AsyncClient) -> None:
    html = (await api.get("/stories/s-nato/page")).text
    links = re.findall(r'<a href="(https://news.example/[^"]+)" rel="noopener', html)
    assert links == [f"https://news.example/{n}" for n in ("a1", "a2", "a3")]
    assert "a copy" in html


@pytest.mark.usefixtures("stored")
async def test_entity_page_shows_days_stories_and_articles(api: httpx.AsyncClient) -> None:
    html = (await api.get(f"/entities/{NATO.key}/page")).text
    assert "<h1>NATO</h1>" in html
    assert "North Atlantic Treaty Organization" in html
    assert 'href="/stories/s-nato/page"' in html
    assert html.count("https://news.example/a") == 3


async def test_hostile_feed_text_is_shown_as_text(api: httpx.AsyncClient, store: Store) -> None:
    evil = article(
        "evil",
        "<script>alert(1)</script> Breaking",
        hours=1,
        outlet='<img src=x onerror="alert(2)">',
        story="s-evil",
        url="javascript:alert(3)",
    )
    await store([evil], [story_event("s-evil", [evil])])
    for path in ("/", "/stories/s-evil/page"):
        html = (await api.get(path)).text
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Breaking" in html
        assert "<img src=x" not in html
        assert "javascript:" not in html


async def test_pages_redirect_merged_stories_and_404_unknown(
    api: httpx.AsyncClient, store: Store
) -> None:
    one = article("k1", "Floods", hours=1, story="s-one", topics=[])
    two = article("k2", "More floods", hours=2, story="s-two")
    await store([one, two], [story_event("s-one", [one]), story_event("s-two", [two])])
    await store([], [story_event("s-two", [two, one], version=2, merged=["s-one"])])
    response = await api.get("/stories/s-one/page")
    assert response.status_code == 307
    assert response.headers["location"].endswith("/stories/s-two/page")
    assert (await api.get("/stories/nope/page")).status_code == 404
    assert (await api.get(f"/entities/{CONFLICT}/page")).status_code == 422


async def test_not_ready_until_the_store_created_its_tables(tmp_path: Path) -> None:
    app = create_app(Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'new.db'}"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            assert (await client.get("/healthz")).status_code == 200
            response = await client.get("/readyz")
            assert response.status_code == 503
            assert response.json() == {"database": False}
