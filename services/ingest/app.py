"""The ingest service's FastStream app: publishes raw articles to `newswire:articles:raw`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from services.ingest.files import read_files
from services.ingest.replay import ReplayReport, run_source
from shared.broker import make_app, make_broker
from shared.schemas import RawArticle
from shared.settings import Settings


class IngestService:
    """The ingest app and its raw-article publisher, wired to the real broker."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        broker = make_broker(settings)
        self._raw = broker.publisher(
            stream=settings.streams.raw,
            title="raw-articles",
            description="Normalised articles, one RawArticle JSON per entry.",
            schema=RawArticle,
        )
        self.app = make_app(broker)

    async def publish(self, article: RawArticle) -> None:
        """Append one raw article to the raw stream."""
        await self._raw.publish(article)

    async def replay(self, paths: Sequence[Path]) -> ReplayReport:
        """Publish every article in `paths` (files or folders) and stop."""
        async with self.app:
            return await run_source(
                read_files(paths), self.publish, max_text_bytes=self.settings.max_article_bytes
            )
