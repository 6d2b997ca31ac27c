"""Real HTTP servers on 127.0.0.1, one per site, plus a request log for assertions."""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import urlsplit

from . import hostile
from .model import GroundTruthArticle
from .responses import Response
from .routes import ServeOptions, route
from .web import NewsWeb

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
OFFSITE = "offsite"  # log name of the server behind the hostile off-site redirect
_POLL_SECONDS = 0.05


class RequestRecord(NamedTuple):
    site: str
    method: str
    path: str  # as requested, with the query string
    headers: dict[str, str]  # request headers, names lower-cased
    status: int


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, running: RunningWeb, site_name: str) -> None:
        self.running = running
        self.site_name = site_name
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((HOST, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); not needed here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, self.server_address[1]

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)

    def close_connections(self) -> None:
        """Unblock handler threads stuck on idle keep-alive or slow clients."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "NewsWeb/1.0"
    timeout = 30  # idle keep-alive connections are dropped after this
    server: _SiteServer

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_POST(self) -> None:
        self.close_connection = True  # the request body is not read
        self._log(405)
        self._write(Response(405, "text/plain", b"Method not allowed\n"), send_body=True)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s " + format, self.server.site_name, *args)

    def _headers(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers.items()}

    def _log(self, status: int) -> None:
        record = RequestRecord(
            self.server.site_name, self.command, self.path, self._headers(), status
        )
        self.server.running.record(record)

    def _serve(self, send_body: bool) -> None:
        running = self.server.running
        split = urlsplit(self.path)
        try:
            response = running.respond(
                self.server.site_name, split.path, split.query, self._headers()
            )
        except Exception:
            logger.exception("newsweb failed to render %s", self.path)
            response = Response(500, "text/plain", b"newsweb bug\n")
        self._log(response.status)
        self._write(response, send_body)

    def _write(self, response: Response, send_body: bool) -> None:
        stop = self.server.running.stopping
        try:
            if response.silence and stop.wait(response.silence):
                self.close_connection = True
                return
            self.send_response(response.status)
            if response.content_type:
                self.send_header("Content-Type", response.content_type)
            for name, value in response.headers:
                self.send_header(name, value)
            length = response.stream_length if response.stream else len(response.body)
            if response.status != 304:
                self.send_header("Content-Length", str(length))
            self.end_headers()
            if not send_body or response.status == 304:
                return
            if response.stream is None:
                self.wfile.write(response.body)
                return
            for chunk in response.stream(stop):
                if stop.is_set():
                    self.close_connection = True
                    return
                self.wfile.write(chunk)
                self.wfile.flush()
        except OSError:
            # The client hung up (a crawler aborting a huge or slow page): nothing to do.
            self.close_connection = True


class RunningWeb:
    """The servers of one served ``NewsWeb`` (see ``serve``)."""

    def __init__(self, web: NewsWeb, *, slow_delay: float, port_base: int) -> None:
        self.web = web
        self.slow_delay = slow_delay
        self.stopping = threading.Event()
        self._port_base = port_base
        self._servers: dict[str, _SiteServer] = {}
        self._threads: list[threading.Thread] = []
        self._log: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self._options = ServeOptions(slow_delay=slow_delay, offsite_base="")

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        names = [site.name for site in self.web.sites]
        if self.web.hostile_site:
            names.append(OFFSITE)
        try:
            for number, name in enumerate(names):
                port = self._port_base + number if self._port_base else 0
                self._servers[name] = _SiteServer(port, self, name)
            self.web.attach({site.name: self.base_url(site.name) for site in self.web.sites})
        except (OSError, RuntimeError):
            self._close_servers()
            raise
        if OFFSITE in self._servers:
            # A different host name for the same loopback address: off-site for a crawler.
            self._options.offsite_base = f"http://localhost:{self._servers[OFFSITE].server_port}"
        for name, server in self._servers.items():
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": _POLL_SECONDS},
                name=f"newsweb-{name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop every server promptly, even with slow responses in flight."""
        self.stopping.set()
        for server in self._servers.values():
            server.shutdown()
        self._close_servers()
        for thread in self._threads:
            thread.join()
        self.web.detach()

    def _close_servers(self) -> None:
        for server in self._servers.values():
            server.close_connections()
            server.server_close()

    # --- addresses -------------------------------------------------------------------------

    def base_url(self, site_name: str) -> str:
        """``http://127.0.0.1:PORT`` of a site (or of ``OFFSITE``)."""
        return f"http://{HOST}:{self._servers[site_name].server_port}"

    def url(self, target: GroundTruthArticle | str, site: str | None = None) -> str:
        """Absolute URL of an article, or of a path on ``site``."""
        if isinstance(target, GroundTruthArticle):
            return self.base_url(target.site) + target.path
        if site is None:
            raise ValueError("a path needs a site name")
        return self.base_url(site) + target

    def hostile_url(self, kind: str) -> str:
        """Absolute URL of a hostile endpoint (a key of ``web.hostile``)."""
        if self.web.hostile_site is None:
            raise KeyError("this web was generated with hostile=False")
        return self.base_url(self.web.hostile_site) + self.web.hostile[kind]

    @property
    def offsite_base(self) -> str:
        return self._options.offsite_base

    # --- request log -----------------------------------------------------------------------

    def record(self, entry: RequestRecord) -> None:
        with self._log_lock:
            self._log.append(entry)

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log, oldest first."""
        with self._log_lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    # --- routing ---------------------------------------------------------------------------

    def respond(self, site_name: str, path: str, query: str, headers: dict[str, str]) -> Response:
        if site_name == OFFSITE:
            return hostile.offsite_landing()
        return route(
            self.web, site_name, self.base_url(site_name), self._options, path, query, headers
        )


@contextmanager
def serve(web: NewsWeb, *, slow_delay: float = 60.0, port_base: int = 0) -> Iterator[RunningWeb]:
    """Serve every site of ``web`` on 127.0.0.1 (free ports unless ``port_base``).

    Yields a ``RunningWeb``; on exit the servers stop and article URLs revert to paths.
    """
    running = RunningWeb(web, slow_delay=slow_delay, port_base=port_base)
    running.start()
    try:
        yield running
    finally:
        running.stop()
