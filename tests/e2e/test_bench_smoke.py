"""The benchmarks keep working: each runs at a tiny size (figures are not checked, only shape)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e


def _bench_figures(*args: str) -> dict[str, Any]:
    # A benchmark module run as a user runs it; its last line is its figures as JSON.
    result = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    figures: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return figures


def test_enrich_throughput_runs_and_two_processes_agree_with_one() -> None:
    figures = _bench_figures("bench.enrich_throughput", "--articles", "8", "--rounds", "1")
    assert figures["articles"] == 8
    assert figures["two_process_results_identical"] is True
    assert figures["raw_ner_articles_per_s"] > 0
    assert figures["enrich_articles_per_s"] > 0


def test_story_placement_runs_on_a_gold_file() -> None:
    gold = ROOT / "evaluation" / "gold-stories" / "stories.jsonl"
    figures = _bench_figures("bench.stories_placement", str(gold), "--items", "6")
    assert figures["articles"] == 6
    assert figures["articles_per_s"] > 0
    assert 1 <= figures["stories_in_memory"] <= 6


def test_the_suite_runs_at_a_tiny_size_and_writes_its_table(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.suite",
            "--articles",
            "12",
            "--latency-seconds",
            "2",
            "--feeds",
            "3",
            "--api-articles",
            "300",
            "--out",
            str(tmp_path),
            "--markdown",
            str(tmp_path / "BENCHMARKS.md"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads((tmp_path / "latest.json").read_text())
    assert figures["articles"] == 12
    assert figures["end_to_end"]["measured_articles"] >= 1
    table = (tmp_path / "BENCHMARKS.md").read_text()
    assert "| Enrich through Redis, 2 workers |" in table
    assert figures["api"]["articles"] == 300
    assert "| Read API, 18 kinds of query (300 articles, PostgreSQL) |" in table
    assert f"{figures['usable_cores']} of {figures['cores']} cores" in table
    assert figures["cpu"]
    assert f"({figures['cpu']})" in table
