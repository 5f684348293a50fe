"""Passwords in URLs are masked wherever text is printed or logged."""

from __future__ import annotations

import json
import logging

import pytest

from shared.logging import configure_logging, get_logger
from shared.redact import redact


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("redis://:s3cret@redis:6379/0", "redis://:***@redis:6379/0"),
        ("postgresql://app:s3cret@db:5432/news", "postgresql://app:***@db:5432/news"),
        ("postgresql://app:p@ss@db/news", "postgresql://app:***@db/news"),
        ("rediss://default:s3cret@host", "rediss://default:***@host"),
        ("redis://host:6379/0?password=s3cret&db=1", "redis://host:6379/0?password=***&db=1"),
        ("failed: postgresql://a:s3cret@h/d (refused)", "failed: postgresql://a:***@h/d (refused)"),
        ("redis://host:6379/0", "redis://host:6379/0"),
        ("postgresql://app@db/news", "postgresql://app@db/news"),
        ("sqlite:///var/newswire.sqlite3", "sqlite:///var/newswire.sqlite3"),
        ("see http://example.com:80/a@b", "see http://example.com:80/a@b"),
    ],
)
def test_redact_masks_only_passwords(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_log_lines_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="INFO", json=True, service="test")
    try:
        try:
            raise ConnectionError("cannot reach redis://:s3cret@redis:6379")
        except ConnectionError:
            get_logger("t").exception("failed", url="postgresql://u:s3cret@db/x")
        logging.getLogger("stdlib").warning("stdlib: redis://:s3cret@h")
    finally:
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert "s3cret" not in json.dumps(lines)
    assert lines[0]["url"] == "postgresql://u:***@db/x"
    assert "redis://:***@redis:6379" in lines[0]["exception"]
    assert lines[1]["event"] == "stdlib: redis://:***@h"
