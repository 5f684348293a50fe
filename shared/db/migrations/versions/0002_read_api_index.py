"""What the read API filters and orders by: article time, language and copies, each
article's entities and topics, the number of sources of a story, and a word index.

Existing rows are filled from their payloads, so a store upgraded in place answers queries
about what it held before as well as about what comes after.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op
from pydantic import ValidationError

from shared.db.rows import article_from_payload, article_index, seen_at
from shared.db.tables import (
    POSTGRES_SEARCH_VECTOR,
    article_entities,
    article_topics,
    articles,
    stories,
)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Rows read per round trip while filling: bounded memory on a store of any size.
_FILL_BATCH = 500

# SQLite's word index: a contentless FTS5 table (the words only; the text stays in the
# payload) whose rowids are `article_search_docs.docid`, an explicit INTEGER PRIMARY KEY
# (VACUUM may renumber the implicit rowids of `articles`). A contentless table forgets a row
# when told the words it had, which the triggers read from the old row. They keep both in
# step with `articles`, whoever writes it.
_SQLITE_TEXT = "json_extract({row}.payload, '$.text')"
_SQLITE_DOC = "(SELECT docid FROM article_search_docs WHERE article_id = {row}.id)"
# Built from the constants above only: nothing here comes from outside.
_SQLITE_SEARCH = (
    "CREATE TABLE article_search_docs (docid INTEGER PRIMARY KEY, article_id TEXT NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE article_search USING fts5(title, text, content='')",
    f"""
    CREATE TRIGGER articles_search_insert AFTER INSERT ON articles BEGIN
        INSERT INTO article_search_docs (article_id) VALUES (new.id);
        INSERT INTO article_search (rowid, title, text) VALUES (
            {_SQLITE_DOC.format(row="new")}, new.title, {_SQLITE_TEXT.format(row="new")});
    END
    """,  # noqa: S608
    f"""
    CREATE TRIGGER articles_search_update AFTER UPDATE OF title, payload ON articles BEGIN
        INSERT INTO article_search (article_search, rowid, title, text) VALUES ('delete',
            {_SQLITE_DOC.format(row="old")}, old.title, {_SQLITE_TEXT.format(row="old")});
        INSERT INTO article_search (rowid, title, text) VALUES (
            {_SQLITE_DOC.format(row="new")}, new.title, {_SQLITE_TEXT.format(row="new")});
    END
    """,  # noqa: S608
    f"""
    CREATE TRIGGER articles_search_delete AFTER DELETE ON articles BEGIN
        INSERT INTO article_search (article_search, rowid, title, text) VALUES ('delete',
            {_SQLITE_DOC.format(row="old")}, old.title, {_SQLITE_TEXT.format(row="old")});
        DELETE FROM article_search_docs WHERE article_id = old.id;
    END
    """,  # noqa: S608
    "INSERT INTO article_search_docs (article_id) SELECT id FROM articles",
    "INSERT INTO article_search (rowid, title, text) SELECT d.docid, a.title, "
    "json_extract(a.payload, '$.text') FROM articles a JOIN article_search_docs d "
    "ON d.article_id = a.id",
)


def upgrade() -> None:
    """Add the columns, tables and indexes, then fill them from what is stored."""
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("seen_at", sa.Text))
        batch.add_column(sa.Column("language", sa.Text))
        batch.add_column(sa.Column("duplicate_of", sa.Text))
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("source_count", sa.Integer))
    bind = op.get_bind()
    for table in (article_entities, article_topics):
        table.create(bind)
    _fill_articles()
    _fill_stories()
    # Indexes after the fill: built once from sorted data rather than updated row by row.
    for index in articles.indexes:
        index.create(bind)
    if bind.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE articles ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({POSTGRES_SEARCH_VECTOR}) STORED"
        )
        op.execute("CREATE INDEX articles_search ON articles USING gin (search_vector)")
    else:
        for statement in _SQLITE_SEARCH:
            op.execute(statement)


def _pages(table: sa.Table) -> Iterator[list[tuple[str, str]]]:
    """(id, payload) rows of `table` in id order, a batch at a time (keyset paging)."""
    bind = op.get_bind()
    after = ""
    while True:
        page = (
            sa.select(table.c.id, table.c.payload)
            .where(table.c.id > after)
            .order_by(table.c.id)
            .limit(_FILL_BATCH)
        )
        rows = [(str(row[0]), str(row[1])) for row in bind.execute(page)]
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _fill_articles() -> None:
    bind = op.get_bind()
    for rows in _pages(articles):
        for article_id, payload in rows:
            try:
                article = article_from_payload(payload)
            except ValidationError:
                # Kept as stored; it stays out of the filters rather than stopping the upgrade.
                continue
            bind.execute(
                articles.update()
                .where(articles.c.id == article_id)
                .values(
                    seen_at=seen_at(article),
                    language=article.language,
                    duplicate_of=article.duplicate_of,
                )
            )
            index = article_index(article)
            if index.entities:
                bind.execute(article_entities.insert(), index.entities)
            if index.topics:
                bind.execute(article_topics.insert(), index.topics)


def _fill_stories() -> None:
    bind = op.get_bind()
    for rows in _pages(stories):
        for story_id, payload in rows:
            snapshot = json.loads(payload)
            sources = snapshot.get("sources") if isinstance(snapshot, dict) else None
            bind.execute(
                stories.update()
                .where(stories.c.id == story_id)
                .values(source_count=len(sources) if isinstance(sources, list) else 0)
            )
