"""The word search of articles (`q`), on each dialect's own index.

PostgreSQL matches the GIN-indexed `articles.search_vector` (see `tables.py`); SQLite its
FTS5 table `article_search`, whose rows `article_search_docs` ties to article ids. Both use
no stemming and no stop words, and an article matches when it has every word.
"""

from __future__ import annotations

import re

from sqlalchemy import column, false, func, literal_column, select, table
from sqlalchemy.sql.elements import ColumnElement

from shared.db.tables import SEARCH_CONFIG, articles

_search = table("article_search", column("rowid"))
_search_docs = table("article_search_docs", column("docid"), column("article_id"))
_WORD = re.compile(r"\w+")


def search_words(query: str) -> list[str]:
    """The words of a user's query (letters and digits; everything else separates them)."""
    return _WORD.findall(query)


def has_words(query: str, dialect: str) -> ColumnElement[bool]:
    """A condition on `articles`: its title or text has every word of `query`.

    User input never reaches either engine as query syntax: PostgreSQL gets plain text
    (plainto_tsquery) and SQLite one quoted FTS5 phrase per word.
    """
    words = search_words(query)
    if not words:
        return false()
    if dialect == "postgresql":
        config: ColumnElement[str] = literal_column(f"'{SEARCH_CONFIG}'::regconfig")
        wanted = func.plainto_tsquery(config, " ".join(words))
        vector: ColumnElement[str] = literal_column("articles.search_vector")
        return vector.op("@@")(wanted)
    phrases = " ".join('"' + word.replace('"', '""') + '"' for word in words)
    matching = select(_search.c.rowid).where(literal_column("article_search").op("MATCH")(phrases))
    ids = select(_search_docs.c.article_id).where(_search_docs.c.docid.in_(matching))
    return articles.c.id.in_(ids)
