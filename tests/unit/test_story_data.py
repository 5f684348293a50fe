"""The public story-labelled streams are read as their sources file them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from evaluation import ecbstories, newsclusterstories, wcepstories
from evaluation.storydata import held_out_files
from evaluation.topicsources import digest
from tools import build_story_data

_PAGE = """---
title: 2025 March 15
---

#### Armed conflicts and attacks

* [Red Sea crisis](https://en.wikipedia.org/wiki/Red_Sea_crisis "Red Sea crisis")
  * [March 2025 attacks in Yemen](https://w.org/X "X"), [Houthis](https://w.org/H "H")
    * The [United States](https://w.org/US "US") strikes Yemen, killing 31 people. \
More strikes follow. [(AP)](https://apnews.com/a) [(BBC)](https://bbc.com/b)
  * Another item filed under the outer story only, six words. [(DW)](https://dw.com/c)
* A lone item under no story heading at all. [(*The Guardian*)](https://theguardian.com/d)
* Too short. [(AP)](https://apnews.com/e)
"""


def _page(folder: Path, day: str) -> Path:
    path = folder / f"{day}-index.md"
    path.write_text(_PAGE, encoding="utf-8")
    return path


def test_portal_items_take_the_innermost_story_above_them(tmp_path: Path) -> None:
    items = list(wcepstories.page_items(_page(tmp_path, "2025-03-15")))
    assert [(story, outlet, url) for story, _, outlet, url in items] == [
        ("March 2025 attacks in Yemen", "AP", "https://apnews.com/a"),
        ("Red Sea crisis", "DW", "https://dw.com/c"),
        ("", "The Guardian", "https://theguardian.com/d"),
    ]
    assert items[0][1] == "The United States strikes Yemen, killing 31 people. More strikes follow."


def test_a_portal_story_silent_for_longer_than_the_gap_starts_a_new_episode(
    tmp_path: Path,
) -> None:
    pages = [_page(tmp_path, d) for d in ("2025-03-15", "2025-03-17", "2025-03-28")]
    lines = list(wcepstories.story_stream(pages))
    yemen = [line["story"] for line in lines if line["story"].startswith("March 2025")]
    assert yemen == ["March 2025 attacks in Yemen #1"] * 2 + ["March 2025 attacks in Yemen #2"]
    first = lines[0]
    assert first["title"] == "The United States strikes Yemen, killing 31 people."
    assert first["published_at"] == "2025-03-15T12:00:00+00:00"
    lone = [line for line in lines if line["outlet"] == "The Guardian"]
    assert len({line["story"] for line in lone}) == 3  # each its own story
    json.dumps(lines)  # gold lines are plain JSON


def test_ecb_documents_are_joined_back_into_text_with_their_topic_and_half(
    tmp_path: Path,
) -> None:
    tokens = [(0, "http"), (0, "://x"), (1, "Lohan"), (1, "enters"), (1, "rehab"), (1, ".")]
    tokens += [(2, "She"), (2, "''"), (2, "checks"), (2, "in"), (2, "''"), (2, ","), (2, "again")]
    body = "".join(
        f'<token t_id="{n}" sentence="{s}">{t}</token>' for n, (s, t) in enumerate(tokens)
    )
    path = tmp_path / "1_2ecbplus.xml"
    path.write_text(f'<Document doc_name="1_2ecbplus.xml">{body}</Document>', encoding="utf-8")
    (tmp_path / "Icon").write_text("", encoding="utf-8")
    (line,) = ecbstories.story_stream(tmp_path.iterdir())
    assert (line["id"], line["story"]) == ("ecbplus-1_2ecbplus", "1-ecbplus")
    assert (line["title"], line["text"]) == ("Lohan enters rehab.", 'She " checks in ", again')
    assert ecbstories.topic_of(path) == 1


def _news_cluster_article(folder: Path, doc_id: str, event: str, published: str) -> Path:
    # An invented article in the corpus's shape (only the fields the reader uses, and one more).
    path = folder / f"{doc_id}.json"
    item = {
        "dId": doc_id,
        "title": f"Headline {doc_id}",
        "text": f"Body of {doc_id}.",
        "source_domain": f"www.{doc_id}.example",
        "url": f"https://www.{doc_id}.example/a",
        "date_publish": published,
        "language": "en",
        "newsCluster": {"EventId": 1, "Event": event},
    }
    path.write_text(json.dumps(item), encoding="utf-8")
    return path


def test_news_cluster_articles_arrive_by_publish_time_in_episodes_of_their_event(
    tmp_path: Path,
) -> None:
    paths = [
        _news_cluster_article(tmp_path, "c", "flood", "2017-01-05T00:00:00"),
        _news_cluster_article(tmp_path, "a", "flood", "2017-01-01T09:30:00"),
        _news_cluster_article(tmp_path, "b", "quake", "2017-01-01T09:30:00"),
        _news_cluster_article(tmp_path, "d", "flood", "2017-01-07T00:00:00"),
    ]
    lines = list(newsclusterstories.story_stream(paths))
    # Publish time first, the document id breaks ties; four days without a flood article
    # (more than the three-day window) start a second episode, two days do not.
    assert [(line["id"], line["story"]) for line in lines] == [
        ("newscluster-a", "flood #1"),
        ("newscluster-b", "quake #1"),
        ("newscluster-c", "flood #2"),
        ("newscluster-d", "flood #2"),
    ]
    first = lines[0]
    assert (first["title"], first["text"], first["outlet"]) == (
        "Headline a",
        "Body of a.",
        "www.a.example",
    )
    assert first["published_at"] == "2017-01-01T09:30:00+00:00"  # no zone given: UTC
    json.dumps(lines)


def test_a_news_cluster_event_belongs_wholly_to_one_part() -> None:
    roles = {newsclusterstories.role_of(f"event {n}") for n in range(20)}
    assert roles == {"dev", "heldout"}
    assert newsclusterstories.role_of("las_vegas_shooting") == newsclusterstories.role_of(
        "las_vegas_shooting"
    )


def _manifest(root: Path, parts: list[dict[str, str]]) -> None:
    source = {
        "name": "news-cluster",
        "format": "news-cluster-json",
        "folder": "var/story-data",
        "parts": parts,
    }
    folder = root / "evaluation" / "story-data"
    folder.mkdir(parents=True)
    (folder / "sources.json").write_text(json.dumps({"sources": [source]}), encoding="utf-8")


def test_a_source_whose_texts_are_not_committed_is_built_under_var_and_checked(
    tmp_path: Path,
) -> None:
    checkout = tmp_path / "data" / "news-cluster"
    articles = checkout / "Giveme5W1H" / "examples" / "datasets" / "news_cluster" / "data"
    articles.mkdir(parents=True)
    for n in range(6):
        _news_cluster_article(articles, f"doc{n}", f"event {n}", f"2017-01-0{n + 1}T00:00:00")
    files = sorted(articles.glob("*.json"))
    parts = []
    for role in ("dev", "heldout"):
        mine = [
            p for p in files if newsclusterstories.role_of(newsclusterstories.event_of(p)) == role
        ]
        body = "".join(
            json.dumps(line, ensure_ascii=False) + "\n"
            for line in newsclusterstories.story_stream(mine)
        )
        parts.append(
            {
                "file": f"nc-{role}.jsonl",
                "role": role,
                "sha256": digest(mine, checkout),
                "file_sha256": hashlib.sha256(body.encode()).hexdigest(),
            }
        )
    _manifest(tmp_path, parts)
    lines = list(build_story_data.build(tmp_path / "data", tmp_path))
    assert len(lines) == 2
    written = sorted((tmp_path / "var" / "story-data").iterdir())
    assert [p.name for p in written] == ["nc-dev.jsonl", "nc-heldout.jsonl"]
    present, unbuilt = held_out_files(tmp_path)
    assert (present, unbuilt) == ([tmp_path / "var" / "story-data" / "nc-heldout.jsonl"], [])
    # Other files than the pinned ones are refused; a source not checked out is skipped.
    _news_cluster_article(articles, "doc0", "event 0", "2018-01-01T00:00:00")
    with pytest.raises(build_story_data.BuildError, match="input digest"):
        list(build_story_data.build(tmp_path / "data", tmp_path))
    skipped = list(build_story_data.build(tmp_path / "elsewhere", tmp_path))
    assert len(skipped) == 2
    assert all("not checked out" in line for line in skipped)


def test_a_held_out_part_built_locally_and_absent_is_named_not_read(tmp_path: Path) -> None:
    _manifest(tmp_path, [{"file": "nc-heldout.jsonl", "role": "heldout"}])
    assert held_out_files(tmp_path) == ([], [tmp_path / "var" / "story-data" / "nc-heldout.jsonl"])
