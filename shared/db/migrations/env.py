"""Alembic's entry point: migrations run on the connection `shared.db.migrate` hands over."""

from __future__ import annotations

from alembic import context

from shared.db.tables import metadata

connection = context.config.attributes["connection"]
# SQLite cannot ALTER most things in place: batch mode rebuilds a table where it must.
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
