"""Process lifecycle pieces every service entry point shares."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from shared.logging import configure_logging, get_logger
from shared.settings import Settings

log = get_logger(__name__)


def stop_cleanly_on_sigterm() -> None:
    """Make SIGTERM a clean exit (code 0) until the app installs its own graceful handler.

    A stop that arrives during start-up (the NLP model takes seconds to load) is an ordinary
    stop, not a crash; FastStream replaces this handler once the app runs.
    """
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def run_consumer(service: str, run: Callable[[Settings], Coroutine[Any, Any, None]]) -> None:
    """A consuming service's entry point: clean SIGTERM, settings, logging, then `run`."""
    stop_cleanly_on_sigterm()
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json, service=service)
    try:
        asyncio.run(run(settings))
    except Exception:
        # Through the logging (structured, passwords redacted), not Python's bare traceback.
        log.exception("service failed", service=service)
        sys.exit(1)
