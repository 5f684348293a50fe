"""`python -m services.ingest replay PATH…`: publish article files as raw articles."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from services.ingest.app import IngestService
from shared.logging import configure_logging, get_logger
from shared.settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Replay the given files and folders; exit 1 if any entry could not be published."""
    parser = argparse.ArgumentParser(prog="python -m services.ingest")
    commands = parser.add_subparsers(dest="command", required=True)
    replay = commands.add_parser("replay", help="publish article files (.txt, .jsonl) once")
    replay.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)

    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json, service="ingest")
    report = asyncio.run(IngestService(settings).replay(args.paths))
    get_logger(__name__).info(
        "replay finished", published=len(report.published), errors=len(report.errors)
    )
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
