"""`newswire up` runs every service until stopped; `newswire replay` reports what it did."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from newswire.up import HEALTH_PORTS
from shared.settings import Settings
from tests.conftest import ROOT, SEEDS
from tests.helpers import wait_ready

pytestmark = pytest.mark.e2e

NEWSWIRE = str(Path(sys.executable).parent / "newswire")


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "REDIS_URL": settings.require_redis_url(),
        "STREAM_PREFIX": settings.stream_prefix,
        "DATABASE_URL": settings.database_url,
    }


def test_replay_shows_each_failure_and_the_totals(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "A fine article about talks in Geneva."}\nnot json\n')
    result = subprocess.run(
        [NEWSWIRE, "replay", str(SEEDS), str(bad)],
        env=_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert f"{bad}:2:" in result.stderr
    assert "4 published, 1 failed" in result.stderr


def test_up_runs_the_services_until_sigterm(settings: Settings, tmp_path: Path) -> None:
    up = subprocess.Popen(
        [NEWSWIRE, "up", "--no-feeds", "--logs", str(tmp_path / "logs")],
        env=_env(settings),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_ready(HEALTH_PORTS["store"], up)
        wait_ready(HEALTH_PORTS["enrich"], up)
        replay = subprocess.run(
            [NEWSWIRE, "replay", str(SEEDS)],
            env=_env(settings),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert replay.returncode == 0, replay.stderr
        deadline = time.monotonic() + 120
        while True:
            stats = subprocess.run(
                [NEWSWIRE, "stats", "--json"],
                env=_env(settings),
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            if '"rows_stored": 3' in stats.stdout:
                break
            assert time.monotonic() < deadline, stats.stdout
            time.sleep(0.5)
        # The read API runs too, over the same database: the seeds are one story there.
        api_port = Settings(_env_file=None).api_port
        wait_ready(api_port, up)
        stories = httpx.get(f"http://127.0.0.1:{api_port}/stories", timeout=10).json()
        assert [story["member_count"] for story in stories["items"]] == [3]
    finally:
        up.send_signal(signal.SIGTERM)
        output, _ = up.communicate(timeout=60)
    assert up.returncode == 0, output
    assert "enrich: pid" in output
    assert "api: pid" in output
    assert "Stopping" in output
