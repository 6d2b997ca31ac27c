"""Hostile endpoints of the site named "hostile": traps a robust crawler must survive.

Each is listed in ``web.hostile`` (kind -> path) and linked from the hostile site's home
page, first section page, feed and sitemap, so a crawler actually meets them.
"""

from __future__ import annotations

import calendar
import re
import secrets
import struct
import threading
import zlib
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache

from . import stories
from .pages import esc, render_plain_article
from .responses import HTML, Response, redirect

CP1252_DECLARED_UTF8 = "cp1252-declared-utf8"  # bytes in windows-1252, header says UTF-8
UNDECLARED_UTF8 = "undeclared-utf8"  # UTF-8 bytes, no charset in header or meta

HUGE_PAGE_BYTES = 20 * 1024 * 1024
BOMB_DECOMPRESSED_BYTES = 1024 * 1024 * 1024
_CHUNK = 1024 * 1024
SLOW_STEP_SECONDS = 0.5
_CALENDAR = re.compile(r"^/calendar/(\d{4})/(\d{2})/(?:(\d{2})/)?$")


def endpoint_paths(now: datetime) -> dict[str, str]:
    """Kind -> path of every hostile endpoint (the charset articles are added by the caller)."""
    return {
        "huge_page": "/hostile/huge.html",
        "gzip_bomb": "/hostile/bomb.html",
        "redirect_loop": "/hostile/loop-a.html",
        "calendar_trap": f"/calendar/{now:%Y/%m}/?sid=start",
        "offsite_redirect": "/hostile/offsite.html",
        "not_found": "/hostile/missing.html",
        "server_error": "/hostile/error.html",
        "slow": "/hostile/slow.html",
        "slow_headers": "/hostile/slow-start.html",
        "pdf": "/hostile/annual-report.pdf",
        "image_as_article": f"/{now:%Y/%m/%d}/photo-of-the-day.html",
        "wrong_charset_header": "/hostile/charset-latin1.html",
        "malformed_feed": "/hostile/feed-broken.xml",
        "malformed_sitemap": "/hostile/sitemap-broken.xml",
        "xxe_feed": "/hostile/feed-entities.xml",
    }


def respond(
    paths: dict[str, str],
    path: str,
    base: str,
    offsite_base: str,
    slow_delay: float,
) -> Response | None:
    """The hostile response for ``path``, or None if it is an ordinary page."""
    match = _CALENDAR.match(path)
    if match:
        return _calendar(*match.groups())
    kinds = {p.split("?")[0]: kind for kind, p in paths.items()}
    kind = kinds.get(path)
    if kind is None:
        return _loop(path)
    builders = {
        "huge_page": lambda: _huge_page(),
        "gzip_bomb": lambda: _bomb(),
        "redirect_loop": lambda: redirect("/hostile/loop-b.html"),
        "offsite_redirect": lambda: redirect(f"{offsite_base}/landing.html"),
        "not_found": lambda: _error_page(404, "Not found"),
        "server_error": lambda: _error_page(500, "Internal server error"),
        "slow": lambda: _slow(slow_delay),
        "slow_headers": lambda: _slow_headers(slow_delay),
        "pdf": lambda: Response(200, "application/pdf", fake_pdf()),
        "image_as_article": lambda: Response(200, "image/png", tiny_png()),
        "wrong_charset_header": lambda: _latin1_declared(),
        "malformed_feed": lambda: _malformed_feed(base),
        "malformed_sitemap": lambda: _malformed_sitemap(base),
        "xxe_feed": lambda: _entity_feed(base),
    }
    builder = builders.get(kind)
    return builder() if builder else None


def _loop(path: str) -> Response | None:
    if path == "/hostile/loop-b.html":
        return redirect("/hostile/loop-a.html")
    return None


def _error_page(status: int, reason: str) -> Response:
    page = f"<!DOCTYPE html><html><head><title>{status}</title></head><body><h1>{reason}</h1>"
    return Response(status, HTML, (page + "</body></html>\n").encode())


# --- the 20 MB page --------------------------------------------------------------------------


