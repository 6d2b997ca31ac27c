"""``presswatch browse``: a read-only web view of the archive for the people who read the digests.

A small Flask app served by waitress. Pages (stable URLs, which the digests link to):

* ``/`` the watch lists, with their recent match counts;
* ``/watchlist/<name>?days=N`` (or ``?since=<ISO time>``, a digest's period) a watch list's
  recent matches grouped by story: the outlets that ran it, when presswatch first saw it, and a
  timeline of who published when;
* ``/search?q=<query>&days=N`` full-text search with the watch-list query language;
* ``/article/<id>?q=<query>`` one article's extracted text with the matched terms highlighted,
  its metadata, a link to the original and the other outlets of its story;
* ``/sources`` the last crawl of each source, its errors, and the sources that went quiet.

Safe by default: the database is opened read-only (``query_only``), the server listens on
127.0.0.1, and a non-loopback address is refused unless ``browse.token`` is set, in which case
every request must carry it (HTTP Basic password or ``Authorization: Bearer``). Only GET and HEAD
are served; every page is rendered by Jinja with autoescaping, links are rendered only for http(s)
URLs, and every response carries a strict Content-Security-Policy. On loopback without a token,
the Host header must name this machine, so that a web page cannot reach the archive through DNS
rebinding.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, Response, abort, render_template, request
from markupsafe import Markup, escape
from sqlite_utils import Database
from werkzeug.exceptions import HTTPException
from werkzeug.sansio.utils import host_is_trusted

from config import Config
from crawler.archive import search_archive
from crawler.dedup import Story, StoryArticle, stories_for
from crawler.health import SourceHealth, source_health
from crawler.matching import Matcher, Query, QuerySyntaxError, parse_query
from crawler.store import open_database, to_db_time, utcnow

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
DAY_CHOICES = (1, 7, 30, 90)
DEFAULT_DAYS = 7
MAX_DAYS = 3650
MAX_STORIES = 100  # stories on a watch-list page; older ones are counted, not shown
SEARCH_LIMIT = 50
MAX_SEARCH_LIMIT = 800
MAX_QUERY_CHARS = 2_000
ALLOWED_METHODS = ("GET", "HEAD")
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
THREADS = 4


# --- starting the server -------------------------------------------------------------------


def run_browse(config: Config, *, host: str | None = None, port: int | None = None) -> int:
    """Serve the browse pages until interrupted; returns the exit status for the CLI.

    ``port`` 0 picks a free port (the log line "serving on ..." names it).
    """
    import waitress

    settings = config.settings.browse
    host = host or settings.host
    port = settings.port if port is None else port
    token = settings.token or None
    problem = bind_problem(host, token)
    if problem:
        logger.error("%s", problem)
        return EXIT_USAGE
    database = config.settings.database
    if not Path(database).is_file():
        logger.error(
            "no archive at %s yet: run `presswatch crawl` or `presswatch run` first", database
        )
        return EXIT_FAILURE
    # Bring an older archive's schema up to date, as every presswatch command does; the pages
    # themselves only ever read, through query_only connections.
    open_database(database).close()
    app = create_app(config, token=token, loopback_only=is_loopback(host) and not token)
    server = waitress.create_server(app, host=host, port=port, threads=THREADS, ident="presswatch")
    bound_port = server.effective_port  # type: ignore[union-attr]
    shown_host = f"[{host}]" if ":" in host else host
    logger.info("serving the archive %s on http://%s:%s/", database, shown_host, bound_port)
    try:
        server.run()
    finally:
        server.close()
    return EXIT_OK


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_problem(host: str, token: str | None) -> str | None:
    """Why the server must not start on ``host``, or None when it may."""
    if is_loopback(host) or token:
        return None
    return (
        f"presswatch browse: refusing to listen on {host!r} without a token: anyone who can "
        "reach that address could read the archive. Set browse.token in presswatch.toml "
        '(for example token = "${PRESSWATCH_BROWSE_TOKEN}") or listen on 127.0.0.1.'
    )


# --- the application -----------------------------------------------------------------------


def create_app(config: Config, *, token: str | None = None, loopback_only: bool = True) -> Flask:
    """The browse WSGI application over ``config``'s archive (opened read-only per thread)."""
    app = Flask(__name__, template_folder="templates", static_folder=None)
    app.config.update(
        PROVIDE_AUTOMATIC_OPTIONS=False,
        MAX_CONTENT_LENGTH=0,
    )
    app.jinja_env.autoescape = True
    timezone = ZoneInfo(config.settings.timezone)
    app.jinja_env.filters["when"] = lambda text: format_time(text, timezone)
    archive = ArchiveReader(config.settings.database)
    security_headers = _security_headers(app)
    trusted_hosts = _trusted_hosts(config) if loopback_only else None

    @app.context_processor
    def _common() -> dict[str, Any]:
        return {"timezone": config.settings.timezone}

    @app.before_request
    def _guard() -> Response | None:
        if request.method not in ALLOWED_METHODS:
            response = _error_page(
                405, "Method not allowed", "This view of the archive only reads."
            )
            response.headers["Allow"] = ", ".join(ALLOWED_METHODS)
            return response
        if trusted_hosts and not host_is_trusted(request.host, trusted_hosts):
            return _error_page(400, "Unknown host", "Open this view through 127.0.0.1.")
        if token and not _authorized(request.headers.get("Authorization", ""), token):
            response = _error_page(401, "Token required", "Give the browse token as password.")
            response.headers["WWW-Authenticate"] = 'Basic realm="presswatch", charset="UTF-8"'
            return response
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.update(security_headers)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        return _error_page(error.code or 500, error.name, error.description or "")

    @app.get("/")
    def index() -> str:
        since = _since(DEFAULT_DAYS)
        counts = archive.match_counts(since)
        watchlists = [
            _WatchListSummary(w.name, w.query, *counts.get(w.name, (0, None)))
            for w in config.watchlists
        ]
        return render_template("browse/index.html", watchlists=watchlists, days=DEFAULT_DAYS)

    @app.get("/watchlist/<path:name>")
    def watchlist(name: str) -> str:
        try:
            listed = config.watchlist(name)
        except KeyError:
            abort(404, f"There is no watch list called {name!r}.")
        since = _since_argument()
        days = None if since else _days_argument(DEFAULT_DAYS) or DEFAULT_DAYS
        page = archive.watchlist_page(listed.name, since or _since(days or DEFAULT_DAYS))
        return render_template(
            "browse/watchlist.html",
            name=listed.name,
            query=listed.query,
            days=days,
            since=since,
            day_choices=_with_choice(DAY_CHOICES, days) if days else DAY_CHOICES,
            **page,
        )

    @app.get("/search")
    def search() -> str:
        text = request.args.get("q", "").strip()[:MAX_QUERY_CHARS]
        days = _days_argument(None)
        limit = min(max(request.args.get("limit", SEARCH_LIMIT, type=int), 1), MAX_SEARCH_LIMIT)
        hits: list[_Hit] = []
        error = None
        if text:
            try:
                hits = archive.search(text, limit=limit, days=days)
            except QuerySyntaxError as syntax_error:
                error = str(syntax_error)
        return render_template(
            "browse/search.html",
            search_text=text,
            hits=hits,
            error=error,
            days=days,
            day_choices=_with_choice((None, *DAY_CHOICES), days),
            limit=limit,
            max_limit=MAX_SEARCH_LIMIT,
        )

    @app.get("/article/<int:article_id>")
    def article(article_id: int) -> str:
        text = request.args.get("q", "").strip()[:MAX_QUERY_CHARS]
        found = archive.article(article_id, config, search_text=text)
        if found is None:
            abort(404, f"There is no article {article_id} in the archive.")
        shown, story_articles = found
        return render_template("browse/article.html", article=shown, story_articles=story_articles)

    @app.get("/sources")
    def sources() -> str:
        return render_template("browse/sources.html", **archive.sources_page(config))

    return app


