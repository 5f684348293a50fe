"""The feed list: a TOML file of the feeds to poll, edited by hand or by `newswire feeds`.

```toml
[[feeds]]
url = "https://example.com/rss.xml"
title = "Example"      # optional
full_text = false      # optional: fetch each new article's page and extract its text
```
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import tomllib
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import tomli_w
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from shared.batch import describe_validation_error
from shared.ids import canonical_url

_HEADER = "# newswire feed list: edit by hand or with `newswire feeds add/remove`.\n"


class FeedListError(ValueError):
    """A feed list that cannot be read, or an edit that cannot be made; the message says why."""


class FeedConfig(BaseModel):
    """One feed the user asked ingest to poll."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    title: str | None = None
    full_text: bool = False

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if any(ch.isspace() for ch in value):
            msg = f"feed URL contains whitespace: {value!r}"
            raise ValueError(msg)
        canonical_url(value)  # raises ValueError for anything but an absolute http(s) URL
        return value


def feed_key(url: str) -> str:
    """A short stable id of a feed: the same for every spelling of its URL."""
    return hashlib.sha256(canonical_url(url).encode()).hexdigest()[:16]


def feed_identity(url: str) -> str:
    """Who a feed is to its articles: what its bare GUIDs are scoped to and who owns them.

    Taken from the configured URL, never from where the feed is fetched now, so adopting a
    redirect changes nothing; blind to http/https and a leading `www.`, so moving there (and
    editing the list to match) keeps the feed's articles too.
    """
    parts = urlsplit(canonical_url(url))
    where = f"{parts.netloc.removeprefix('www.')}{parts.path}?{parts.query}"
    return hashlib.sha256(where.encode()).hexdigest()[:16]


def load_feed_list(path: Path) -> list[FeedConfig]:
    """The feeds listed in `path` (none if it does not exist)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path}: {exc}"
        raise FeedListError(msg) from exc
    entries = document.get("feeds", [])
    if not isinstance(entries, list):
        msg = f"{path}: `feeds` must be an array of tables ([[feeds]])"
        raise FeedListError(msg)
    feeds: list[FeedConfig] = []
    for number, entry in enumerate(entries, start=1):
        try:
            feed = FeedConfig.model_validate(entry)
            feeds = add_feed(feeds, feed)
        except ValidationError as exc:
            msg = f"{path}: feed {number}: {describe_validation_error(exc)}"
            raise FeedListError(msg) from exc
        except FeedListError as exc:
            msg = f"{path}: feed {number}: {exc}"
            raise FeedListError(msg) from exc
    return feeds


def save_feed_list(path: Path, feeds: Sequence[FeedConfig]) -> None:
    """Write `feeds` to `path` atomically: a reader sees the old list or the new, never half.

    FeedListError if it cannot be written (a read-only mount, a folder of another user).
    """
    document = {"feeds": [feed.model_dump(exclude_defaults=True) for feed in feeds]}
    try:
        _replace(path, _HEADER + tomli_w.dumps(document))
    except OSError as exc:
        msg = f"cannot write {path}: {exc.strerror or exc}"
        raise FeedListError(msg) from exc


def _replace(path: Path, text: str) -> None:
    # A temporary file beside it, renamed over it: the folder must be writable, not only the file.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def add_feed(feeds: Sequence[FeedConfig], feed: FeedConfig) -> list[FeedConfig]:
    """`feeds` with `feed` appended; FeedListError if it is already listed (any spelling)."""
    key = feed_key(feed.url)
    for listed in feeds:
        if feed_key(listed.url) == key:
            msg = f"{feed.url} is already listed (as {listed.url})"
            raise FeedListError(msg)
    return [*feeds, feed]


def remove_feed(feeds: Sequence[FeedConfig], url: str) -> list[FeedConfig]:
    """`feeds` without the feed at `url` (any spelling); FeedListError if it is not listed."""
    try:
        key = feed_key(url)
    except ValueError as exc:
        raise FeedListError(str(exc)) from exc
    kept = [feed for feed in feeds if feed_key(feed.url) != key]
    if len(kept) == len(feeds):
        msg = f"{url} is not in the feed list"
        raise FeedListError(msg)
    return kept
