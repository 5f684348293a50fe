from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.ingest.feedlist import (
    FeedConfig,
    FeedListError,
    add_feed,
    feed_key,
    load_feed_list,
    remove_feed,
    save_feed_list,
)
from services.ingest.opml import OpmlError, parse_opml, render_opml

ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def test_feed_list_round_trips_and_a_missing_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "feeds.toml"
    assert load_feed_list(path) == []
    feeds = [
        FeedConfig(url="https://news.example.com/rss"),
        FeedConfig(url="https://example.org/atom.xml", title='Example "Org"', full_text=True),
    ]
    save_feed_list(path, feeds)
    assert load_feed_list(path) == feeds
    assert path.read_text().startswith("# newswire feed list")
    assert [p.name for p in path.parent.iterdir()] == ["feeds.toml"]  # no temp files left


def test_the_same_feed_spelled_differently_is_a_duplicate() -> None:
    feeds = [FeedConfig(url="https://example.com/feed")]
    with pytest.raises(FeedListError, match="already listed"):
        add_feed(feeds, FeedConfig(url="HTTPS://Example.com/feed#top"))
    assert feed_key("https://example.com/feed") == feed_key("https://EXAMPLE.com:443/feed")
    assert remove_feed(feeds, "https://example.com/feed#x") == []
    with pytest.raises(FeedListError, match="not in the feed list"):
        remove_feed(feeds, "https://example.com/other")


@pytest.mark.parametrize("url", ["ftp://example.com/x", "/relative", "https://exa mple.com/", ""])
def test_feed_urls_must_be_http(url: str) -> None:
    with pytest.raises(ValueError, match="URL"):
        FeedConfig(url=url)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[feeds]\nurl=", "feeds.toml"),
        ('feeds = "x"', "array of tables"),
        ('[[feeds]]\nurl = "ftp://example.com/"', "feed 1"),
        (
            '[[feeds]]\nurl = "https://example.com/"\n[[feeds]]\nurl = "https://EXAMPLE.com/"',
            "feed 2",
        ),
        ('[[feeds]]\nurl = "https://example.com/"\ncolour = "red"', "feed 1"),
    ],
)
def test_a_broken_feed_list_names_file_and_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(text)
    with pytest.raises(FeedListError, match=message):
        load_feed_list(path)


OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>Subscriptions</title></head><body>
<outline text="World"><outline text="Example World" type="rss" xmlUrl="https://news.example.com/world.xml"/>
  <outline text="Nested"><outline title="Deep" xmlUrl="https://example.org/deep.atom"/></outline></outline>
<outline text="Not http" xmlUrl="ftp://example.net/feed"/>
<outline text="Again" xmlUrl="https://NEWS.example.com/world.xml"/>
<outline text="A category without feeds"/>
</body></opml>"""


def test_opml_import_takes_nested_feeds_and_reports_the_rest() -> None:
    imported = parse_opml(OPML)
    assert [(f.url, f.title) for f in imported.feeds] == [
        ("https://news.example.com/world.xml", "Example World"),
        ("https://example.org/deep.atom", "Deep"),
    ]
    assert len(imported.skipped) == 2
    assert "Not http" in imported.skipped[0]
    assert "already listed" in imported.skipped[1]


@pytest.mark.parametrize(
    "data", [b"", b"not xml", b"<rss version='2.0'><channel/></rss>", b"<opml version='2.0'/>"]
)
def test_non_opml_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(OpmlError, match="not OPML"):
        parse_opml(data)


def test_hostile_opml_expands_no_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    # Ten levels of ten-fold expansion: a billion "lol"s if entities were expanded.
    levels = ['<!ENTITY l0 "lol">']
    levels += [f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)]
    laughs = "".join(levels)
    data = (
        f'<?xml version="1.0"?><!DOCTYPE opml [{laughs}<!ENTITY s SYSTEM "file://{secret}">]>'
        '<opml version="2.0"><head/><body>'
        '<outline text="&l9;" xmlUrl="https://example.com/a"/>'
        '<outline text="&s;" xmlUrl="https://example.com/b"/></body></opml>'
    ).encode()
    try:
        imported = parse_opml(data)
    except OpmlError:
        return  # refusing the document outright is safe too
    titles = "".join(f.title or "" for f in imported.feeds)
    assert "TOP-SECRET" not in titles
    assert len(titles) < 10_000


@given(st.lists(st.text(max_size=40), min_size=1, max_size=5))
def test_render_then_parse_round_trips(titles: list[str]) -> None:
    feeds = [
        FeedConfig(url=f"https://example.com/feed/{n}", title=title)
        for n, title in enumerate(titles)
    ]
    parsed = parse_opml(render_opml(feeds))
    assert [f.url for f in parsed.feeds] == [f.url for f in feeds]
    for original, back in zip(feeds, parsed.feeds, strict=True):
        # Characters XML cannot carry are dropped; everything else survives exactly.
        want = ILLEGAL.sub("", original.title) if original.title else original.url
        assert back.title == (want or None)


def test_a_feed_list_that_cannot_be_written_is_a_feed_list_error(tmp_path: Path) -> None:
    # A file where the folder should be fails for root too, unlike a chmod.
    (tmp_path / "config").write_text("not a folder")
    path = tmp_path / "config" / "feeds.toml"
    with pytest.raises(FeedListError, match=f"cannot write {re.escape(str(path))}: "):
        save_feed_list(path, [FeedConfig(url="https://news.example.com/rss")])