def _error_page(status: int, title: str, message: str) -> Response:
    page = render_template("browse/error.html", status=status, title=title, message=message)
    return Response(page, status=status, mimetype="text/html")


def _authorized(header: str, token: str) -> bool:
    """HTTP Basic (any user name, the token as password) or a bearer token."""
    scheme, _, value = header.partition(" ")
    given = ""
    if scheme.lower() == "bearer":
        given = value.strip()
    elif scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return False
        given = decoded.partition(":")[2]
    return hmac.compare_digest(given.encode(), token.encode())


def _trusted_hosts(config: Config) -> list[str]:
    hosts = list(LOOPBACK_NAMES)
    if config.settings.browse.url:
        configured = urlsplit(config.settings.browse.url).hostname
        if configured:
            hosts.append(configured)
    return hosts


def _security_headers(app: Flask) -> dict[str, str]:
    # The one inline style block is allowed by its hash, so no other inline style can apply.
    source = app.jinja_env.loader.get_source(app.jinja_env, "browse/base.html")[0]  # type: ignore[union-attr]
    style = re.search(r"<style>(.*?)</style>", source, re.DOTALL)
    style_hash = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()  # type: ignore[union-attr]
    policy = (
        "default-src 'none'; "
        f"style-src 'sha256-{style_hash}'; "
        "img-src 'self'; "
        "form-action 'self'; "
        "base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-cache",
    }


