"""When to poll a feed next: adaptive intervals, server hints, backoff, pausing, redirects.

Plain functions from a feed's state and what just happened to its next state; no I/O, the
clock and the random source are passed in.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from services.ingest.feedstate import FeedState

_WEEK = timedelta(days=7)
_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-)?max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """The operator's bounds on polling (all durations in seconds)."""

    min_interval: float
    max_interval: float
    max_backoff: float
    max_errors: int
    jitter: float
    """Fraction by which each interval is spread at random, so polls do not bunch up."""
    redirect_confirmations: int
    """Polls that must see the same permanent redirect before the feed URL moves."""


@dataclass(frozen=True, slots=True)
class ServerHints:
    """What the server and the feed itself say about how often to ask (seconds)."""

    max_age: float | None = None
    ttl: float | None = None
    retry_after: float | None = None


def parse_hints(
    headers: Mapping[str, str], *, now: datetime, ttl_minutes: str | None
) -> ServerHints:
    """Cache-Control max-age, Retry-After (seconds or HTTP date) and the RSS `<ttl>` (minutes).

    Unreadable values are ignored: a hint is advice, never a reason to fail a poll.
    """
    max_age = _MAX_AGE.search(headers.get("cache-control", ""))
    return ServerHints(
        max_age=float(max_age.group(1)) if max_age else None,
        ttl=_minutes(ttl_minutes),
        retry_after=_retry_after(headers.get("retry-after"), now),
    )


def _minutes(value: str | None) -> float | None:
    try:
        minutes = float(value) if value is not None else None
    except ValueError:
        return None
    return minutes * 60 if minutes is not None and 0 < minutes < 1e6 else None


def _retry_after(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


def adaptive_interval(published: Sequence[datetime], *, now: datetime, policy: PollPolicy) -> float:
    """A week divided by the entries published in the last week, within the policy's bounds.

    A feed that publishes hourly is polled about hourly; one silent for a week at the maximum.
    """
    recent = sum(1 for when in published if now - _WEEK <= when <= now)
    if not recent:
        return policy.max_interval
    return _clamp(_WEEK.total_seconds() / recent, policy)


def _clamp(seconds: float, policy: PollPolicy) -> float:
    return min(max(seconds, policy.min_interval), policy.max_interval)


def _spread(seconds: float, policy: PollPolicy, rng: random.Random) -> timedelta:
    return timedelta(seconds=seconds * rng.uniform(1 - policy.jitter, 1 + policy.jitter))


def schedule_success(
    state: FeedState,
    *,
    now: datetime,
    policy: PollPolicy,
    rng: random.Random,
    hints: ServerHints,
    published: Sequence[datetime] | None,
) -> FeedState:
    """The state after a successful poll; `published` is None when the feed had not changed.

    The server's max-age and the feed's ttl lengthen the interval, never beyond the maximum the
    operator set.
    """
    if published is None:
        base = state.interval_seconds or policy.min_interval
    else:
        base = adaptive_interval(published, now=now, policy=policy)
    interval = _clamp(max(base, hints.max_age or 0.0, hints.ttl or 0.0), policy)
    return state.model_copy(
        update={
            "last_polled_at": now,
            "last_success_at": now,
            "error_count": 0,
            "interval_seconds": interval,
            "next_poll_at": now + _spread(interval, policy, rng),
        }
    )


def schedule_failure(
    state: FeedState,
    *,
    now: datetime,
    policy: PollPolicy,
    rng: random.Random,
    error: str,
    retry_after: float | None = None,
    gone: bool = False,
) -> FeedState:
    """The state after a failed poll: exponential backoff, Retry-After, pause when hopeless."""
    count = state.error_count + 1
    paused_reason = state.paused_reason
    if gone:
        paused_reason = f"gone: {error}"
    elif count >= policy.max_errors:
        paused_reason = f"paused after {count} consecutive errors; last: {error}"
    backoff = min(policy.min_interval * 2 ** min(count - 1, 32), policy.max_backoff)
    delay = _spread(backoff, policy, rng)
    if retry_after is not None:
        # Never earlier than the server asked, never later than the operator's cap.
        delay = max(delay, timedelta(seconds=min(retry_after, policy.max_backoff)))
    return state.model_copy(
        update={
            "last_polled_at": now,
            "last_error_at": now,
            "last_error": error,
            "error_count": count,
            "paused_reason": paused_reason,
            "next_poll_at": None if paused_reason else now + delay,
        }
    )


def note_redirect(state: FeedState, target: str | None, *, policy: PollPolicy) -> FeedState:
    """Count a permanent redirect; adopt its target once it has been stable for long enough.

    Feed readers that moved on the first 301 lost feeds to misconfigured servers that later
    recovered, so the move waits for `redirect_confirmations` polls in a row.
    """
    if target is None or target == state.fetch_url:
        return state.model_copy(update={"redirect_target": None, "redirect_seen": 0})
    seen = state.redirect_seen + 1 if target == state.redirect_target else 1
    if seen >= policy.redirect_confirmations:
        return state.model_copy(
            update={"fetch_url": target, "redirect_target": None, "redirect_seen": 0}
        )
    return state.model_copy(update={"redirect_target": target, "redirect_seen": seen})


def resume(state: FeedState) -> FeedState:
    """A paused feed made active again, due at once with a clean error count."""
    return state.model_copy(update={"paused_reason": None, "error_count": 0, "next_poll_at": None})


def first_poll_at(now: datetime, *, spread: float, rng: random.Random) -> datetime:
    """When a newly added feed is first polled: spread so a long list does not start at once."""
    return now + timedelta(seconds=rng.uniform(0, spread))
