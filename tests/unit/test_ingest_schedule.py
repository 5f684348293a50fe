from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.ingest.feedstate import FeedState
from services.ingest.schedule import (
    PollPolicy,
    ServerHints,
    adaptive_interval,
    note_redirect,
    parse_hints,
    resume,
    schedule_failure,
    schedule_success,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = PollPolicy(
    min_interval=600,
    max_interval=21_600,
    max_backoff=86_400,
    max_errors=4,
    jitter=0.0,
    redirect_confirmations=3,
)
FEED = FeedState.first("https://news.example.com/rss")


def _hourly(count: int) -> list[datetime]:
    return [NOW - timedelta(hours=n) for n in range(count)]


def test_adaptive_interval_follows_publishing_rate_within_bounds() -> None:
    assert adaptive_interval(_hourly(168), now=NOW, policy=POLICY) == pytest.approx(3600)
    every_minute = [NOW - timedelta(minutes=n) for n in range(5000)]
    assert adaptive_interval(every_minute, now=NOW, policy=POLICY) == POLICY.min_interval
    assert adaptive_interval([], now=NOW, policy=POLICY) == POLICY.max_interval
    old_and_future = [NOW - timedelta(days=30), NOW + timedelta(days=2)]
    assert adaptive_interval(old_and_future, now=NOW, policy=POLICY) == POLICY.max_interval


def test_server_hints_lengthen_the_interval_but_not_past_the_maximum() -> None:
    hints = ServerHints(max_age=7200, ttl=None)
    state = schedule_success(
        FEED, now=NOW, policy=POLICY, rng=random.Random(1), hints=hints, published=_hourly(1000)
    )
    assert state.interval_seconds == 7200
    assert state.next_poll_at == NOW + timedelta(seconds=7200)
    huge_ttl = ServerHints(ttl=10 * 86_400)
    state = schedule_success(
        FEED, now=NOW, policy=POLICY, rng=random.Random(1), hints=huge_ttl, published=[]
    )
    assert state.interval_seconds == POLICY.max_interval


def test_not_modified_keeps_the_previous_interval() -> None:
    state = FEED.model_copy(update={"interval_seconds": 1800.0, "error_count": 2})
    after = schedule_success(
        state, now=NOW, policy=POLICY, rng=random.Random(1), hints=ServerHints(), published=None
    )
    assert after.interval_seconds == 1800
    assert after.error_count == 0
    assert after.last_success_at == NOW


def test_failures_back_off_exponentially_then_pause_with_the_reason() -> None:
    state = FEED
    delays = []
    for _ in range(POLICY.max_errors):
        state = schedule_failure(
            state, now=NOW, policy=POLICY, rng=random.Random(1), error="HTTP 500"
        )
        if state.next_poll_at:
            delays.append((state.next_poll_at - NOW).total_seconds())
    assert delays == [600, 1200, 2400]
    assert state.paused
    assert state.paused_reason == "paused after 4 consecutive errors; last: HTTP 500"
    assert state.next_poll_at is None
    resumed = resume(state)
    assert not resumed.paused
    assert resumed.error_count == 0


def test_backoff_is_capped() -> None:
    state = FEED.model_copy(update={"error_count": 2})
    policy = replace(POLICY, max_errors=100, max_backoff=1000)
    after = schedule_failure(state, now=NOW, policy=policy, rng=random.Random(1), error="x")
    assert after.next_poll_at == NOW + timedelta(seconds=1000)


def test_retry_after_is_honoured_and_capped() -> None:
    after = schedule_failure(
        FEED, now=NOW, policy=POLICY, rng=random.Random(1), error="HTTP 429", retry_after=5000
    )
    assert after.next_poll_at == NOW + timedelta(seconds=5000)
    far = schedule_failure(
        FEED, now=NOW, policy=POLICY, rng=random.Random(1), error="HTTP 429", retry_after=1e9
    )
    assert far.next_poll_at == NOW + timedelta(seconds=POLICY.max_backoff)


def test_gone_pauses_at_once() -> None:
    after = schedule_failure(
        FEED, now=NOW, policy=POLICY, rng=random.Random(1), error="HTTP 410 Gone", gone=True
    )
    assert after.paused_reason == "gone: HTTP 410 Gone"


def test_jitter_spreads_within_its_fraction() -> None:
    policy = replace(POLICY, jitter=0.1)
    rng = random.Random(7)
    offsets = {
        (
            schedule_success(
                FEED, now=NOW, policy=policy, rng=rng, hints=ServerHints(), published=[]
            ).next_poll_at
            or NOW
        )
        - NOW
        for _ in range(50)
    }
    seconds = [o.total_seconds() for o in offsets]
    assert len(seconds) > 40
    assert all(0.9 * 21_600 <= s <= 1.1 * 21_600 for s in seconds)


def test_a_permanent_redirect_moves_the_feed_only_once_stable() -> None:
    target = "https://new.example.com/rss"
    state = FEED
    for _ in range(POLICY.redirect_confirmations - 1):
        state = note_redirect(state, target, policy=POLICY)
        assert state.fetch_url == FEED.fetch_url
    state = note_redirect(state, target, policy=POLICY)
    assert state.fetch_url == target
    assert state.url == FEED.url


def test_an_interrupted_redirect_starts_counting_again() -> None:
    state = note_redirect(FEED, "https://a.example.com/", policy=POLICY)
    state = note_redirect(state, None, policy=POLICY)
    state = note_redirect(state, "https://a.example.com/", policy=POLICY)
    assert state.redirect_seen == 1
    state = note_redirect(state, "https://b.example.com/", policy=POLICY)
    assert (state.redirect_target, state.redirect_seen) == ("https://b.example.com/", 1)


@pytest.mark.parametrize(
    ("headers", "ttl", "expected"),
    [
        ({"cache-control": "public, max-age=300"}, None, ServerHints(max_age=300)),
        ({"cache-control": "s-maxage=5, no-cache"}, None, ServerHints()),
        ({"retry-after": "120"}, None, ServerHints(retry_after=120)),
        (
            {"retry-after": "Sun, 01 Mar 2026 12:10:00 GMT"},
            "60",
            ServerHints(retry_after=600, ttl=3600),
        ),
        ({"retry-after": "soon"}, "often", ServerHints()),
        ({"retry-after": "Sun, 01 Mar 2026 11:00:00 GMT"}, "-5", ServerHints(retry_after=0)),
    ],
)
def test_parse_hints(headers: dict[str, str], ttl: str | None, expected: ServerHints) -> None:
    assert parse_hints(headers, now=NOW, ttl_minutes=ttl) == expected
