"""The read API's FastAPI app: JSON routes, the stories page, health and readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI, Response
from fastapi.staticfiles import StaticFiles

from services.api import pages, routes
from services.api.models import Readiness
from services.api.params import Database
from shared.db.engine import open_engine
from shared.db.migrate import is_current
from shared.logging import get_logger
from shared.settings import Settings

log = get_logger(__name__)


def create_app(settings: Settings) -> FastAPI:
    """The app over `settings.database_url`; its engine opens at start-up, closes at exit."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = await open_engine(settings.database_url)
        log.info("api started", backend=app.state.engine.dialect.name)
        try:
            yield
        finally:
            await app.state.engine.dispose()

    app = FastAPI(
        title="newswire read API",
        version=version("newswire"),
        description=(
            "Read what the store kept: articles, stories and entities, newest first, with "
            "cursor pagination. The stories page is served at `/`."
        ),
        lifespan=lifespan,
    )
    app.include_router(routes.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(packages=[("services.api", "static")]), name="static")

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["health"],
        responses={503: {"model": Readiness, "description": "The database does not answer."}},
    )
    async def readyz(engine: Database, response: Response) -> Readiness:
        """The database answers and the store has migrated it to this release's tables."""
        try:
            ready = await is_current(engine)
        except Exception as error:  # any failure means not ready; the reason is logged
            log.warning("database not ready", error=str(error))
            ready = False
        if not ready:
            response.status_code = 503
        return Readiness(database=ready)

    return app
