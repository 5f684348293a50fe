"""The stories stage's clustering settings, read from `Settings` in one place, so the service
and `newswire evaluate-stories` cluster alike."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from services.stories.clustering import StoryClusterer
from services.stories.desk import TimeBounds
from shared.settings import Settings


def story_window(settings: Settings) -> timedelta:
    """How close in time an article must be to a story to join it."""
    return timedelta(hours=settings.story_window_hours)


def clusterer_for(settings: Settings) -> StoryClusterer:
    """A clusterer with the configured settings and no stories."""
    return StoryClusterer(window=story_window(settings))


def time_bounds_for(settings: Settings) -> TimeBounds:
    """Which article times stories believe, as configured."""
    return TimeBounds(
        earliest=datetime.combine(settings.story_earliest_date, time(), UTC),
        future=timedelta(hours=settings.story_future_hours),
    )
