"""`python -m services.store`: run the store service until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio

from services.store.app import create_app
from shared.lifecycle import stop_cleanly_on_sigterm
from shared.logging import configure_logging
from shared.settings import Settings


def main() -> None:
    """Consume enriched articles into the configured database until stopped."""
    stop_cleanly_on_sigterm()
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json, service="store")
    # FastStream's run() turns SIGTERM/SIGINT into a graceful stop and then returns (exit 0).
    asyncio.run(create_app(settings).run())


if __name__ == "__main__":
    main()