def _huge_page() -> Response:
    head = (
        b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        b"<title>Everything we ever published</title></head><body><article>"
        b"<h1>Everything we ever published</h1>"
    )
    tail = b"</article></body></html>\n"
    paragraph = (
        b"<p>This archive page repeats the same paragraph until it is twenty megabytes long, "
        b"so a crawler must stop reading long before the end.</p>\n"
    )
    block = paragraph * (65536 // len(paragraph))

    def chunks(stop: threading.Event) -> Iterator[bytes]:
        remaining = HUGE_PAGE_BYTES - len(head) - len(tail)
        yield head
        while remaining > 0 and not stop.is_set():
            piece = block[:remaining]
            remaining -= len(piece)
            yield piece
        yield tail

    return Response(200, HTML, stream=chunks, stream_length=HUGE_PAGE_BYTES)


# --- the gzip bomb -----------------------------------------------------------------------------

_bomb_lock = threading.Lock()


@lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """About 1 MB of gzip that inflates to 1 GiB (an HTML prefix, then NUL bytes).

    After a full flush deflate restarts from a byte boundary with an empty window, so the
    compressed form of every further 1 MiB of zeros is identical: compress two chunks and
    repeat the second, then write the trailer (CRC-32 and size) by hand.
    """
    prefix = b"<!DOCTYPE html><html><head><title>Special edition</title></head><body><p>"
    first = prefix + bytes(_CHUNK - len(prefix))
    zeros = bytes(_CHUNK)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    start = compressor.compress(first) + compressor.flush(zlib.Z_FULL_FLUSH)
    second = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeat = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = BOMB_DECOMPRESSED_BYTES // _CHUNK
    crc = zlib.crc32(first)
    for _ in range(count - 1):
        crc = zlib.crc32(zeros, crc)
    final_empty_block = b"\x03\x00"
    trailer = struct.pack("<II", crc, BOMB_DECOMPRESSED_BYTES & 0xFFFFFFFF)
    return b"".join((start, second, repeat * (count - 2), final_empty_block, trailer))


def _bomb() -> Response:
    with _bomb_lock:  # build once even if two crawlers ask at the same moment
        data = gzip_bomb()
    return Response(200, HTML, data, headers=[("Content-Encoding", "gzip")])


# --- slow responses ------------------------------------------------------------------------------


def _slow(delay: float) -> Response:
    """Headers at once, then the body a few bytes at a time over ``delay`` seconds."""
    page = render_plain_article(
        "A feature that takes its time",
        ["This page is sent a few bytes at a time. " * 8] * 4,
        charset="utf-8",
        language="en",
    ).encode()
    steps = max(1, int(delay / SLOW_STEP_SECONDS))
    size = -(-len(page) // steps)

    def chunks(stop: threading.Event) -> Iterator[bytes]:
        for offset in range(0, len(page), size):
            if stop.wait(delay / steps):
                return
            yield page[offset : offset + size]

    return Response(200, HTML, stream=chunks, stream_length=len(page))


def _slow_headers(delay: float) -> Response:
    """Nothing at all for ``delay`` seconds, then a small page."""
    page = render_plain_article(
        "A feature that is slow to start", ["Finally."], charset="utf-8", language="en"
    )
    return Response(200, HTML, page.encode(), silence=delay)


# --- wrong charset, binaries, broken XML ---------------------------------------------------------


def _latin1_declared() -> Response:
    page = render_plain_article(
        stories.LATIN1_TITLE, stories.LATIN1_PARAGRAPHS, charset="utf-8", language="ar"
    )
    return Response(200, "text/html; charset=iso-8859-1", page.encode("utf-8"))


def fake_pdf() -> bytes:
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        + bytes(range(256)) * 8
        + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def tiny_png(width: int = 8, height: int = 8) -> bytes:
    """A valid greyscale PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes((x * 32) % 256 for x in range(width)) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _malformed_feed(base: str) -> Response:
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Breaking news (beta)</title><link>{base}/</link>"
        "<item><title>Markets & more</title>"  # a raw ampersand: not well-formed
        f"<link>{base}/hostile/missing.html</link><pubDate>yesterday-ish</pubDate></item>"
        f"<item><title>Second item<link>{base}/2024/"  # truncated mid-element
    )
    return Response(200, "application/rss+xml; charset=utf-8", feed.encode())


def _malformed_sitemap(base: str) -> Response:
    garbage = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"<url><loc>{base}/hostile/missing.html</loc>\n<url><loc>"
    ).encode() + bytes(range(0, 256, 3)) * 4
    return Response(200, "application/xml", garbage)


def _entity_feed(base: str) -> Response:
    """Exponential entity expansion plus an external entity (XXE); parsers must refuse both."""
    levels = ['<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        refs = f"&lol{level - 1};" * 10
        levels.append(f'<!ENTITY lol{level} "{refs}">')
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE rss [\n'
        + "\n".join(levels)
        + '\n<!ENTITY secret SYSTEM "file:///etc/passwd">\n]>\n'
        '<rss version="2.0"><channel><title>&lol9;</title>'
        f"<link>{base}/</link><description>&secret;</description>"
        f"<item><title>&lol9;</title><link>{base}/hostile/missing.html</link></item>"
        "</channel></rss>\n"
    )
    return Response(200, "application/rss+xml; charset=utf-8", feed.encode())


# --- the calendar trap ----------------------------------------------------------------------------


def _calendar_link(year: int, month: int, day: int | None = None) -> str:
    # A fresh session id on every link makes every URL new to a naive crawler.
    sid = secrets.token_hex(6)
    day_part = f"{day:02d}/" if day else ""
    return f"/calendar/{year:04d}/{month:02d}/{day_part}?sid={sid}"


def _calendar(year_text: str, month_text: str, day_text: str | None) -> Response:
    year, month = int(year_text), int(month_text)
    if not (1 <= year <= 9998 and 1 <= month <= 12):
        return _error_page(404, "No such month")
    days = calendar.monthrange(year, month)[1]
    if day_text is not None and not 1 <= int(day_text) <= days:
        return _error_page(404, "No such day")
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    day_links = "".join(
        f'<li><a href="{esc(_calendar_link(year, month, day))}">{day}</a></li>'
        for day in range(1, days + 1)
    )
    title = f"Events calendar: {calendar.month_name[month]} {year}"
    if day_text:
        title += f", day {int(day_text)}"
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><h1>{title}</h1><p>No events are listed for this period.</p>"
        f'<nav><a rel="prev" href="{esc(_calendar_link(*previous))}">Previous month</a> '
        f'<a rel="next" href="{esc(_calendar_link(*following))}">Next month</a></nav>'
        f'<ol class="days">{day_links}</ol></body></html>\n'
    )
    return Response(200, HTML, page.encode())


def offsite_landing() -> Response:
    page = render_plain_article(
        stories.OFFSITE_TITLE, stories.OFFSITE_PARAGRAPHS, charset="utf-8", language="en"
    )
    return Response(200, HTML, page.encode())
