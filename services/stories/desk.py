"""The stories stage's logic: analysed articles in, articles with their story and story events
out. The service and the evaluation harness both run a `StoryDesk`; they differ only in where
the state is kept (`RedisStoryState`, or `MemoryStoryState`).

An article seen before keeps its story (merges followed), so replays give the same ids. A
near-copy joins its original's story without being compared. Everything else is clustered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

import anyio

from services.stories.clustering import (
    Assignment,
    Story,
    StoryClusterer,
    StoryFeatures,
    entity_vector,
    term_vector,
)
from shared.schemas import EnrichedArticle, StoryEntity, StoryEvent

# Entities a story event lists.
EVENT_ENTITIES = 10


class StoryState(Protocol):
    """Where the stories stage keeps what must outlive a restart."""

    async def load(self) -> list[Story]:
        """The stories new articles may still join."""
        ...

    async def stories_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        """The current story of each article that has one (merges followed)."""
        ...

    async def story(self, story_id: str) -> Story | None:
        """The kept story with this id (in memory here or not), or None."""
        ...

    async def save(
        self, stories: Sequence[Story], assigned: Mapping[str, str], merged: Mapping[str, str]
    ) -> None:
        """Keep changed stories, new article → story assignments and merged → surviving ids."""
        ...


@dataclass
class MemoryStoryState:
    """A `StoryState` in this process's memory (the evaluation harness; tests). With `keep`,
    a story whose last article is more than `keep` older than the newest story's is let go,
    as the Redis state lets stories expire, so a long stream needs bounded memory."""

    stories: dict[str, Story] = field(default_factory=dict)
    assigned: dict[str, str] = field(default_factory=dict)
    merged: dict[str, str] = field(default_factory=dict)
    keep: timedelta | None = None

    async def load(self) -> list[Story]:
        """See `StoryState.load`."""
        return list(self.stories.values())

    async def stories_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        """See `StoryState.stories_of`."""
        found = {a: self.assigned[a] for a in article_ids if a in self.assigned}
        return {a: follow_merges(s, self.merged.get) for a, s in found.items()}

    async def story(self, story_id: str) -> Story | None:
        """See `StoryState.story`."""
        return self.stories.get(story_id)

    async def save(
        self, stories: Sequence[Story], assigned: Mapping[str, str], merged: Mapping[str, str]
    ) -> None:
        """See `StoryState.save`."""
        self.stories.update((s.id, s) for s in stories)
        for gone in merged:
            self.stories.pop(gone, None)
        self.assigned.update(assigned)
        self.merged.update(merged)
        if self.keep is not None and stories:
            horizon = max(s.last_seen for s in stories) - self.keep
            for old in [k for k, s in self.stories.items() if s.last_seen < horizon]:
                del self.stories[old]


def follow_merges(story_id: str, merged_into: Callable[[str], str | None]) -> str:
    """The story `story_id` ended up in, after every merge."""
    seen = {story_id}
    while (survivor := merged_into(story_id)) is not None and survivor not in seen:
        seen.add(survivor)
        story_id = survivor
    return story_id


@dataclass(frozen=True, slots=True)
class Placed:
    """One article with its story, and the story events its arrival caused; or, when it alone
    could not be placed, the article as it came and the reason (`error`). `candidates`: its
    similarity to each story it was compared with, before it joined one (for evaluation)."""

    article: EnrichedArticle
    events: tuple[StoryEvent, ...]
    error: str | None = None
    candidates: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class TimeBounds:
    """Which article times stories believe. A feed can say anything (year 1, year 9999); one
    such date used as the article's time would put it beyond every window, or empty memory of
    every story older than it."""

    earliest: datetime = datetime(1990, 1, 1, tzinfo=UTC)
    future: timedelta = timedelta(hours=24)

    def article_time(self, article: EnrichedArticle, now: datetime) -> datetime:
        """The published time if believable, else the ingest time if believable, else `now`."""
        for given in (article.published_at, article.ingested_at):
            if given is None:
                continue
            at = given if given.tzinfo is not None else given.replace(tzinfo=UTC)
            # Compared, never converted: a year-1 or year-9999 time has no UTC form to convert to.
            if self.earliest <= at <= now + self.future:
                return at
        return now


def features_of(
    article: EnrichedArticle, zipf: Callable[[str], float], at: datetime
) -> StoryFeatures:
    """What clustering needs of an article: its time `at`, source, term and entity vectors."""
    return StoryFeatures(
        article_id=article.id,
        at=at,
        source=article.outlet or article.source.name,
        title=article.title,
        terms=term_vector(article.title, article.text, zipf),
        entities=entity_vector((e.key, e.salience) for e in article.entities),
        names={e.key: (e.text, e.label) for e in article.entities},
    )


def story_event(
    story: Story,
    kind: Literal["created", "updated", "merged"],
    article_id: str,
    merged: Iterable[str] = (),
) -> StoryEvent:
    """A snapshot of `story` as a `StoryEvent`."""
    top = sorted(story.entities.items(), key=lambda kv: (-kv[1], kv[0]))[:EVENT_ENTITIES]
    return StoryEvent(
        kind=kind,
        story_id=story.id,
        article_id=article_id,
        version=story.version,
        title=story.title,
        first_seen=story.first_seen,
        last_seen=story.last_seen,
        member_count=story.member_count,
        members=tuple(story.members),
        sources=tuple(story.sources),
        entities=tuple(
            StoryEntity(
                key=key,
                text=story.names.get(key, (key, ""))[0],
                label=story.names.get(key, ("", key.partition(":")[0]))[1],
                weight=round(weight, 4),
            )
            for key, weight in top
        ),
        merged=tuple(merged),
        emitted_at=datetime.now(UTC),
    )


class StoryDesk:
    """Places articles in stories, in the order given, keeping the state in `state`."""

    def __init__(
        self,
        state: StoryState,
        zipf: Callable[[str], float],
        clusterer: StoryClusterer | None = None,
        time_bounds: TimeBounds | None = None,
    ) -> None:
        self._state = state
        self._zipf = zipf
        self.clusterer = clusterer or StoryClusterer()
        self._time_bounds = time_bounds or TimeBounds()
        self._stale = False
        # The subscriber and the reclaimer may hand batches in at once; clustering is ordered.
        self._lock = anyio.Lock()

    async def start(self) -> None:
        """Take back the stories kept from earlier runs."""
        self.clusterer.restore(await self._state.load())

    async def _reload(self) -> None:
        # A batch whose state could not be saved was clustered in memory only; it will be
        # delivered again, so memory goes back to what was saved before it is placed anew.
        self.clusterer = self.clusterer.renewed()
        await self.start()
        self._stale = False

    def features(self, article: EnrichedArticle, now: datetime) -> StoryFeatures:
        """What clustering knows of `article`, at the time the desk believes for it."""
        return features_of(article, self._zipf, self._time_bounds.article_time(article, now))

    def _features(self, articles: Sequence[EnrichedArticle]) -> dict[str, StoryFeatures | str]:
        # Each article on its own: one that cannot be read fails alone (its reason kept).
        now = datetime.now(UTC)
        found: dict[str, StoryFeatures | str] = {}
        for article in articles:
            try:
                found[article.id] = self.features(article, now)
            except Exception as exc:  # any failure here is this article's alone
                found[article.id] = f"{type(exc).__name__}: {exc}"
        return found

    async def place(self, articles: Sequence[EnrichedArticle]) -> list[Placed]:
        """Each article with its story id and the story events to publish, in order.

        An article placed before (a redelivery, a replay) keeps its story and gets a snapshot
        of it again, from memory or from the state, so an event lost to a crash between saving
        and publishing is made good.
        """
        async with self._lock:
            if self._stale:
                await self._reload()
            originals = [a.duplicate_of for a in articles if a.duplicate_of]
            known = await self._state.stories_of([a.id for a in articles] + originals)
            # Features only for articles not placed before: a replayed batch costs lookups only.
            fresh = [a for a in articles if a.id not in known]
            features = await anyio.to_thread.run_sync(lambda: self._features(fresh))
            placed: list[Placed] = []
            changed: dict[str, Story] = {}
            assigned: dict[str, str] = {}
            merged: dict[str, str] = {}

            def story_of(article_id: str) -> str | None:
                found = assigned.get(article_id) or known.get(article_id)
                return None if found is None else follow_merges(found, merged.get)

            self._stale = True  # until the state is saved, memory is ahead of it
            for article in articles:
                story_id = story_of(article.id)
                if story_id is not None:
                    # Seen before: same story, its current snapshot (memory may have let an
                    # old story go; the state keeps it).
                    story = (
                        self.clusterer.stories.get(story_id)
                        or changed.get(story_id)
                        or await self._state.story(story_id)
                    )
                    events = (story_event(story, "updated", article.id),) if story else ()
                    placed.append(Placed(article.model_copy(update={"story_id": story_id}), events))
                    continue
                article_features = features[article.id]
                if isinstance(article_features, str):
                    placed.append(Placed(article, (), error=article_features))
                    continue
                original = story_of(article.duplicate_of) if article.duplicate_of else None
                assignment = self._assign(article_features, original)
                story_id = assignment.story_id
                story = self.clusterer.stories[story_id]
                assigned[article.id] = story_id
                changed[story_id] = story
                for gone in assignment.merged:
                    merged[gone] = story_id
                    changed.pop(gone, None)
                placed.append(
                    Placed(
                        article.model_copy(update={"story_id": story_id}),
                        (_event_for(story, assignment, article.id),),
                        candidates=assignment.candidates,
                    )
                )
            await self._state.save(list(changed.values()), assigned, merged)
            self._stale = False
            return placed

    def _assign(self, features: StoryFeatures, original_story: str | None) -> Assignment:
        # A copy joins its original's story without being compared, if that story is at hand.
        if original_story is not None and self.clusterer.holds(original_story):
            return self.clusterer.join(original_story, features)
        return self.clusterer.assign(features)


def _event_for(story: Story, assignment: Assignment, article_id: str) -> StoryEvent:
    if assignment.merged:
        return story_event(story, "merged", article_id, assignment.merged)
    return story_event(story, "created" if assignment.created else "updated", article_id)
