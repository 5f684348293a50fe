"""Reading the pinned topic sources and scoring topic predictions, on hand-made files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.topicmetrics import Prediction, calibration_error, macro_f1, topic_figures
from evaluation.topicsources import (
    TOPIC_DATA,
    LabelledArticle,
    Source,
    SourceError,
    digest,
    iptc_definitions,
    load_manifest,
    load_mapping,
    load_source,
    source_files,
)
from services.enrich.iptc import top_level_names

WCEP_PAGE = """---
title: 2025 June 10
---

#### Armed conflicts and attacks

* [Gaza war](https://en.wikipedia.org/wiki/Gaza_war "Gaza war")
  * Thirty-six [Palestinians](https://x/P "P") are killed by gunfire near an aid site in Gaza. [(AP)](https://apnews.com/a)
* [Colombian conflict](https://x/C)
  * Seven people are killed in nineteen bombings in [Cali](https://x/Cali), Colombia. [(DW)](https://dw.com/a)

#### Health and environment

* A heat dome brings record temperatures and hospital admissions to the region.

#### Sports

* *Team A* beats Team B three goals to one to win the continental cup final.
"""

WCEP_DAY = """Date: '2016-03-15'
Intelligence_Payload:
  Business and economy:
  - Linn Energy says a bankruptcy filing may be unavoidable after oil prices fall. (Reuters)
    (Bloomberg)
  - Short story title
  Syrian civil war:
  - Airstrikes kill at least 41 people in the north of the country, monitors say. (BBC)
  Religion:
  - Pope Francis announces that Mother Teresa will be canonized on September 4. (The Guardian)
"""


def _source(tmp_path: Path, name: str, files: tuple[str, ...], fmt: str) -> Source:
    root = tmp_path / name
    return Source(
        name=name,
        title=name,
        repository="owner/repo",
        commit="0" * 40,
        files=files,
        sha256=digest(
            source_files(Source(name, "", "", "", files, "", "", fmt, "train"), root), root
        ),
        licence="CC BY-SA 4.0",
        format=fmt,
        role="train",
    )


def test_portal_pages_give_leaf_items_under_their_heading(tmp_path: Path) -> None:
    page = tmp_path / "wcep-2025-2026" / "docs/_posts/2025-06-10-index.md"
    page.parent.mkdir(parents=True)
    page.write_text(WCEP_PAGE, encoding="utf-8")
    source = _source(tmp_path, "wcep-2025-2026", ("docs/_posts/*.md",), "wcep-markdown")
    items = load_source(source, tmp_path)
    # Story bullets are not items; the health-and-environment section maps to no topic.
    assert [(a.code, a.text) for a in items] == [
        (
            "medtop:16000000",
            "Thirty-six Palestinians are killed by gunfire near an aid site in Gaza.",
        ),
        ("medtop:16000000", "Seven people are killed in nineteen bombings in Cali, Colombia."),
        (
            "medtop:15000000",
            "Team A beats Team B three goals to one to win the continental cup final.",
        ),
    ]


def test_portal_days_in_yaml_carry_the_heading_into_story_keys(tmp_path: Path) -> None:
    day = tmp_path / "wcep-2010-2020" / "2016/03/2016-03-15.yaml"
    day.parent.mkdir(parents=True)
    day.write_text(WCEP_DAY, encoding="utf-8")
    items = load_source(
        _source(tmp_path, "wcep-2010-2020", ("2016/*/*.yaml",), "wcep-yaml"), tmp_path
    )
    assert [(a.label, a.code, a.text) for a in items] == [
        (
            "Business and economy",
            "medtop:04000000",
            "Linn Energy says a bankruptcy filing may be unavoidable after oil prices fall.",
        ),
        (
            "Business and economy",
            "medtop:04000000",
            "Airstrikes kill at least 41 people in the north of the country, monitors say.",
        ),
        (
            "Religion",
            "medtop:12000000",
            "Pope Francis announces that Mother Teresa will be canonized on September 4.",
        ),
    ]


def test_files_that_are_not_the_pinned_ones_are_refused(tmp_path: Path) -> None:
    page = tmp_path / "wcep-2025-2026" / "docs/_posts/day.md"
    page.parent.mkdir(parents=True)
    page.write_text(WCEP_PAGE, encoding="utf-8")
    source = _source(tmp_path, "wcep-2025-2026", ("docs/_posts/*.md",), "wcep-markdown")
    page.write_text(WCEP_PAGE + "\n* One more item that nobody pinned in the manifest.\n")
    with pytest.raises(SourceError, match="not the pinned ones"):
        load_source(source, tmp_path)
    with pytest.raises(SourceError, match="no file matches"):
        load_source(source, tmp_path / "elsewhere")


def test_a_category_missing_from_the_mapping_is_an_error(tmp_path: Path) -> None:
    page = tmp_path / "wcep-2025-2026" / "docs/_posts/day.md"
    page.parent.mkdir(parents=True)
    page.write_text("#### Cooking\n\n* A chef opens a restaurant serving food from the region.\n")
    source = _source(tmp_path, "wcep-2025-2026", ("docs/_posts/*.md",), "wcep-markdown")
    with pytest.raises(SourceError, match="Cooking"):
        load_source(source, tmp_path)


def test_splits_are_fixed_by_the_id() -> None:
    splits = [
        LabelledArticle("s", f"s:{n}", None, "text", "l", "medtop:15000000").split
        for n in range(2000)
    ]
    assert 0.07 < splits.count("test") / 2000 < 0.13
    assert 0.07 < splits.count("dev") / 2000 < 0.13
    again = LabelledArticle("s", "s:7", None, "other text", "x", "medtop:04000000").split
    assert again == splits[7]


def test_the_manifest_and_its_mappings_agree() -> None:
    codes = set(top_level_names())
    sources = load_manifest()
    assert {s.role for s in sources} == {"train", "cross-source"}
    for source in sources:
        assert len(source.commit) == 40
        assert len(source.sha256) == 64
        assert source.licence
        mapping = load_mapping(source.name)
        assert set(mapping.values()) - {None} <= codes
    raw = json.loads((TOPIC_DATA / "sources.json").read_text(encoding="utf-8"))
    assert len(raw["sources"]) == len(sources)


def test_iptc_definitions_label_every_top_level_topic() -> None:
    definitions = iptc_definitions()
    assert {a.code for a in definitions} == set(top_level_names())
    assert all(a.text or a.title for a in definitions)


def _p(gold: str, *predicted: str, score: float | None = 0.9) -> Prediction:
    return Prediction(gold, predicted, score if predicted else None)


def test_topic_figures() -> None:
    predictions = [
        _p("medtop:15000000", "medtop:15000000"),
        _p("medtop:15000000", "medtop:04000000", "medtop:15000000"),
        _p("medtop:16000000", "medtop:11000000"),
        _p("medtop:07000000"),
    ]
    figures = topic_figures(predictions)
    assert figures["top1_accuracy"] == 0.25
    assert figures["no_topic_share"] == 0.25
    # Conflict predicted as politics is right in the coarse groups; health is not in them.
    assert (figures["coarse_articles"], figures["coarse_accuracy"]) == (3, 0.667)
    assert figures["topics_per_article"] == 1.0
    # F1: sport 2/3, conflict 0, health 0.
    assert macro_f1(predictions) == pytest.approx((2 / 3) / 3)


def test_calibration_error_is_the_gap_between_score_and_accuracy() -> None:
    right = [_p("a", "a", score=0.95) for _ in range(9)]
    wrong = [_p("a", "b", score=0.95)]
    assert calibration_error(right + wrong) == pytest.approx(0.05)
    assert calibration_error([_p("a")]) == 0.0
