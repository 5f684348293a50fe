"""A local HTTP server that serves feeds the way real servers do, well and badly.

Conditional GET (ETag, Last-Modified), gzip, redirects, error statuses with headers, slow
and huge responses; every request is recorded for assertions.
"""

from __future__ import annotations

import gzip as gzip_module
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

_CHUNK = 1024


@dataclass
class FeedRoute:
    """What one path answers."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    gzip: bool = False
    delay: float = 0.0
    trickle: float = 0.0
    stream_bytes: int = 0


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it arrived; header names lower-cased."""

    path: str
    headers: dict[str, str]


def _not_modified(route: FeedRoute, headers: dict[str, str]) -> bool:
    if route.etag is not None and "if-none-match" in headers:
        return headers["if-none-match"] == route.etag
    if route.last_modified is not None and "if-modified-since" in headers:
        try:
            since = parsedate_to_datetime(headers["if-modified-since"])
            return since >= parsedate_to_datetime(route.last_modified)
        except (TypeError, ValueError):
            return False
    return False


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read the recorded requests instead."""

    def do_GET(self) -> None:
        owner = self.server.owner
        owner.enter()
        try:
            self._answer()
        finally:
            owner.leave()

    def _answer(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.owner.record(RecordedRequest(self.path, headers))
        route = self.server.owner.route(self.path)
        if route is None:
            self._send(404, {"content-type": "text/plain"}, b"not found")
            return
        if route.delay:
            time.sleep(route.delay)
        validators = {
            name: value
            for name, value in (("etag", route.etag), ("last-modified", route.last_modified))
            if value is not None
        }
        if route.status == 200 and _not_modified(route, headers):
            self._send(304, validators, b"")
            return
        if route.stream_bytes:
            self._stream_filler(route)
            return
        body = route.body
        extra = {"content-type": route.content_type, **validators, **route.headers}
        if route.gzip and "gzip" in headers.get("accept-encoding", ""):
            body = gzip_module.compress(body)
            extra["content-encoding"] = "gzip"
        self._send(route.status, extra, body, trickle=route.trickle)

    def _send(
        self, status: int, headers: dict[str, str], body: bytes, *, trickle: float = 0.0
    ) -> None:
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            for start in range(0, len(body), _CHUNK):
                self.wfile.write(body[start : start + _CHUNK])
                if trickle:
                    self.wfile.flush()
                    time.sleep(trickle)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _stream_filler(self, route: FeedRoute) -> None:
        # A huge feed, generated as it goes so the test process never holds it in memory.
        head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>huge</title>'
        filler = b"<item><title>x</title><description>" + b"y" * 900 + b"</description></item>"
        try:
            self.send_response(200)
            self.send_header("content-type", route.content_type)
            self.send_header("content-length", str(route.stream_bytes))
            self.end_headers()
            sent = 0
            while sent < route.stream_bytes:
                chunk = (head if sent == 0 else filler)[: route.stream_bytes - sent]
                self.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    owner: FeedServer


class FeedServer:
    """Serves `FeedRoute`s on 127.0.0.1 at a free port, from a daemon thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, FeedRoute] = {}
        self._requests: list[RecordedRequest] = []
        self._in_flight = 0
        self.max_in_flight = 0
        """The most requests that were being answered at one time."""
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        """The absolute URL of `path`."""
        return self.base_url + path

    def set(self, path: str, route: FeedRoute) -> None:
        """Serve `route` at `path` from now on."""
        with self._lock:
            self._routes[path] = route

    def route(self, path: str) -> FeedRoute | None:
        """What `path` serves now."""
        with self._lock:
            return self._routes.get(path)

    def record(self, request: RecordedRequest) -> None:
        """Keep `request` for `requests`."""
        with self._lock:
            self._requests.append(request)

    def enter(self) -> None:
        """Count a request being answered."""
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def leave(self) -> None:
        """Count a request answered."""
        with self._lock:
            self._in_flight -= 1

    def requests(self, path: str | None = None) -> list[RecordedRequest]:
        """Requests so far (for `path` only, if given), in arrival order."""
        with self._lock:
            return [r for r in self._requests if path is None or r.path == path]

    def clear_requests(self) -> None:
        """Forget the requests so far."""
        with self._lock:
            self._requests.clear()

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