def _days_argument(default: int | None) -> int | None:
    days = request.args.get("days", type=int)
    if days is None or days <= 0:
        return default
    return min(days, MAX_DAYS)


def _since_argument() -> str | None:
    """``?since=`` as a database time: an ISO 8601 time with its offset (a digest's period)."""
    text = request.args.get("since", "").strip()
    try:
        moment = datetime.fromisoformat(text.replace(" ", "+")) if text else None
    except ValueError:
        abort(400, "since must be an ISO 8601 time with an offset, e.g. 2026-11-24T07:00+02:00.")
    if moment is not None and moment.tzinfo is None:
        abort(400, "since needs a UTC offset, e.g. 2026-11-24T07:00Z.")
    return to_db_time(moment) if moment else None


def _since(days: float) -> str:
    return to_db_time(utcnow() - timedelta(days=days))


def _with_choice(choices: Sequence[int | None], current: int | None) -> list[int | None]:
    if current in choices:
        return list(choices)
    return sorted([*choices, current], key=lambda value: value or MAX_DAYS + 1)


# --- rendering helpers ---------------------------------------------------------------------


def format_time(moment: str | datetime | None, timezone: ZoneInfo) -> str:
    """A stored UTC time as a reader wants it, in the configured timezone."""
    if not moment:
        return "unknown"
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    return moment.astimezone(timezone).strftime("%d %b %Y, %H:%M")


def marked(text: str, spans: Iterable[Sequence[int]]) -> Markup:
    """``text`` escaped, with each ``[start, end)`` span wrapped in ``<mark>``."""
    pieces: list[str] = []
    position = 0
    for start, end in _merged(spans, len(text)):
        pieces.append(escape(text[position:start]))
        pieces.append(Markup("<mark>%s</mark>") % text[start:end])
        position = end
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)


def _merged(spans: Iterable[Sequence[int]], length: int) -> list[tuple[int, int]]:
    """Spans clipped to ``[0, length)``, sorted, with overlapping ones joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted((max(int(s), 0), min(int(e), length)) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def http_link(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL that is safe to put in an href, else None."""
    if not url or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def watchlist_path(name: str) -> str:
    """The stable path of a watch list's page, for links from digests."""
    return "/watchlist/" + quote(name, safe="")


