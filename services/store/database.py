"""From a DATABASE_URL to an open repository of the matching kind."""

from __future__ import annotations

from pathlib import Path

from services.store.repository import (
    ArticleRepository,
    PostgresArticleRepository,
    SqliteArticleRepository,
)
from shared.database_url import parse_database_url


async def open_repository(database_url: str) -> ArticleRepository:
    """Open the repository `database_url` names, creating its table if needed."""
    target = parse_database_url(database_url)
    if target.backend == "sqlite":
        return await SqliteArticleRepository.open(Path(target.location))
    return await PostgresArticleRepository.open(target.location)
