"""One poll of one feed: fetch, parse, normalise, publish what is new, record the outcome.

Every failure ends in the feed's state (shown by `newswire feeds list`) and one structured log
line naming the feed; nothing a feed sends can stop the service or other feeds.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio
import httpx

from services.ingest.entry import SourceError
from services.ingest.feedentries import source_entries
from services.ingest.feeditems import FeedFormatError, describe_error
from services.ingest.feedlist import FeedConfig, feed_identity
from services.ingest.feedparse import parse_feed
from services.ingest.feedstate import FeedState
from services.ingest.feedstore import FeedStateStore
from services.ingest.fetch import (
    Fetched,
    FetchError,
    FetchLimits,
    conditional_headers,
    fetch,
)
from services.ingest.fulltext import extract_article_text
from services.ingest.hostlimits import HostLimiter
from services.ingest.ledger import ArticleLedger
from services.ingest.normalise import RejectedEntry, normalise
from services.ingest.revisions import tell_apart_repeats
from services.ingest.schedule import (
    PollPolicy,
    note_redirect,
    parse_hints,
    schedule_failure,
    schedule_success,
)
from shared.logging import get_logger
from shared.schemas import RawArticle

log = get_logger(__name__)

PollObserver = Callable[[str, int, int], None]
"""Told each poll's outcome (ok, unchanged, failed), articles published and seen unchanged."""

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
_RETRY_LATER = frozenset({429, 503})
_GONE = 410


@dataclass(frozen=True, slots=True)
class Digest:
    """What the CPU-bound part of a poll makes of a feed body."""

    title: str | None
    ttl: str | None
    warning: str | None
    articles: list[RawArticle]
    rejected: list[SourceError]


def digest_feed(
    body: bytes,
    *,
    url: str,
    identity: str,
    headers: Mapping[str, str],
    max_text_bytes: int,
    now: datetime,
) -> Digest:
    """Parse, clean and normalise a feed body fetched from `url` (all CPU: a worker thread runs it).

    `identity` is the feed's (`feed_identity` of its configured URL). Hostile input can make
    feedparser or lxml raise what they never document (deep nesting, odd encodings): in
    the parse that is a broken feed (FeedFormatError), in one entry that entry's error alone.
    """
    try:
        document = parse_feed(body, headers=headers)
    except FeedFormatError:
        raise
    except Exception as exc:
        log.exception("feed parser failed", feed=url)
        msg = f"parser failed: {describe_error(exc)}"
        raise FeedFormatError(msg) from exc
    articles: list[RawArticle] = []
    rejected: list[SourceError] = []
    for entry in source_entries(document, feed_url=url, identity=identity):
        if isinstance(entry, SourceError):
            rejected.append(entry)
            continue
        try:
            articles.append(normalise(entry, max_text_bytes=max_text_bytes, now=now))
        except RejectedEntry as exc:
            rejected.append(SourceError(entry.where, str(exc)))
    return Digest(
        title=document.title,
        ttl=document.ttl,
        warning=document.warning,
        articles=tell_apart_repeats(articles),
        rejected=rejected,
    )