# --- reading the archive ---------------------------------------------------------------------


@dataclass(frozen=True)
class _WatchListSummary:
    name: str
    query: str
    matches: int
    latest: str | None


@dataclass(frozen=True)
class _TimelineEntry:
    id: int
    source: str
    title: str
    time: str


@dataclass(frozen=True)
class _StoryView:
    lead: StoryArticle
    snippet: Markup | None
    outlets: list[str]
    first_seen_at: str
    timeline: list[_TimelineEntry]


@dataclass(frozen=True)
class _Hit:
    id: int
    title: str
    source: str
    time: str | None
    snippet: Markup


class ArchiveReader:
    """The queries behind the pages, each on this thread's read-only connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    @property
    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = open_database(self.path, read_only=True)
            self._local.db = db
        return db

    def match_counts(self, since: str) -> dict[str, tuple[int, str | None]]:
        rows = self.db.execute(
            "SELECT watchlist, count(*), max(matched_at) FROM matches"
            " WHERE matched_at >= ? GROUP BY watchlist",
            [since],
        ).fetchall()
        return {name: (count, latest) for name, count, latest in rows}

    def watchlist_page(self, name: str, since: str) -> dict[str, Any]:
        """The newest ``MAX_STORIES`` stories among the list's matches since ``since``."""
        rows = self.db.execute(
            "SELECT m.article_id, a.story_id FROM matches m JOIN articles a ON a.id = m.article_id"
            " WHERE m.watchlist = ? AND m.matched_at >= ? ORDER BY m.matched_at DESC",
            [name, since],
        ).fetchall()
        shown: dict[object, list[int]] = {}
        story_keys: set[object] = set()
        for article_id, story_id in rows:
            key = story_id if story_id is not None else ("article", article_id)
            story_keys.add(key)
            if key in shown or len(shown) < MAX_STORIES:
                shown.setdefault(key, []).append(article_id)
        wanted = [article_id for ids in shown.values() for article_id in ids]
        snippets = self._snippets(name, wanted)
        stories = [_story_view(story, snippets) for story in stories_for(self.db, wanted)]
        return {
            "stories": stories,
            "article_count": len(rows),
            "story_count": len(story_keys),
            "truncated": len(story_keys) > len(stories),
        }

    def _snippets(self, name: str, article_ids: list[int]) -> dict[int, Markup]:
        found: dict[int, Markup] = {}
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            rows = self.db.execute(
                "SELECT article_id, snippet, highlights FROM matches WHERE watchlist = ?"
                f" AND article_id IN ({', '.join('?' * len(chunk))})",
                [name, *chunk],
            ).fetchall()
            for article_id, snippet, highlights in rows:
                found[article_id] = marked(snippet or "", json.loads(highlights or "[]"))
        return found

    def search(self, text: str, *, limit: int, days: int | None) -> list[_Hit]:
        return [
            _Hit(
                hit.article_id,
                hit.title,
                hit.source,
                hit.published_at,
                marked(hit.match.snippet, hit.match.highlights),
            )
            for hit in search_archive(self.db, text, limit=limit, days=days)
        ]

    def article(
        self, article_id: int, config: Config, *, search_text: str
    ) -> tuple[_ArticleView, list[_TimelineEntry]] | None:
        """One article for its page, and the other articles of its story, earliest first."""
        cursor = self.db.execute(
            "SELECT id, url, canonical_url, title, authors, published_at, first_seen_at, language,"
            " body, source, story_id, revisions FROM articles WHERE id = ?",
            [article_id],
        )
        values = cursor.fetchone()
        if values is None:
            return None
        row = dict(zip([column[0] for column in cursor.description], values, strict=True))
        watchlists = [
            name
            for (name,) in self.db.execute(
                "SELECT watchlist FROM matches WHERE article_id = ? ORDER BY watchlist",
                [article_id],
            ).fetchall()
        ]
        others = []
        if row["story_id"] is not None:
            others = [
                _TimelineEntry(other_id, source, title, published_at or first_seen_at)
                for other_id, source, title, published_at, first_seen_at in self.db.execute(
                    "SELECT id, source, title, published_at, first_seen_at FROM articles"
                    " WHERE story_id = ? AND id != ? ORDER BY coalesce(published_at,"
                    " first_seen_at), id",
                    [row["story_id"], article_id],
                ).fetchall()
            ]
        return _article_view(row, watchlists, config, search_text), others

    def sources_page(self, config: Config) -> dict[str, Any]:
        now = utcnow()
        last_runs = {
            row[0]: _LastRun(*row[1:])
            for row in self.db.execute(
                "SELECT source, requests, new, skipped, errors FROM crawl_runs"
                " WHERE id IN (SELECT max(id) FROM crawl_runs WHERE status != 'running'"
                " GROUP BY source)"
            ).fetchall()
        }
        # From the runs' counts, not from articles: reading the source column of thousands of
        # article rows means reading past their bodies.
        stored = dict(
            self.db.execute(
                "SELECT source, sum(new) FROM crawl_runs WHERE started_at >= ? GROUP BY source",
                [to_db_time(now - timedelta(days=DEFAULT_DAYS))],
            ).fetchall()
        )
        rows = [
            _SourceRow(health, last_runs.get(health.name), stored.get(health.name) or 0)
            for health in source_health(self.db, config.sources, now)
        ]
        return {
            "rows": rows,
            "quiet": [row.health.name for row in rows if row.health.quiet],
            "failing": [row.health.name for row in rows if row.health.consecutive_failures],
            "days": DEFAULT_DAYS,
        }


