"""What every `newswire` command shares: the error console and settings with a clear error."""

from __future__ import annotations

import typer
from pydantic import ValidationError
from rich.console import Console

from shared.batch import describe_validation_error
from shared.settings import Settings

err = Console(stderr=True)


def load_settings() -> Settings:
    """The settings, or exit 2 naming the bad one."""
    try:
        return Settings()
    except ValidationError as exc:
        err.print(f"[red]Bad setting:[/red] {describe_validation_error(exc)}")
        raise typer.Exit(2) from exc


def require_redis(settings: Settings) -> str:
    """REDIS_URL, or exit 2 saying to set it."""
    if not settings.redis_url:
        err.print("[red]REDIS_URL is not set.[/red] Point it at the Redis the services use.")
        raise typer.Exit(2)
    return settings.redis_url
