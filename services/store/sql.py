"""The store's tables (`articles`, `stories`, `story_members`) and their statements, written
once for both SQL dialects.

Both backends share one table definition and one upsert shape; a `Dialect` supplies only what
the databases genuinely spell differently: parameter placeholders, the JSON column type and
how a list of ids is bound as a single parameter.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.schemas import EnrichedArticle, StoryEvent

TABLE = "articles"
STORIES = "stories"
MEMBERS = "story_members"
# Row order of a story upsert; `story_row` builds tuples in exactly this order. A merged story
# keeps its `merged_into`: the upsert never names it.
STORY_COLUMNS: tuple[str, ...] = (
    "id",
    "version",
    "title",
    "first_seen",
    "last_seen",
    "member_count",
    "payload",
    "emitted_at",
)
# How far a merge chain is followed: real chains are a few links long, and a bound keeps a
# corrupted (cyclic) chain from looping.
MAX_MERGE_CHAIN = 64

# Row order of every INSERT; `article_row` builds tuples in exactly this order.
COLUMNS: tuple[str, ...] = (
    "id",
    "revision",
    "title",
    "outlet",
    "url",
    "published_at",
    "ingested_at",
    "enriched_at",
    "payload",
    "stored_at",
    "updated_at",
)

# Kept from the first insert: when the article first reached the store.
_INSERT_ONLY = frozenset({"id", "stored_at"})

ArticleRow = tuple[
    str, int, str | None, str | None, str | None, str | None, str, str, str, str, str
]


@dataclass(frozen=True, slots=True)
class Dialect:
    """What one SQL dialect spells its own way; everything else is shared."""

    name: str
    json_type: str
    placeholder: Callable[[int], str]
    """The n-th (1-based) bound parameter."""
    ids_condition: str
    """A condition on `id` matching every id bound as the statement's only parameter."""
    bind_ids: Callable[[Sequence[str]], object]
    """The value bound for `ids_condition`."""
    has_column: Callable[[str, str], str]
    """Counts a table's column of that name (0 in a table made before the column existed)."""


def _json_array(ids: Sequence[str]) -> str:
    return json.dumps(list(ids))


SQLITE = Dialect(
    name="sqlite",
    # Declared JSON, SQLite would give the column NUMERIC affinity; its JSON functions read TEXT.
    json_type="TEXT",
    placeholder=lambda _: "?",
    # One parameter however many ids, so the variable limit (32,766) never comes into play.
    ids_condition="id IN (SELECT value FROM json_each(?))",
    bind_ids=_json_array,
    has_column=lambda table, column: (
        f"SELECT count(*) FROM pragma_table_info('{table}') WHERE name = '{column}'"  # noqa: S608
    ),
)

POSTGRES = Dialect(
    name="postgresql",
    json_type="JSONB",
    placeholder=lambda n: f"${n}",
    ids_condition="id = ANY($1::text[])",
    bind_ids=list,
    has_column=lambda table, column: (
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "  # noqa: S608
        f"AND table_name = '{table}' AND column_name = '{column}'"
    ),
)


@dataclass(frozen=True, slots=True)
class Statements:
    """Every statement the repositories run, in one dialect."""

    create_table: str
    added_columns: tuple[tuple[str, str, str], ...]
    """(table, column, ALTER TABLE statement) for columns later versions added."""
    upsert: str
    count: str
    get: str
    list_all: str
    list_by_ids: str
    ping: str
    create_story_tables: tuple[str, ...]
    upsert_story: str
    mark_merged: str
    move_members: str
    upsert_member: str
    list_stories: str
    story_members: str


