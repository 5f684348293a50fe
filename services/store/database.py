"""From a DATABASE_URL to an open repository."""

from __future__ import annotations

from services.store.repository import ArticleRepository, SqlArticleRepository


async def open_repository(database_url: str) -> ArticleRepository:
    """Open the repository `database_url` names, creating or upgrading its tables."""
    return await SqlArticleRepository.open(database_url)
