"""No password in REDIS_URL or DATABASE_URL reaches the console or a log: `newswire up`,
`newswire demo`, each service's log, and the paths where something fails."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from redis import Redis as SyncRedis

from newswire.up import HEALTH_PORTS
from shared.embedded_redis import embedded_redis
from shared.redact import MASK
from tests.conftest import ROOT, SEEDS
from tests.helpers import free_port, wait_ready

pytestmark = pytest.mark.e2e

PASSWORD = "pw-7Hq2-known-secret"
NEWSWIRE = str(Path(sys.executable).parent / "newswire")


@pytest.fixture
def redis_with_password() -> Iterator[str]:
    """A private server that requires PASSWORD; its URL carries it."""
    with embedded_redis() as url:
        parts = urlsplit(url)
        SyncRedis.from_url(url).config_set("requirepass", PASSWORD)
        yield urlunsplit(parts._replace(netloc=f":{PASSWORD}@{parts.netloc}"))


def _with_password(url: str) -> str:
    # The local test server trusts its clients, so a password in the URL is sent and ignored.
    parts = urlsplit(url)
    if parts.password is not None:
        pytest.skip("the PostgreSQL URL of this run has its own password")
    return urlunsplit(
        parts._replace(
            netloc=f"{parts.username or 'postgres'}:{PASSWORD}@{parts.hostname}:"
            f"{parts.port or 5432}"
        )
    )


@pytest.fixture
def secret_env(
    redis_with_password: str, postgres_database: str, stream_prefix: str, tmp_path: Path
) -> dict[str, str]:
    """The environment of a run whose both URLs hold PASSWORD."""
    return {
        **os.environ,
        "REDIS_URL": redis_with_password,
        "DATABASE_URL": _with_password(postgres_database),
        "STREAM_PREFIX": stream_prefix,
        "FEEDS_FILE": str(tmp_path / "feeds.toml"),
        "COLUMNS": "200",
    }


def _everything_written(output: str, logs: Path) -> str:
    return output + "".join(path.read_text(errors="replace") for path in logs.glob("*.log"))


def _assert_no_password(text: str) -> None:
    assert PASSWORD not in text
    assert PASSWORD[:8] not in text  # nor a recognisable part of it


def test_up_and_its_services_never_print_the_password(
    secret_env: dict[str, str], tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    up = subprocess.Popen(
        [NEWSWIRE, "up", "--logs", str(logs)],
        env=secret_env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for name in ("store", "enrich", "stories", "ingest"):
            wait_ready(HEALTH_PORTS[name], up)
        replay = subprocess.run(
            [NEWSWIRE, "replay", str(SEEDS)],
            env=secret_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        stats = subprocess.run(
            [NEWSWIRE, "stats"],
            env=secret_env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    finally:
        up.send_signal(signal.SIGTERM)
        output, _ = up.communicate(timeout=90)
    assert up.returncode == 0, output
    # Both URLs are shown, with the password masked.
    assert f"REDIS_URL=redis://:{MASK}@" in output
    assert f"DATABASE_URL=postgresql://postgres:{MASK}@" in output
    written = _everything_written(output + replay.stderr + stats.stdout + stats.stderr, logs)
    assert "article enriched" in written  # the services' logs were read, not an empty folder
    _assert_no_password(written)


def test_demo_never_prints_the_password(secret_env: dict[str, str], tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    demo = subprocess.run(
        [NEWSWIRE, "demo", "--logs", str(logs)],
        env=secret_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert f"Store: postgresql://postgres:{MASK}@" in demo.stdout
    _assert_no_password(_everything_written(demo.stdout + demo.stderr, logs))


def test_failures_never_print_the_password(secret_env: dict[str, str], tmp_path: Path) -> None:
    # A database that refuses connections: the store service's log and a command's error.
    unreachable = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/nowhere"
    env = {**secret_env, "DATABASE_URL": unreachable, "HEALTH_PORT": "0", "LOG_LEVEL": "DEBUG"}
    log_path = tmp_path / "store.log"
    with log_path.open("w") as log:
        store = subprocess.Popen(
            [sys.executable, "-m", "services.store"], env=env, cwd=ROOT, stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + 120
            while store.poll() is None and "127.0.0.1" not in log_path.read_text():
                assert time.monotonic() < deadline, "the store never reported the database"
                time.sleep(0.3)
        finally:
            store.send_signal(signal.SIGTERM)
            store.wait(timeout=60)
    stories = subprocess.run(
        [NEWSWIRE, "stories"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert stories.returncode != 0
    # A Redis that refuses the password: a command's error.
    wrong = {**secret_env, "REDIS_URL": f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"}
    stats = subprocess.run(
        [NEWSWIRE, "stats"], env=wrong, capture_output=True, text=True, timeout=60, check=False
    )
    assert stats.returncode != 0
    written = log_path.read_text() + stories.stdout + stories.stderr + stats.stdout + stats.stderr
    assert "127.0.0.1" in written  # the failures were reported, with where they happened
    _assert_no_password(written)
