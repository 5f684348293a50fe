"""Running a source to the end: normalise each entry, publish it, account for every failure."""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable
from dataclasses import dataclass, field

from services.ingest.entry import SourceEntry, SourceError
from services.ingest.normalise import RejectedEntry, normalise
from shared.logging import get_logger
from shared.schemas import RawArticle

log = get_logger(__name__)

Publish = Callable[[RawArticle], Awaitable[object]]


@dataclass(slots=True)
class ReplayReport:
    """What a run of a source produced: the ids published and the errors, in order."""

    published: list[str] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)


async def run_source(
    entries: AsyncIterable[SourceEntry | SourceError], publish: Publish, *, max_text_bytes: int
) -> ReplayReport:
    """Publish every entry that normalises; log and report every one that does not."""
    report = ReplayReport()
    async for item in entries:
        if isinstance(item, SourceError):
            report.errors.append(item)
            log.error("source entry unreadable", where=item.where, error=item.error)
            continue
        try:
            article = normalise(item, max_text_bytes=max_text_bytes)
        except RejectedEntry as exc:
            report.errors.append(SourceError(item.where, str(exc)))
            log.error("source entry rejected", where=item.where, error=str(exc))
            continue
        await publish(article)
        report.published.append(article.id)
        log.info("article published", article_id=article.id, where=item.where)
    return report
