"""`python -m services.store`: run the store service until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncpg

from services.store.app import create_app
from services.store.database import open_repository
from services.store.repository import ArticleRepository
from shared.health import side_door
from shared.lifecycle import run_consumer
from shared.metrics import ServiceMetrics
from shared.runner import STARTUP_OUTAGES, serve
from shared.settings import Settings
from shared.streams import STORE_GROUP


class _DatabaseProbe:
    """Readiness: the database answers (its own connection, opened on first use)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._repository: ArticleRepository | None = None

    async def __call__(self) -> bool:
        if self._repository is None:
            self._repository = await open_repository(self._url)
        return await self._repository.ping()

    async def close(self) -> None:
        if self._repository is not None:
            await self._repository.close()


async def _run(settings: Settings) -> None:
    metrics = ServiceMetrics("store")
    group = (settings.streams.enriched, STORE_GROUP)
    database = _DatabaseProbe(settings.database_url)
    try:
        async with side_door(settings, metrics, service="store", group=group) as door:
            door.add_check("database", database)
            # SIGTERM/SIGINT stop it gracefully (exit 0); an app that stops by itself is
            # replaced.
            await serve(
                lambda: create_app(settings, metrics=metrics),
                service="store",
                # PostgreSQL refuses connections while it starts up or recovers.
                outages=(*STARTUP_OUTAGES, asyncpg.CannotConnectNowError),
            )
    finally:
        await database.close()


def main() -> None:
    """Consume enriched articles and story events into the configured database until stopped."""
    run_consumer("store", _run)


if __name__ == "__main__":
    main()
