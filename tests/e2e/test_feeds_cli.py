"""`newswire feeds …`: the feed list, OPML, polling once, health, pausing and resuming."""

from __future__ import annotations

import errno
import json
import tempfile
from pathlib import Path

import pytest
from redis import Redis
from typer.testing import CliRunner

from newswire.cli import app
from services.ingest.feedlist import load_feed_list
from tests.feedfactory import rss_feed
from tests.feedserver import FeedRoute, FeedServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def feeds_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "feeds.toml"
    monkeypatch.setenv("FEEDS_FILE", str(path))
    monkeypatch.setenv("FEED_INITIAL_SPREAD", "0")
    monkeypatch.delenv("REDIS_URL", raising=False)
    return path


@pytest.fixture
def with_redis(feeds_file: Path, sync_redis: Redis) -> Redis:
    # After `feeds_file`, which unsets REDIS_URL, so that `sync_redis` sets it again.
    return sync_redis


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["feeds", *args])
    return result.exit_code, result.stdout, result.stderr


def test_add_list_remove(feeds_file: Path) -> None:
    assert _run("add", "https://news.example.com/rss", "--title", "Example")[0] == 0
    assert _run("add", "https://example.org/atom.xml", "--full-text")[0] == 0
    code, _, err = _run("add", "HTTPS://NEWS.example.com/rss#again")
    assert code == 1
    assert "already listed" in err
    code, _, err = _run("add", "ftp://example.net/feed")
    assert code == 1
    assert "not an absolute http(s) URL" in err

    code, out, err = _run("list", "--json")
    assert code == 0
    assert "REDIS_URL is not set" in err
    listed = [json.loads(line) for line in out.splitlines()]
    assert [(f["url"], f["title"], f["status"]) for f in listed] == [
        ("https://news.example.com/rss", "Example", "unknown"),
        ("https://example.org/atom.xml", None, "unknown"),
    ]
    assert "Example" in _run("list")[1]  # the table for people

    assert _run("remove", "https://news.example.com/rss")[0] == 0
    assert [f.url for f in load_feed_list(feeds_file)] == ["https://example.org/atom.xml"]
    assert load_feed_list(feeds_file)[0].full_text
    assert _run("remove", "https://news.example.com/rss")[0] == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::1]/feed",
        "http://localhost:6379/",
        "http://0x7f000001/",
    ],
)
def test_a_feed_at_an_internal_address_is_not_added(
    feeds_file: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.delenv("FEED_ALLOW_PRIVATE_NETWORKS", raising=False)
    code, _, err = _run("add", url)
    assert code == 1
    assert "Not added: refused" in err
    assert "FEED_ALLOW_PRIVATE_NETWORKS is off" in err
    assert not feeds_file.exists()
    monkeypatch.setenv("FEED_ALLOW_PRIVATE_NETWORKS", "true")
    assert _run("add", url)[0] == 0


def test_a_read_only_feed_list_is_a_clear_error(
    feeds_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in a container whose mounted /config the service user cannot write (tests may run as
    # root, which a chmod does not stop, so the refusal is made where the file is created).
    assert _run("add", "https://news.example.com/rss")[0] == 0
    before = feeds_file.read_text()

    def refuse(**_: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied", "/config/.feeds.toml.x.tmp")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    for args in (
        ("add", "https://example.org/atom.xml"),
        ("remove", "https://news.example.com/rss"),
    ):
        result = CliRunner().invoke(app, ["feeds", *args])
        assert result.exit_code == 1
        assert result.exception is None or isinstance(result.exception, SystemExit)
        [line] = result.stderr.splitlines()
        assert line.startswith(f"Not saved: cannot write {feeds_file}: Permission denied.")
        assert f"Make {feeds_file.parent} writable for uid" in line
    assert feeds_file.read_text() == before


def test_opml_import_and_export(feeds_file: Path, tmp_path: Path) -> None:
    opml = tmp_path / "in.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body><outline text="News">'
        '<outline text="One" xmlUrl="https://one.example.com/rss"/>'
        '<outline text="Bad" xmlUrl="gopher://two.example.com/"/>'
        '<outline text="Inside" xmlUrl="http://192.168.1.1/rss"/></outline></body></opml>'
    )
    code, _, err = _run("import-opml", str(opml))
    assert code == 0
    assert "skipped: refused 192.168.1.1: the address is private" in err
    assert "1 feeds added, 0 already listed, 2 skipped" in err
    assert _run("import-opml", str(opml))[2].startswith("skipped")

    out_file = tmp_path / "out.opml"
    assert _run("export-opml", "-o", str(out_file))[0] == 0
    assert 'xmlUrl="https://one.example.com/rss"' in out_file.read_text()
    assert "not OPML" in _run("import-opml", str(feeds_file))[2]


def test_poll_list_pause_and_resume(with_redis: Redis, stream_prefix: str) -> None:
    with FeedServer() as server:
        server.set("/good", FeedRoute(body=rss_feed(feed_no=1, entries=3)))
        server.set("/gone", FeedRoute(status=410))
        for path in ("/good", "/gone"):
            assert _run("add", server.url(path))[0] == 0

        code, out, _ = _run("poll")
        assert code == 1  # one feed failed
        assert with_redis.xlen(f"{stream_prefix}:articles:raw") == 3

        code, out, _ = _run("list", "--json")
        assert code == 0
        good, gone = (json.loads(line) for line in out.splitlines())
        assert (good["status"], good["entries_seen"], good["published"]) == ("ok", 3, 3)
        assert good["last_success_at"]
        assert good["next_poll_at"]
        assert gone["status"] == "paused"
        assert "410 Gone" in gone["paused_reason"]
        assert gone["last_error"]
        assert gone["next_poll_at"] is None

        server.set("/gone", FeedRoute(body=rss_feed(feed_no=2, entries=1)))
        assert _run("resume", server.url("/gone"))[0] == 0
        code, out, _ = _run("poll", "--json")
        assert code == 0
        assert {json.loads(line)["status"] for line in out.splitlines()} == {"ok"}
        assert with_redis.xlen(f"{stream_prefix}:articles:raw") == 4
