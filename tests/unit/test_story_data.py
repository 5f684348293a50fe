"""The public story-labelled streams are read as their sources file them."""

from __future__ import annotations

import json
from pathlib import Path

from evaluation import ecbstories, wcepstories

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
