"""Database URLs: which store backend a DATABASE_URL names, and where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_PREFIXES = ("postgresql://", "postgres://")


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """Which backend a database URL names, and where: a file path or a PostgreSQL DSN."""

    backend: Literal["sqlite", "postgresql"]
    location: str


def parse_database_url(database_url: str) -> DatabaseTarget:
    """Read `sqlite:///PATH` (relative; `sqlite:////abs` for absolute) or a PostgreSQL URL.

    Raises ValueError for anything else. The message names only the scheme, never the URL,
    which may hold a password.
    """
    if database_url.startswith(_SQLITE_PREFIX):
        path = database_url.removeprefix(_SQLITE_PREFIX)
        if not path:
            msg = "a sqlite:/// database URL needs a file path after the third slash"
            raise ValueError(msg)
        return DatabaseTarget("sqlite", path)
    if database_url.startswith(_POSTGRES_PREFIXES):
        return DatabaseTarget("postgresql", database_url)
    scheme, separator, _ = database_url.partition("://")
    found = f"scheme {scheme!r}" if separator else "a URL without a scheme"
    msg = (
        f"unsupported database URL ({found}): "
        "expected sqlite:///PATH, postgresql://… or postgres://…"
    )
    raise ValueError(msg)