@dataclass(frozen=True)
class _LastRun:
    requests: int
    new: int
    skipped: int
    errors_json: str | None

    @property
    def errors(self) -> list[tuple[str, int]]:
        try:
            counts = json.loads(self.errors_json or "{}")
        except ValueError:
            return []
        if not isinstance(counts, dict):
            return []
        found = [(str(kind), n) for kind, n in counts.items() if isinstance(n, int) and n > 0]
        return sorted(found, key=lambda error: -error[1])


@dataclass(frozen=True)
class _SourceRow:
    health: SourceHealth
    last_run: _LastRun | None
    new: int  # new articles found by the runs of the last DEFAULT_DAYS days


def _story_view(story: Story, snippets: dict[int, Markup]) -> _StoryView:
    members = sorted(
        [story.representative, *story.others],
        key=lambda a: (a.published_at or a.first_seen_at, a.article_id),
    )
    lead = story.representative
    snippet = snippets.get(lead.article_id)
    if snippet is None:
        snippet = next((snippets[i] for i in story.article_ids if i in snippets), None)
    return _StoryView(
        lead=lead,
        snippet=snippet,
        outlets=story.sources,
        first_seen_at=story.first_seen_at,
        timeline=[_timeline_entry(member) for member in members],
    )


def _timeline_entry(article: StoryArticle) -> _TimelineEntry:
    return _TimelineEntry(
        article.article_id,
        article.source,
        article.title,
        article.published_at or article.first_seen_at,
    )


@dataclass(frozen=True)
class _ArticleView:
    id: int
    title: str
    title_marked: Markup
    source: str
    authors: list[str]
    published_at: str | None
    first_seen_at: str
    language: str | None
    revisions: int
    url: str
    link: str | None
    watchlists: list[str]
    highlighting: str | None  # what the highlighted terms come from
    paragraphs: list[Markup]


