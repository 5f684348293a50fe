"""The store's tables, defined once for SQLite and PostgreSQL (SQLAlchemy Core).

`articles`, `stories` and `story_members` hold what the store service writes; the article's
event is kept whole in `payload` and is the only thing read back as an article. The other
columns and the `article_entities` / `article_topics` tables exist so that the read API can
filter and order without opening payloads: every filter it offers has an index here.

Timestamps are ISO-8601 text, brought to UTC and written at fixed width when the value is
aware, so text order is time order in both dialects.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

# A payload is JSON text: TEXT in SQLite (declared JSON, SQLite would give it NUMERIC
# affinity), JSONB in PostgreSQL. Engines pass it through as text both ways (see engine.py).
JsonText = Text().with_variant(JSONB(), "postgresql")

articles = Table(
    "articles",
    metadata,
    Column("id", Text, primary_key=True),
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("title", Text),
    Column("outlet", Text),
    Column("url", Text),
    Column("published_at", Text),
    Column("ingested_at", Text, nullable=False),
    Column("enriched_at", Text, nullable=False),
    Column("payload", JsonText, nullable=False),
    Column("stored_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    # The article's time for readers: published, else ingested (as the stories service).
    Column("seen_at", Text),
    Column("language", Text),
    Column("duplicate_of", Text),
    Index("articles_by_seen", "seen_at", "id"),
    Index("articles_by_outlet", "outlet", "seen_at", "id"),
    Index("articles_by_language", "language", "seen_at", "id"),
)

stories = Table(
    "stories",
    metadata,
    Column("id", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("title", Text),
    Column("first_seen", Text, nullable=False),
    Column("last_seen", Text, nullable=False),
    Column("member_count", Integer, nullable=False),
    Column("payload", JsonText, nullable=False),
    # Set once a merge absorbed the story: its members are the survivor's now.
    Column("merged_into", Text),
    Column("emitted_at", Text),
    # How many outlets (else source names) the story's snapshot lists.
    Column("source_count", Integer),
    Index("stories_by_last_seen", "last_seen"),
)

story_members = Table(
    "story_members",
    metadata,
    Column("article_id", Text, primary_key=True),
    # Always a live story: merges are followed when a member is written or moved.
    Column("story_id", Text, nullable=False),
    Index("story_members_by_story", "story_id"),
)

# An article's rows in these two are replaced with its row, by the store itself: no foreign
# key (its checks would cost every write, and SQLite enforces none unless asked to).
article_entities = Table(
    "article_entities",
    metadata,
    Column("article_id", Text, primary_key=True),
    Column("entity_key", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("salience", Float, nullable=False),
    # The article's seen_at, copied so an entity's articles are read newest first by index.
    Column("seen_at", Text, nullable=False),
    Index("article_entities_by_seen", "entity_key", "seen_at", "article_id"),
)

article_topics = Table(
    "article_topics",
    metadata,
    Column("article_id", Text, primary_key=True),
    Column("topic_code", Text, primary_key=True),
    Column("score", Float, nullable=False),
    Column("seen_at", Text, nullable=False),
    Index("article_topics_by_seen", "topic_code", "seen_at", "article_id"),
)

# Words of an article for `q`. PostgreSQL keeps them in a stored generated column,
# `articles.search_vector`, with a GIN index: a rare word is found through the index, and a
# common one along the time order, testing each row's stored words (computing them per row
# instead costs a fraction of a millisecond each). The 'simple' configuration: no stemming, no
# stop words, as SQLite's. SQLite keeps an FTS5 table, `article_search`, in step with
# `articles` by triggers (see the migrations). Neither exists in the other dialect, so neither
# is declared above.
SEARCH_CONFIG = "simple"
POSTGRES_SEARCH_VECTOR = (
    f"to_tsvector('{SEARCH_CONFIG}'::regconfig, "
    "coalesce(title, '') || ' ' || coalesce(payload ->> 'text', ''))"
)
