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
    entries: AsyncIterable[SourceEntry | SourceError],
    publish: Publish,
    *,
    max_text_bytes: int,
    progress: Callable[[], object] | None = None,
) -> ReplayReport:
    """Publish every entry that normalises; log and report every one that does not.

    `progress` is called once per entry or error, whatever became of it.
    """
    report = ReplayReport()
    async for item in entries:
        await _run_one(item, publish, report, max_text_bytes)
        if progress is not None:
            progress()
    return report


async def _run_one(
    item: SourceEntry | SourceError, publish: Publish, report: ReplayReport, max_text_bytes: int
) -> None:
    if isinstance(item, SourceError):
        report.errors.append(item)
        log.error("source entry unreadable", where=item.where, error=item.error)
        return
    try:
        article = normalise(item, max_text_bytes=max_text_bytes)
    except RejectedEntry as exc:
        report.errors.append(SourceError(item.where, str(exc)))
        log.error("source entry rejected", where=item.where, error=str(exc))
        return
    await publish(article)
    report.published.append(article.id)
    log.info("article published", article_id=article.id, where=item.where)
