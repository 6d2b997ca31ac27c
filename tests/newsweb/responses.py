"""The response value that routes produce and the HTTP handler writes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

# A streamed body: called with the server's stop event, yields chunks; it must return soon
# after the event is set so servers shut down promptly.
Stream = Callable[[threading.Event], Iterator[bytes]]

HTML = "text/html; charset=utf-8"


@dataclass
class Response:
    status: int
    content_type: str | None = HTML
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    stream: Stream | None = None
    stream_length: int = 0  # Content-Length of a streamed body
    silence: float = 0.0  # seconds to wait before sending anything at all
    compressible: bool = False  # may be gzipped when the site and the client want it


def html_response(page: str, status: int = 200, *, compressible: bool = True) -> Response:
    return Response(status, HTML, page.encode("utf-8"), compressible=compressible)


def redirect(location: str, status: int = 302) -> Response:
    body = f'<a href="{location}">Moved</a>\n'.encode()
    return Response(status, HTML, body, headers=[("Location", location)])