def _article_view(
    row: dict[str, Any], watchlists: list[str], config: Config, search_text: str
) -> _ArticleView:
    queries, source = _highlight_queries(watchlists, config, search_text)
    terms = highlight_terms(queries, row["title"], row["body"])
    paragraphs = [part for part in _PARAGRAPH_SPLIT.split(row["body"] or "") if part.strip()]
    url = row["canonical_url"] or row["url"]
    return _ArticleView(
        id=row["id"],
        title=row["title"],
        title_marked=highlighted(row["title"], terms),
        source=row["source"],
        authors=_json_list(row["authors"]),
        published_at=row["published_at"],
        first_seen_at=row["first_seen_at"],
        language=row["language"],
        revisions=row["revisions"] or 0,
        url=url,
        link=http_link(url) or http_link(row["url"]),
        watchlists=watchlists,
        highlighting=source if terms else None,
        paragraphs=[highlighted(paragraph, terms) for paragraph in paragraphs],
    )


def _highlight_queries(
    watchlists: list[str], config: Config, search_text: str
) -> tuple[dict[str, Query], str]:
    """The search query when there is one, else the queries of the lists the article matched."""
    if search_text:
        try:
            return {"search": parse_query(search_text)}, "your search"
        except QuerySyntaxError:
            return {}, ""
    queries = {}
    for name in watchlists:
        try:
            queries[name] = parse_query(config.watchlist(name).query)
        except (KeyError, QuerySyntaxError):
            continue  # a list since removed from the configuration
    names = ", ".join(queries)
    return queries, f"the watch list{'s' if len(queries) > 1 else ''} {names}"


def _json_list(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(item) for item in value] if isinstance(value, list) else []


# --- highlighting ------------------------------------------------------------------------------

_PARAGRAPH_SPLIT = re.compile(r"[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")
_WORD = re.compile(r"\S+")
# The matcher reports hits inside a snippet of about 30 words; text is fed to it in windows
# short enough for the snippet to be the whole window, overlapping so that no phrase of up to
# WINDOW_OVERLAP words is cut in two.
WINDOW_WORDS = 20
WINDOW_OVERLAP = 8
_ELLIPSIS = "\u2026"


def highlight_terms(queries: dict[str, Query], title: str, body: str) -> Matcher | None:
    """A matcher for the terms through which ``queries`` match this article, or None.

    Only terms that made a query match are highlighted: for ``Rafah AND aid`` in an article
    that matched through ``"Rafah crossing"``, a lone "aid" stays plain.
    """
    if not queries:
        return None
    terms: dict[str, None] = {}
    for result in Matcher(queries).match(title=title, body=body):
        terms.update(dict.fromkeys(result.terms))
    if not terms:
        return None
    try:
        return Matcher({"terms": parse_query(" OR ".join(terms))})
    except QuerySyntaxError:
        logger.warning("cannot re-read the matched terms %r for highlighting", list(terms))
        return None


def highlighted(text: str, terms: Matcher | None) -> Markup:
    """``text`` escaped, with the words of ``terms`` in ``<mark>``."""
    if terms is None or not terms.match(body=text):
        return marked(text, [])
    return marked(text, _term_spans(text, terms))


def _term_spans(text: str, terms: Matcher) -> list[tuple[int, int]]:
    words = list(_WORD.finditer(text))
    if not words:
        return []
    spans: list[tuple[int, int]] = []
    step = WINDOW_WORDS - WINDOW_OVERLAP
    for first in range(0, max(len(words) - WINDOW_OVERLAP, 1), step):
        last = min(first + WINDOW_WORDS, len(words)) - 1
        start, end = words[first].start(), words[last].end()
        spans += _spans_in_window(text[start:end], start, terms)
    return spans


def _spans_in_window(window: str, offset: int, terms: Matcher) -> list[tuple[int, int]]:
    results = terms.match(body=window)
    if not results:
        return []
    snippet = results[0].snippet
    lead = len(_ELLIPSIS) + 1 if snippet.startswith(_ELLIPSIS + " ") else 0
    core = snippet[lead:].removesuffix(" " + _ELLIPSIS)
    found = window.find(core)
    if found < 0:
        return []
    shift = offset + found - lead
    return [(start + shift, end + shift) for start, end in results[0].highlights]