def statements(dialect: Dialect) -> Statements:
    """The `articles` statements spelled for `dialect`."""
    placeholders = ", ".join(dialect.placeholder(n) for n in range(1, len(COLUMNS) + 1))
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c not in _INSERT_ONLY)
    # Timestamps are ISO-8601 text (UTC when the event's value is aware), the same in both
    # dialects; the payload is the event itself and the only thing read back.
    create_table = f"""
        CREATE TABLE IF NOT EXISTS {TABLE} (
            id TEXT PRIMARY KEY,
            revision INTEGER NOT NULL DEFAULT 1,
            title TEXT,
            outlet TEXT,
            url TEXT,
            published_at TEXT,
            ingested_at TEXT NOT NULL,
            enriched_at TEXT NOT NULL,
            payload {dialect.json_type} NOT NULL,
            stored_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
    """
    order = "ORDER BY stored_at, id"
    return Statements(
        create_table=create_table,
        added_columns=(
            (
                TABLE,
                "revision",
                f"ALTER TABLE {TABLE} ADD COLUMN revision INTEGER NOT NULL DEFAULT 1",
            ),
            (STORIES, "emitted_at", f"ALTER TABLE {STORIES} ADD COLUMN emitted_at TEXT"),
        ),
        # A redelivered older revision must not overwrite a newer one; the same revision again
        # (a redelivery, a re-enrichment) replaces the row, so retries converge.
        upsert=(
            f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({placeholders}) "  # noqa: S608
            f"ON CONFLICT (id) DO UPDATE SET {updates} "
            f"WHERE excluded.revision >= {TABLE}.revision"
        ),
        ping="SELECT 1",
        count=f"SELECT count(*) FROM {TABLE}",  # noqa: S608
        get=f"SELECT payload FROM {TABLE} WHERE id = {dialect.placeholder(1)}",  # noqa: S608
        list_all=f"SELECT payload FROM {TABLE} {order}",  # noqa: S608
        list_by_ids=f"SELECT payload FROM {TABLE} WHERE {dialect.ids_condition} {order}",  # noqa: S608
        **_story_statements(dialect),
    )


def _merge_chain(placeholder: str) -> str:
    """`WITH` a table `chain` of the story `placeholder` and each story it was merged into;
    `SELECT id {LIVE_STORY}` after it gives the one it ended up in, after every stored merge."""
    return f"""
        WITH RECURSIVE chain (id, depth) AS (
            SELECT CAST({placeholder} AS TEXT), 0
            UNION ALL
            SELECT s.merged_into, chain.depth + 1 FROM {STORIES} s JOIN chain ON s.id = chain.id
            WHERE s.merged_into IS NOT NULL AND chain.depth < {MAX_MERGE_CHAIN}
        )
    """  # noqa: S608


# The end of the chain. (`WHERE true`: SQLite's upsert needs a WHERE before ON CONFLICT.)
LIVE_STORY = "FROM chain WHERE true ORDER BY depth DESC LIMIT 1"


