"""The README's main command, exactly as a user runs it, on the embedded default."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

REQUIRED_NAMES = ("Jens Stoltenberg", "NATO", "China", "Russia", "Ukraine")


def _run_demo(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        COLUMNS="1000",  # one table row per line, so each article's row can be read whole
    )
    newswire = Path(sys.executable).parent / "newswire"  # the console script of this venv
    return subprocess.run(
        [str(newswire), "demo", "--logs", str(tmp_path / "logs")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_demo_prints_every_seed_with_its_entities_and_is_idempotent(tmp_path: Path) -> None:
    first = _run_demo(tmp_path)
    assert first.returncode == 0, first.stderr + first.stdout
    assert "Started an embedded Redis-compatible server" in first.stdout
    rows = [line for line in first.stdout.splitlines() if "(GPE" in line]
    assert len(rows) == 3
    for row in rows:
        for name in REQUIRED_NAMES:
            assert name in row, f"{name} missing from {row}"
    assert "3 articles enriched and stored, in 1 story" in first.stdout

    second = _run_demo(tmp_path)
    assert second.returncode == 0, second.stderr + second.stdout
    with sqlite3.connect(tmp_path / "demo.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone() == (3,)
        # The second run replayed the same seeds: still one story, the same one, three members.
        assert db.execute("SELECT count(*) FROM stories").fetchone() == (1,)
        assert db.execute("SELECT count(DISTINCT story_id) FROM story_members").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM story_members").fetchone() == (3,)
