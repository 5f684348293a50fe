"""The store's tables as releases before Alembic made them, brought to the last such layout.

A database created by one of those releases has these tables (some without a column a later
release added) and no `alembic_version`; this revision creates what is missing, so it runs
on a new database and on an old one alike.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_JSON = sa.Text().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    """Create the three tables, the columns and indexes older layouts lack."""
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    if "articles" not in tables:
        op.create_table(
            "articles",
            sa.Column("id", sa.Text, primary_key=True),
            sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
            sa.Column("title", sa.Text),
            sa.Column("outlet", sa.Text),
            sa.Column("url", sa.Text),
            sa.Column("published_at", sa.Text),
            sa.Column("ingested_at", sa.Text, nullable=False),
            sa.Column("enriched_at", sa.Text, nullable=False),
            sa.Column("payload", _JSON, nullable=False),
            sa.Column("stored_at", sa.Text, nullable=False),
            sa.Column("updated_at", sa.Text, nullable=False),
        )
    elif "revision" not in _columns(inspector, "articles"):
        op.add_column(
            "articles", sa.Column("revision", sa.Integer, nullable=False, server_default="1")
        )
    if "stories" not in tables:
        op.create_table(
            "stories",
            sa.Column("id", sa.Text, primary_key=True),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("title", sa.Text),
            sa.Column("first_seen", sa.Text, nullable=False),
            sa.Column("last_seen", sa.Text, nullable=False),
            sa.Column("member_count", sa.Integer, nullable=False),
            sa.Column("payload", _JSON, nullable=False),
            sa.Column("merged_into", sa.Text),
            sa.Column("emitted_at", sa.Text),
        )
    elif "emitted_at" not in _columns(inspector, "stories"):
        op.add_column("stories", sa.Column("emitted_at", sa.Text))
    if "story_members" not in tables:
        op.create_table(
            "story_members",
            sa.Column("article_id", sa.Text, primary_key=True),
            sa.Column("story_id", sa.Text, nullable=False),
        )
    _index(inspector, "story_members_by_story", "story_members", ["story_id"])
    _index(inspector, "stories_by_last_seen", "stories", ["last_seen"])
    if op.get_bind().dialect.name == "postgresql":
        for table in ("articles", "stories"):
            _payload_as_jsonb(inspector, table)


def _payload_as_jsonb(inspector: sa.Inspector, table: str) -> None:
    # A table made by hand or by an early release may hold payloads as TEXT; JSON operators
    # (the word index reads the text from the payload) need JSONB.
    types = {column["name"]: column["type"] for column in inspector.get_columns(table)}
    if not isinstance(types.get("payload"), JSONB):
        op.execute(f"ALTER TABLE {table} ALTER COLUMN payload TYPE JSONB USING payload::jsonb")


def _columns(inspector: sa.Inspector, table: str) -> set[str]:
    return {column["name"] for column in inspector.get_columns(table)}


def _index(inspector: sa.Inspector, name: str, table: str, columns: list[str]) -> None:
    if table not in set(inspector.get_table_names()) or name not in {
        index["name"] for index in inspector.get_indexes(table)
    }:
        op.create_index(name, table, columns)
