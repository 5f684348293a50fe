"""Keep a service's FastStream app running: through outages at start-up and apps that stop.

`serve` runs apps made by `build` until SIGTERM/SIGINT:

- When an app cannot start because Redis or the database does not answer, it is built and
  started again after a wait that doubles from 1 s up to 30 s, logged each time, for as long
  as the outage lasts. The health endpoints, served around `serve`, answer meanwhile, with
  `/readyz` 503 (its checks fail), so an orchestrator sees a live process that is not ready,
  and `newswire up` or compose have nothing to restart.
- When FastStream stops the app by itself (it does when the consumer group has vanished,
  e.g. the stream was deleted), a new one is built, whose start-up recreates the group.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

import anyio
from faststream import FastStream

from shared.isolation import describe_failure
from shared.logging import get_logger
from shared.retry import UNREACHABLE

log = get_logger(__name__)

STARTUP_OUTAGES: tuple[type[BaseException], ...] = (*UNREACHABLE, OSError)
"""What an unreachable Redis or database raises at start-up (refused, reset, timed out, DNS)."""

_RESTART_DELAY_S = 1.0
_FIRST_WAIT_S = 1.0
_LONGEST_WAIT_S = 30.0


async def serve(
    build: Callable[[], FastStream],
    *,
    service: str,
    outages: tuple[type[BaseException], ...] = STARTUP_OUTAGES,
) -> None:
    """Run apps made by `build` until SIGTERM/SIGINT (see the module docstring).

    `outages` are the exceptions that mean a dependency is down (add the database driver's).
    """
    stopping = anyio.Event()
    restarts = 0
    wait = _FIRST_WAIT_S
    while True:
        app = build()

        def request_stop(app: FastStream = app) -> None:
            stopping.set()
            app.exit()

        def take_signals(request_stop: Callable[[], None] = request_stop) -> None:
            # Replaces FastStream's own handlers, so that a signal can be told apart from the
            # app stopping by itself, and is heard while waiting out an outage too.
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, request_stop)

        async def signals_taken(take_signals: Callable[[], None] = take_signals) -> None:
            take_signals()

        app.on_startup(signals_taken)
        try:
            await app.run()
        except outages as exc:
            take_signals()
            log.warning(
                "dependency unreachable at start-up, waiting",
                service=service,
                error=describe_failure(exc),
                retry_in_s=wait,
            )
            with anyio.move_on_after(wait):
                await stopping.wait()
            wait = min(wait * 2, _LONGEST_WAIT_S)
            if stopping.is_set():
                return
            continue
        if stopping.is_set():
            return
        wait = _FIRST_WAIT_S
        restarts += 1
        log.warning("service stopped by itself, starting again", service=service, restarts=restarts)
        await anyio.sleep(_RESTART_DELAY_S)
