"""`newswire up`: every service as a child process, for trying newswire on one machine."""

from __future__ import annotations

import signal
import time
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

from rich.console import Console

from newswire.processes import ServiceProcess, with_redis
from shared.redact import redact
from shared.settings import Settings

_CHECK_EVERY_S = 0.5
_LONGEST_RESTART_WAIT_S = 30.0
# One host, several services: each gets its own port for /healthz, /readyz and /metrics.
HEALTH_PORTS = {"enrich": 8081, "store": 8082, "ingest": 8083, "stories": 8084}


class UpError(RuntimeError):
    """Services did not stop cleanly; the message says which and where their logs are."""


class _Restarts:
    """Restarts one service whenever it exits, waiting longer after each exit (1 s … 30 s)."""

    def __init__(self) -> None:
        self.count = 0
        self._due: float | None = None

    def watch(self, service: ServiceProcess, console: Console) -> None:
        """Called every check: notice an exit, and restart the service once its wait is over."""
        now = time.monotonic()
        if self._due is None:
            if service.exit_code is None:
                return
            wait = min(2.0**self.count, _LONGEST_RESTART_WAIT_S)
            self._due = now + wait
            console.print(f"[red]{redact(service.exit_report())}[/red]")
            console.print(f"{service.name}: restarting in {wait:.0f} s")
        elif now >= self._due:
            self._due = None
            self.count += 1
            service.restart()
            console.print(f"{service.name}: restarted, pid {service.pid}")


def run_up(settings: Settings, log_dir: Path, console: Console, *, feeds: bool) -> None:
    """Start enrich, stories, store, the read API (and the feed poller), wait for SIGINT or
    SIGTERM, stop all.

    A service that exits meanwhile is restarted (after a wait that grows with each exit): a
    crash of one does not take the others down.
    """
    stopping: list[int] = []

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with ExitStack() as stack:
            settings = with_redis(settings, stack, console)
            wanted: list[tuple[str, tuple[str, ...]]] = [
                ("enrich", ()),
                ("stories", ()),
                ("store", ()),
                ("api", ()),
            ]
            wanted += [("ingest", ("poll",))] if feeds else []
            services = []
            # The API serves its own /readyz on API_PORT; the others on their health port.
            ready_ports = {**HEALTH_PORTS, "api": settings.api_port}
            for name, args in wanted:
                env = {**settings.child_env(), "HEALTH_PORT": str(HEALTH_PORTS.get(name, 0))}
                service = ServiceProcess(name, env, log_dir, args)
                stack.callback(service.stop)
                services.append(service)
                console.print(
                    f"{name}: pid {service.pid}, log {service.log_path}, "
                    f"http://127.0.0.1:{ready_ports[name]}/readyz"
                )
            console.print(
                f"REDIS_URL={redact(settings.require_redis_url())}  "
                f"DATABASE_URL={redact(settings.database_url)}\n"
                "Publish with `newswire replay PATH`, watch with `newswire tail` or "
                "`newswire stats`, read the stories at "
                f"http://{settings.api_host}:{settings.api_port}/. Ctrl-C stops everything."
            )
            restarts = {service.name: _Restarts() for service in services}
            while not stopping:
                for service in services:
                    restarts[service.name].watch(service, console)
                time.sleep(_CHECK_EVERY_S)
            console.print("Stopping…")
            codes = {service.name: service.stop() for service in reversed(services)}
            failed = {name: code for name, code in codes.items() if code != 0}
            if failed:
                msg = f"services exited with errors on shutdown: {failed}; see {log_dir}"
                raise UpError(msg)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
