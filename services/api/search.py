"""Words in an article's title or text (`q`): the one query that differs by dialect.

PostgreSQL matches the GIN-indexed tsvector; SQLite the FTS5 table `article_search`, whose
rowid is the article's rowid. Both see user input as plain words, never query syntax.
"""

from __future__ import annotations

from sqlalchemy import column, func, literal_column, select, table
from sqlalchemy.sql.elements import ColumnElement

from shared.db.tables import postgres_search_vector

_ARTICLE_SEARCH = table("article_search", column("rowid"))


def words(q: str) -> list[str]:
    """The words of a query (split on white space)."""
    return q.split()


def fts5_phrases(q: str) -> str:
    """`q` as FTS5 phrases, one per word, all required: quotes doubled, nothing else special."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words(q))


def matches(dialect: str, q: str) -> ColumnElement[bool]:
    """A condition on `articles`: every word of `q` is in the title or text."""
    if dialect == "postgresql":
        # The configuration is written as the index writes it, not bound as a parameter.
        query = func.plainto_tsquery(literal_column("'simple'::regconfig"), q)
        return postgres_search_vector().op("@@")(query)
    hits = select(_ARTICLE_SEARCH.c.rowid).where(
        literal_column("article_search").op("MATCH")(fts5_phrases(q))
    )
    return literal_column("articles.rowid").in_(hits)
