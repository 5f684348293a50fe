"""`python -m services.api`: serve the read API and the stories page with uvicorn."""

from __future__ import annotations

import uvicorn

from services.api.app import create_app
from shared.lifecycle import stop_cleanly_on_sigterm
from shared.logging import configure_logging
from shared.settings import Settings


def main() -> None:
    """Serve on API_HOST:API_PORT until SIGTERM/SIGINT (uvicorn stops gracefully, exit 0)."""
    # uvicorn shuts down on SIGTERM, then restores the handler it found and raises the signal
    # again: this one makes that a clean exit (code 0), as the other services' stops are.
    stop_cleanly_on_sigterm()
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json, service="api")
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,  # uvicorn's loggers go through the structured set-up above
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