def _story_statements(dialect: Dialect) -> dict[str, Any]:
    """The `stories` and `story_members` statements spelled for `dialect`.

    Story events may arrive in any order and more than once (redeliveries, a store killed
    between commit and acknowledgement, two store replicas); every statement here is written
    so that any order of the same events leaves the same tables:
    - a story row takes a snapshot only if it is newer (version, then emission time);
    - a merge marks the absorbed story, creating its row if no snapshot of it came yet, so a
      late snapshot can never bring it back as live;
    - a member row always names a live story: the event's story with merges followed.
    """
    p = dialect.placeholder
    story_columns = ", ".join(STORY_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in STORY_COLUMNS if c != "id")
    newer = (
        f"excluded.version > {STORIES}.version OR (excluded.version = {STORIES}.version "
        f"AND excluded.emitted_at >= COALESCE({STORIES}.emitted_at, ''))"
    )
    return {
        "create_story_tables": (
            f"""
            CREATE TABLE IF NOT EXISTS {STORIES} (
                id TEXT PRIMARY KEY,
                version INTEGER NOT NULL,
                title TEXT,
                first_seen TEXT NOT NULL,
                last_seen TEXT NOT NULL,
                member_count INTEGER NOT NULL,
                payload {dialect.json_type} NOT NULL,
                merged_into TEXT,
                emitted_at TEXT
            )
            """,
            f"""
            CREATE TABLE IF NOT EXISTS {MEMBERS} (
                article_id TEXT PRIMARY KEY,
                story_id TEXT NOT NULL
            )
            """,
            f"CREATE INDEX IF NOT EXISTS {MEMBERS}_by_story ON {MEMBERS} (story_id)",
            f"CREATE INDEX IF NOT EXISTS {STORIES}_by_last_seen ON {STORIES} (last_seen)",
        ),
        # Events are snapshots: an older one arriving late (a redelivery) changes nothing, and
        # of two snapshots of one version (a re-emission) the later emitted is kept.
        "upsert_story": (
            f"INSERT INTO {STORIES} ({story_columns}) "  # noqa: S608
            f"VALUES ({', '.join(p(n) for n in range(1, len(STORY_COLUMNS) + 1))}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates} WHERE {newer}"
        ),
        # Parameters: absorbed id, first seen, last seen, survivor id. A row made here is a
        # marker (version 0, JSON null): the absorbed story's own snapshot replaces all of it
        # but `merged_into`, and `list_stories` never shows a merged story.
        "mark_merged": (
            f"INSERT INTO {STORIES} (id, version, title, first_seen, last_seen, member_count, "  # noqa: S608
            f"payload, merged_into, emitted_at) VALUES ({p(1)}, 0, NULL, {p(2)}, {p(3)}, 0, "
            f"'null', {p(4)}, '') ON CONFLICT (id) DO UPDATE SET merged_into = excluded.merged_into"
        ),
        # Parameters: survivor id, absorbed id.
        "move_members": (
            f"UPDATE {MEMBERS} SET story_id = ({_merge_chain(p(1))} SELECT id {LIVE_STORY}) "  # noqa: S608
            f"WHERE story_id = {p(2)}"
        ),
        # Parameters: story id, article id.
        "upsert_member": (
            f"{_merge_chain(p(1))} INSERT INTO {MEMBERS} (article_id, story_id) "
            f"SELECT {p(2)}, id {LIVE_STORY} "
            "ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id"
        ),
        "list_stories": (
            f"SELECT payload FROM {STORIES} WHERE merged_into IS NULL "  # noqa: S608
            f"ORDER BY last_seen DESC, id LIMIT {p(1)}"
        ),
        "story_members": (
            f"SELECT article_id FROM {MEMBERS} WHERE story_id = {p(1)} ORDER BY article_id"  # noqa: S608
        ),
    }


StoryRow = tuple[str, int, str | None, str, str, int, str, str]


def story_row(event: StoryEvent) -> StoryRow:
    """The `stories` row of a story event, in `STORY_COLUMNS` order (the story not merged)."""
    return (
        event.story_id,
        event.version,
        event.title,
        _timestamp(event.first_seen),
        _timestamp(event.last_seen),
        event.member_count,
        event.model_dump_json(),
        _timestamp(event.emitted_at),
    )


def merge_row(event: StoryEvent, absorbed: str) -> tuple[str, str, str, str]:
    """The `mark_merged` parameters for `absorbed`, merged into the event's story."""
    return (absorbed, _timestamp(event.first_seen), _timestamp(event.last_seen), event.story_id)


def story_from_payload(payload: str) -> StoryEvent:
    """The latest story event stored in a row's payload column."""
    return StoryEvent.model_validate_json(payload)


def _timestamp(value: datetime) -> str:
    # Aware values are brought to UTC and written at fixed width so the text sorts in time
    # order; a naive one is kept as given rather than guessing its zone.
    if value.tzinfo is not None:
        # Year 1 east of UTC, or year 9999 west of it, has no UTC form: kept as given.
        with contextlib.suppress(OverflowError):
            value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def article_row(article: EnrichedArticle, now: datetime) -> ArticleRow:
    """The row for `article`, in `COLUMNS` order; `now` fills stored_at and updated_at."""
    stamp = _timestamp(now)
    return (
        article.id,
        article.revision,
        article.title,
        article.outlet,
        article.url,
        _timestamp(article.published_at) if article.published_at is not None else None,
        _timestamp(article.ingested_at),
        _timestamp(article.enriched_at),
        article.model_dump_json(),
        stamp,
        stamp,
    )


def article_from_payload(payload: str) -> EnrichedArticle:
    """The event stored in a row's payload column."""
    return EnrichedArticle.model_validate_json(payload)
