"""`python -m services.stories`: run the stories service until SIGTERM/SIGINT."""

from __future__ import annotations

from services.stories.app import create_app
from shared.health import side_door
from shared.lifecycle import run_consumer
from shared.metrics import ServiceMetrics
from shared.service import serve
from shared.settings import Settings
from shared.streams import STORIES_GROUP


async def _run(settings: Settings) -> None:
    metrics = ServiceMetrics("stories")
    group = (settings.streams.analysed, STORIES_GROUP)
    async with side_door(settings, metrics, service="stories", group=group):
        await serve(lambda: create_app(settings, metrics), service="stories")


def main() -> None:
    """Place analysed articles in stories until stopped."""
    run_consumer("stories", _run)


if __name__ == "__main__":
    main()
