"""Running services as child processes, the way a deployment runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from rich.console import Console

from shared.embedded_redis import embedded_redis
from shared.settings import Settings

_STOP_TIMEOUT_S = 20.0


class ServiceProcess:
    """One `python -m services.NAME [ARGS…]` child with its log file."""

    def __init__(
        self, name: str, env: Mapping[str, str], log_dir: Path, args: Sequence[str] = ()
    ) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._command = [sys.executable, "-m", f"services.{name}", *args]
        self._env = {**os.environ, **env}
        log_dir.mkdir(parents=True, exist_ok=True)
        self._process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        with self.log_path.open("ab") as log:
            return subprocess.Popen(  # noqa: S603 (our own interpreter and module)
                self._command, env=self._env, stdout=log, stderr=subprocess.STDOUT
            )

    def restart(self) -> None:
        """Start the service again (after it exited), appending to the same log."""
        self._process = self._start()

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self._process.pid

    @property
    def exit_code(self) -> int | None:
        """None while running, else the exit code."""
        return self._process.poll()

    def exit_report(self) -> str:
        """What to tell a person when the child has exited: code and the end of its log."""
        return (
            f"{self.name} exited with code {self.exit_code}; its log ({self.log_path}) ends:\n"
            f"{self.log_tail()}"
        )

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the service logged, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def kill(self) -> int:
        """SIGKILL, as the OOM killer would: no clean-up runs. Returns the exit code."""
        self._process.kill()
        return self._process.wait()

    def stop(self) -> int:
        """SIGTERM, wait for a clean exit, SIGKILL if it does not come; returns the exit code."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        return self._process.returncode


@contextmanager
def running_services(
    names: list[str], env: Mapping[str, str], log_dir: Path
) -> Iterator[list[ServiceProcess]]:
    """Start each named service; stop them all (in reverse order) on the way out."""
    with ExitStack() as stack:
        services = []
        for name in names:
            service = ServiceProcess(name, env, log_dir)
            stack.callback(service.stop)
            services.append(service)
        yield services


def with_redis(settings: Settings, stack: ExitStack, console: Console) -> Settings:
    """`settings` with a Redis: its REDIS_URL, else an embedded server kept for `stack`'s life."""
    if settings.redis_url:
        return settings
    url = stack.enter_context(embedded_redis())
    console.print(f"Started an embedded Redis-compatible server at {url}")
    return settings.model_copy(update={"redis_url": url})
