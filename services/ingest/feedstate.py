"""What ingest remembers about each feed between polls and across restarts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class FeedState(BaseModel):
    """One feed's polling state: validators, health, schedule and redirect bookkeeping."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    url: str = Field(description="The feed URL as configured (its identity).")
    fetch_url: str = Field(description="Where it is fetched now; moves on a stable 301/308.")
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    checksum: str | None = Field(default=None, description="SHA-256 of the last body parsed.")
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    last_warning: str | None = Field(
        default=None, description="Recoverable problem of the last parse (feedparser's bozo)."
    )
    error_count: int = Field(default=0, ge=0, description="Consecutive failed polls.")
    paused_reason: str | None = Field(
        default=None, description="Why polling stopped (410 Gone, too many errors); None: active."
    )
    next_poll_at: datetime | None = None
    interval_seconds: float | None = Field(
        default=None, description="The interval chosen at the last success, before jitter."
    )
    redirect_target: str | None = Field(
        default=None, description="Permanent-redirect target seen, not yet adopted."
    )
    redirect_seen: int = Field(default=0, ge=0, description="Consecutive polls it was seen.")
    entries_seen: int = Field(default=0, ge=0, description="Entries in the feed at last parse.")
    published: int = Field(default=0, ge=0, description="Articles and revisions published.")
    entry_ids: tuple[str, ...] = Field(
        default=(), description="Article ids of the last parse, kept alive in the dedup ledger."
    )

    @classmethod
    def first(cls, url: str) -> FeedState:
        """The state of a feed never polled."""
        return cls(url=url, fetch_url=url)

    @property
    def paused(self) -> bool:
        """True when the feed is not polled until someone resumes it."""
        return self.paused_reason is not None
