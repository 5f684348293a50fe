"""Story placement on a real stream: articles per second through `StoryDesk.place`, state in
memory, on one core.

    .venv/bin/python -m bench.stories_placement FILE [--items 10000] [--batch 64]

FILE is a story gold file (JSON lines, as `newswire evaluate-stories` reads them). Its items
are enriched first, as the service's enricher would (not timed), then placed in arrival order
in batches of `--batch` (the stories service's batch size), with the configured story
settings; only the placement is timed. The process is pinned to one core. Prints the rate, the
stories in the clusterer's memory at the end (its state is bounded by the window, not by the
stream's length) and the peak memory, as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from itertools import islice
from pathlib import Path

from bench.memory import peak_rss_mb
from evaluation.stories import load_story_gold
from newswire.evaluation import make_enricher
from services.stories.config import clusterer_for, story_window, time_bounds_for
from services.stories.desk import MemoryStoryState, StoryDesk
from shared.english import english_zipf
from shared.schemas import EnrichedArticle
from shared.settings import Settings

_ENRICH_CHUNK = 256


def placement_rate(
    articles: list[EnrichedArticle], batch: int, settings: Settings
) -> dict[str, float]:
    """Place `articles` in order, `batch` at a time; the rate and what memory holds after."""
    desk = StoryDesk(
        MemoryStoryState(keep=2 * story_window(settings)),
        english_zipf,
        clusterer_for(settings),
        time_bounds_for(settings),
    )

    async def place_all() -> None:
        for n in range(0, len(articles), batch):
            await desk.place(articles[n : n + batch])

    started = time.perf_counter()
    asyncio.run(place_all())
    seconds = time.perf_counter() - started
    return {
        "articles": len(articles),
        "seconds": round(seconds, 2),
        "articles_per_s": round(len(articles) / seconds, 1),
        "stories_in_memory": len(desk.clusterer.stories),
    }


def main() -> None:
    """Enrich, then time the placement, and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.stories_placement")
    parser.add_argument("gold", type=Path)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=Settings().stories_batch_size)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    settings = Settings()
    enricher = make_enricher(settings)
    raw = [g.article for g in islice(load_story_gold(args.gold, Path("seeds")), args.items)]
    articles = [
        enriched
        for n in range(0, len(raw), _ENRICH_CHUNK)
        for enriched in enricher.enrich(raw[n : n + _ENRICH_CHUNK])
    ]
    figures = placement_rate(articles, args.batch, settings)
    print(json.dumps(figures | {"peak_rss_mb": round(peak_rss_mb())}))


if __name__ == "__main__":
    main()
