"""`python -m services.store`: run the store service until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio

from services.store.app import create_app
from shared.lifecycle import stop_cleanly_on_sigterm
from shared.logging import configure_logging
from shared.service import serve
from shared.settings import Settings


def main() -> None:
    """Consume enriched articles into the configured database until stopped."""
    stop_cleanly_on_sigterm()
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json, service="store")
    # SIGTERM/SIGINT stop it gracefully (exit 0); an app that stops by itself is replaced.
    asyncio.run(serve(lambda: create_app(settings), service="store"))


if __name__ == "__main__":
    main()
