"""The evaluation harness: its matching and arithmetic, and a run over the seeds' gold."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evaluation.enrichment import GoldEntity, TopicCounts, load_gold, match_entities
from evaluation.topicsources import Source, digest, source_files
from newswire.cli import app
from newswire.evaluation import make_enricher, run_topic_evaluation
from shared.schemas import Entity, Mention, Topic
from shared.settings import Settings
from tests.conftest import ROOT, SEEDS

GOLD = ROOT / "evaluation" / "gold"


def _entity(text: str, label: str, *forms: str) -> Entity:
    return Entity(
        text=text,
        label=label,
        count=1,
        forms=forms or (text,),
        mentions=(Mention(field="text", start=0, end=1),),
    )


def test_a_split_entity_is_one_hit_and_one_false_positive() -> None:
    gold = [GoldEntity("Jens Stoltenberg", "PERSON", ("Stoltenberg",)), GoldEntity("Kyiv", "GPE")]
    counts = match_entities(
        [_entity("Jens Stoltenberg", "PERSON"), _entity("Stoltenberg", "ORG")], gold
    )
    assert (counts.hits, counts.typed_hits, counts.predicted, counts.gold) == (1, 1, 2, 2)
    assert counts.spurious == ["Stoltenberg (ORG)"]
    assert counts.missed == ["Kyiv (GPE)"]


def test_forms_match_aliases_and_places_share_a_class() -> None:
    gold = [GoldEntity("United States", "GPE", ("U.S.",)), GoldEntity("Europe", "LOC")]
    counts = match_entities(
        [_entity("United States of America", "GPE", "U.S"), _entity("Europe", "GPE")], gold
    )
    assert (counts.hits, counts.typed_hits) == (2, 2)


def test_topic_counts() -> None:
    counts = TopicCounts()
    war = Topic(code="medtop:16000000", label="war", score=0.6, evidence=())
    sport = Topic(code="medtop:15000000", label="sport", score=0.4, evidence=())
    counts.add([war, sport], ["war", "politics"])
    counts.add([sport], ["war"])
    counts.add([], ["sport"])
    assert (counts.articles, counts.top_correct, counts.main_found) == (3, 1, 1)
    assert (counts.predicted, counts.gold, counts.hits) == (3, 4, 1)


def test_gold_files_are_well_formed() -> None:
    ids = []
    for path in sorted(GOLD.glob("*.jsonl")):
        for item in load_gold(path, SEEDS):
            ids.append(item.id)
            assert item.topics
            assert item.entities
            assert item.article.text
    assert len(ids) == len(set(ids)) >= 71


def test_the_harness_reports_its_figures_on_the_seeds() -> None:
    result = CliRunner().invoke(
        app, ["evaluate", str(GOLD / "seeds.jsonl"), "--seeds", str(SEEDS), "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)["reports"]["seeds"]
    assert figures["articles"] == 3
    for key, value in figures.items():
        if key.startswith(("entity_", "typed_", "topic_", "main_")):
            assert 0.0 <= value <= 1.0, key
    # Floors, not targets: a regression in entity merging or topics shows here.
    assert figures["entity_f1"] >= 0.9
    assert figures["topic_top1_accuracy"] == 1.0


def test_no_gold_files_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["evaluate"])
    assert result.exit_code == 2


def test_the_story_harness_reports_its_figures() -> None:
    gold = ROOT / "evaluation" / "gold-stories" / "stories.jsonl"
    result = CliRunner().invoke(
        app, ["evaluate-stories", str(gold), "--seeds", str(SEEDS), "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)["stories"]["stories"]
    assert (figures["articles"], figures["gold_stories"]) == (69, 22)
    # Floors, not targets: a regression in copies or clustering shows here.
    assert figures["duplicate_recall"] == 1.0
    assert figures["duplicate_precision"] == 1.0
    assert figures["bcubed_f1"] >= 0.9
    assert figures["pairwise_f1"] >= 0.85
    for run in ("no_wrong_join", "no_split"):  # the gold-assisted runs (see GoldAssisted)
        assert 0.0 < figures[f"bcubed_f1_if_{run}"] <= 1.0
        assert 1 <= figures[f"predicted_stories_if_{run}"] <= figures["articles"]


def test_no_story_gold_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["evaluate-stories", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2


def test_story_evaluation_outside_the_project_folder_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["evaluate-stories"])
    assert result.exit_code == 2
    assert "No story gold file" in result.output


def test_topic_data_that_is_not_the_pinned_data_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "evaluate",
            str(GOLD / "seeds.jsonl"),
            "--seeds",
            str(SEEDS),
            "--topic-data",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2
    assert "no file matches" in result.output


def test_topic_evaluation_reports_held_out_and_cross_source_sets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "wcep-2025-2026" / "day.md"
    page.parent.mkdir()
    # Enough items that some fall in the held-out test split (a hash of each text decides).
    page.write_text(
        "#### Sports\n\n"
        + "".join(
            f"* Team {n} beats the champions three goals to one in the cup final.\n"
            for n in range(40)
        ),
        encoding="utf-8",
    )
    tsv = tmp_path / "masakhanews-eng" / "test.tsv"
    tsv.parent.mkdir()
    tsv.write_text(
        "category\theadline\ttext\turl\n"
        "sports\tStriker scores twice in the cup final\tThe team won the match 2-1.\tu\n"
        "business\tCentral bank raises interest rates\tShares fell as inflation rose.\tu\n",
        encoding="utf-8",
    )
    sources = []
    for name, files, fmt, role in [
        ("wcep-2025-2026", ("day.md",), "wcep-markdown", "train"),
        ("masakhanews-eng", ("test.tsv",), "masakhanews-tsv", "cross-source"),
    ]:
        root = tmp_path / name
        probe = Source(name, "", "", "", files, "", "", fmt, role)  # type: ignore[arg-type]
        sources.append(dataclasses.replace(probe, sha256=digest(source_files(probe, root), root)))
    monkeypatch.setattr("newswire.evaluation.load_manifest", lambda: sources)
    reports = run_topic_evaluation(make_enricher(Settings()), tmp_path)
    assert [r.name for r in reports] == [
        "wcep-2025-2026 (held-out)",
        "masakhanews-eng (cross-source)",
    ]
    held_out, cross = reports
    assert 0 < held_out.figures["articles"] < 40
    assert held_out.figures["top1_accuracy"] == 1.0
    assert cross.figures["articles"] == 2
    assert cross.figures["coarse_articles"] == 2
    assert cross.figures["no_topic_share"] == 0.0
