"""The benchmarks keep working: each runs at a tiny size (figures are not checked, only shape)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e


def test_enrich_throughput_runs_and_two_processes_agree_with_one() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.enrich_throughput", "--articles", "8", "--rounds", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.splitlines()[-1])
    assert figures["articles"] == 8
    assert figures["two_process_results_identical"] is True
    assert figures["raw_ner_articles_per_s"] > 0
    assert figures["enrich_articles_per_s"] > 0