class FeedPoller:
    """Polls feeds with the real adapters it is given; see `poll`."""

    def __init__(
        self,
        *,
        client: httpx.AsyncClient,
        limits: FetchLimits,
        hosts: HostLimiter,
        ledger: ArticleLedger,
        states: FeedStateStore,
        policy: PollPolicy,
        max_text_bytes: int,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        observe: PollObserver | None = None,
    ) -> None:
        self._client = client
        self._limits = limits
        self._hosts = hosts
        self._ledger = ledger
        self._states = states
        self._policy = policy
        self._max_text_bytes = max_text_bytes
        self._rng = rng or random.Random()
        self._clock = clock
        self._observe = observe or (lambda _outcome, _published, _unchanged: None)
        # Parsing is pure Python under the GIL: more threads than one only steal time from the
        # event loop (and from fetches in flight) without parsing any faster.
        self._cpu = anyio.CapacityLimiter(1)

    async def poll(self, feed: FeedConfig, state: FeedState) -> FeedState:
        """Poll `feed` once, publish its new and changed articles, save and return its state."""
        now = self._clock()
        url = state.fetch_url
        try:
            async with self._hosts.slot(url):
                fetched = await fetch(
                    self._client,
                    url,
                    limits=self._limits,
                    headers=conditional_headers(state.etag, state.last_modified),
                    accept=FEED_ACCEPT,
                )
            state = note_redirect(state, fetched.permanent_redirect, policy=self._policy)
            state = await self._handle(feed, state, fetched, now)
        except (FetchError, FeedFormatError) as exc:
            state = self._failed(state, str(exc), now)
        await self._states.save(state)
        return state

    async def _handle(
        self, feed: FeedConfig, state: FeedState, fetched: Fetched, now: datetime
    ) -> FeedState:
        if fetched.status == 304:
            return await self._unchanged(state, fetched, now, reason="not modified")
        if fetched.status == _GONE:
            return self._failed(state, "HTTP 410 Gone: the feed was removed", now, gone=True)
        if fetched.status in _RETRY_LATER:
            hints = parse_hints(fetched.headers, now=now, ttl_minutes=None)
            error = f"HTTP {fetched.status}, retry after {hints.retry_after or 'unspecified'} s"
            return self._failed(state, error, now, retry_after=hints.retry_after)
        if fetched.status != 200:
            raise FetchError(f"HTTP {fetched.status}")
        checksum = hashlib.sha256(fetched.body).hexdigest()
        state = state.model_copy(
            update={
                "etag": fetched.headers.get("etag"),
                "last_modified": fetched.headers.get("last-modified"),
            }
        )
        if checksum == state.checksum:
            return await self._unchanged(state, fetched, now, reason="body unchanged")
        identity = feed_identity(feed.url)
        digest = await anyio.to_thread.run_sync(
            lambda: digest_feed(
                fetched.body,
                url=fetched.url,
                identity=identity,
                headers=fetched.headers,
                max_text_bytes=self._max_text_bytes,
                now=now,
            ),
            limiter=self._cpu,
        )
        published = await self._ledger.publish_new(
            digest.articles,
            owner=identity,
            prepare=self._full_text if feed.full_text else None,
        )
        # What was just published has a fresh record; only the rest needs its clock restarted.
        fresh = {article.id for article in published}
        await self._ledger.keep_alive([a.id for a in digest.articles if a.id not in fresh])
        for article in published:
            log.info(
                "article published",
                article_id=article.id,
                revision=article.revision,
                feed=feed.url,
            )
        for rejected in digest.rejected:
            log.warning(
                "feed entry rejected", feed=feed.url, where=rejected.where, error=rejected.error
            )
        warning = _warning(digest)
        if warning:
            log.warning("feed parsed with problems", feed=feed.url, warning=warning)
        log.info(
            "feed polled",
            feed=feed.url,
            entries=len(digest.articles),
            published=len(published),
            rejected=len(digest.rejected),
        )
        self._observe("ok", len(published), len(digest.articles) - len(published))
        state = state.model_copy(
            update={
                "checksum": checksum,
                "title": digest.title or state.title,
                "last_warning": warning,
                "entries_seen": len(digest.articles),
                "published": state.published + len(published),
                "entry_ids": tuple(article.id for article in digest.articles),
            }
        )
        return schedule_success(
            state,
            now=now,
            policy=self._policy,
            rng=self._rng,
            hints=parse_hints(fetched.headers, now=now, ttl_minutes=digest.ttl),
            published=[a.published_at for a in digest.articles if a.published_at is not None],
        )

    async def _unchanged(
        self, state: FeedState, fetched: Fetched, now: datetime, *, reason: str
    ) -> FeedState:
        await self._ledger.keep_alive(state.entry_ids)
        log.info("feed unchanged", feed=state.url, reason=reason)
        self._observe("unchanged", 0, 0)
        return schedule_success(
            state,
            now=now,
            policy=self._policy,
            rng=self._rng,
            hints=parse_hints(fetched.headers, now=now, ttl_minutes=None),
            published=None,
        )

    def _failed(
        self,
        state: FeedState,
        error: str,
        now: datetime,
        *,
        retry_after: float | None = None,
        gone: bool = False,
    ) -> FeedState:
        self._observe("failed", 0, 0)
        state = schedule_failure(
            state,
            now=now,
            policy=self._policy,
            rng=self._rng,
            error=error,
            retry_after=retry_after,
            gone=gone,
        )
        log.error(
            "feed poll failed",
            feed=state.url,
            error=error,
            errors_in_a_row=state.error_count,
            paused=state.paused_reason,
            next_poll_at=state.next_poll_at.isoformat() if state.next_poll_at else None,
        )
        return state

    async def _full_text(self, article: RawArticle) -> RawArticle:
        """The article with its linked page's text, when that page yields any; else as it was."""
        if not article.url:
            return article
        try:
            async with self._hosts.slot(article.url):
                page = await fetch(
                    self._client, article.url, limits=self._limits, accept="text/html"
                )
        except FetchError as exc:
            log.warning(
                "full text not fetched", article_id=article.id, url=article.url, error=str(exc)
            )
            return article
        text = None
        if page.status == 200:
            text = await anyio.to_thread.run_sync(
                lambda: extract_article_text(page.body, url=page.url), limiter=self._cpu
            )
        if not text or len(text.encode()) > self._max_text_bytes:
            log.warning("full text not extracted", article_id=article.id, status=page.status)
            return article
        return article.model_copy(update={"text": text})


def _warning(digest: Digest) -> str | None:
    parts = []
    if digest.warning:
        parts.append(digest.warning)
    if digest.rejected:
        first = digest.rejected[0]
        parts.append(
            f"{len(digest.rejected)} entries rejected, first: {first.where}: {first.error}"
        )
    return "; ".join(parts) or None
