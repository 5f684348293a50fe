"""Real captured feeds: does the fast parse path agree with feedparser, and how fast is each?

Reads every file in the folders given (feeds saved from real sites, e.g. another feed parser's
fixture set: BENCHMARKS.md names the one measured, with its commit and licence). For each file
it reports whether the fast path took it and, if so, whether ingest's entries from it equal
those from feedparser field for field. Then it times parse + clean + normalise per feed, as
ingest runs it (fast path, else feedparser) and through feedparser alone.

    .venv/bin/python -m bench.real_feeds DIR [DIR ...]

The feeds are not in the repository (they are other publishers' content); nothing is fetched.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from services.ingest.fastfeed import parse_fast
from services.ingest.feeditems import FeedDocument, FeedFormatError
from services.ingest.feedparse import parse_feed, parse_with_feedparser
from tests.feedcompare import normalised_view

_HEADERS = {"content-type": "application/xml"}


def _first_difference(fast: list[object], slow: list[object]) -> str:
    for position, (a, b) in enumerate(zip(fast, slow, strict=False)):
        if a != b:
            return f"item {position}: fast {str(a)[:200]!r} / feedparser {str(b)[:200]!r}"
    return f"{len(fast)} items from the fast path, {len(slow)} from feedparser"


def _ms_per_feed(bodies: list[bytes], parse: Callable[[bytes], FeedDocument]) -> float:
    """Best of three: parse, clean and normalise every feed; milliseconds per feed."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for body in bodies:
            normalised_view(parse(body))
        best = min(best, time.perf_counter() - started)
    return best * 1000 / len(bodies)


def _feedparser_reads(body: bytes) -> bool:
    try:
        parse_with_feedparser(body, _HEADERS)
    except FeedFormatError:
        return False
    return True


def main() -> None:
    """Check and time the feeds in the folders given; print a summary and one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.real_feeds")
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args()
    files = sorted(p for folder in args.folders for p in folder.iterdir() if p.is_file())
    feeds: list[bytes] = []
    accepted = agreeing = not_feeds = 0
    differences: list[str] = []
    for path in files:
        body = path.read_bytes()
        try:
            parse_feed(body, headers=_HEADERS)
        except FeedFormatError:
            not_feeds += 1
            continue
        feeds.append(body)
        fast = parse_fast(body, _HEADERS)
        if fast is None:
            continue
        accepted += 1
        fast_view = normalised_view(fast)
        slow_view = normalised_view(parse_with_feedparser(body, _HEADERS))
        if fast_view == slow_view:
            agreeing += 1
        else:
            differences.append(f"{path.name}: {_first_difference(fast_view, slow_view)}")
    # Timed over the feeds both can read (feedparser reads no JSON Feed).
    timed = [body for body in feeds if _feedparser_reads(body)]
    if not timed:
        folders = ", ".join(map(str, args.folders))
        parser.error(
            f"no XML feed among the {len(files)} files directly in {folders}"
            " (subfolders are not read: name each one)"
        )
    as_ingest = _ms_per_feed(timed, lambda body: parse_feed(body, headers=_HEADERS))
    feedparser_only = _ms_per_feed(timed, lambda body: parse_with_feedparser(body, _HEADERS))
    print(f"{len(files)} files: {len(feeds)} feeds, {not_feeds} refused as no feed")
    print(f"fast path took {accepted} feeds; {agreeing} of them equal feedparser's entries")
    for difference in differences:
        print(f"  differs: {difference}")
    print(
        f"parse+clean+normalise per feed ({len(timed)} XML feeds): "
        f"{as_ingest:.2f} ms as ingest runs it "
        f"({1000 / as_ingest:.0f} feeds/s), {feedparser_only:.2f} ms through feedparser alone"
    )
    print(
        json.dumps(
            {
                "bench": "real_feeds",
                "files": len(files),
                "feeds": len(feeds),
                "timed_feeds": len(timed),
                "fast_path": accepted,
                "equal": agreeing,
                "ms_per_feed": round(as_ingest, 2),
                "feedparser_ms_per_feed": round(feedparser_only, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
