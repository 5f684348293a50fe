"""`python -m services.ingest replay PATH…` or `poll [--once]`: publish raw articles."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

import anyio

from services.ingest.app import IngestService
from shared.health import side_door
from shared.lifecycle import stop_cleanly_on_sigterm
from shared.logging import configure_logging, get_logger
from shared.metrics import ServiceMetrics
from shared.settings import Settings

log = get_logger(__name__)


async def _poll_until_stopped(settings: Settings) -> None:
    metrics = ServiceMetrics("ingest")
    service = IngestService(settings, metrics)
    async with side_door(settings, metrics, service="ingest"):
        await _poll(service)


async def _poll(service: IngestService) -> None:
    stop = anyio.Event()

    async def stop_on_signal() -> None:
        with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async for signum in signals:
                # Stop starting polls; the ones in flight finish (each within its timeout).
                log.info("stopping", signal=signal.Signals(signum).name)
                stop.set()
                return

    async with anyio.create_task_group() as group:
        group.start_soon(stop_on_signal)
        await service.poll_forever(stop)
        group.cancel_scope.cancel()


def main(argv: list[str] | None = None) -> int:
    """Replay files, or poll the feed list; replay exits 1 if any entry was not published."""
    parser = argparse.ArgumentParser(prog="python -m services.ingest")
    commands = parser.add_subparsers(dest="command", required=True)
    replay = commands.add_parser("replay", help="publish article files (.txt, .jsonl) once")
    replay.add_argument("paths", nargs="+", type=Path)
    poll = commands.add_parser("poll", help="poll the feeds of FEEDS_FILE on their schedules")
    poll.add_argument("--once", action="store_true", help="poll every active feed once and exit")
    args = parser.parse_args(argv)

    stop_cleanly_on_sigterm()
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json, service="ingest")
    service = IngestService(settings)
    if args.command == "replay":
        report = anyio.run(service.replay, args.paths)
        log.info("replay finished", published=len(report.published), errors=len(report.errors))
        return 1 if report.errors else 0
    if args.once:
        states = anyio.run(service.poll_once)
        failed = sum(1 for state in states if state.error_count)
        log.info("poll finished", feeds=len(states), failed=failed)
        return 0
    anyio.run(_poll_until_stopped, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
