"""What a digest says: the stories, the coverage-health footer and the subject, as one context.

The HTML, plain-text and compact (apprise) templates all render the same context, built here from
the ledger's article list and the archive. Every value that came from the web passes through
:mod:`alerts.sanitize` first; the templates only escape.

Stories: the digest's articles are grouped by ``articles.story_id`` (an article without one is its
own story). The earliest-published article of a group represents it and the other outlets are
listed as "also reported by". Stories are ordered newest first by the representative's time.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from alerts.sanitize import clip, one_line, safe_url, strip_controls
from config.loader import Config
from config.schema import WatchList
from crawler.store import from_db_time, to_db_time

logger = logging.getLogger(__name__)

HEADLINE_LIMIT = 300
OUTLET_LIMIT = 100
SNIPPET_LIMIT = 600
SUBJECT_HEADLINE_LIMIT = 120
# A source with no new article over this long (or over the digest window, if longer) "went quiet".
QUIET_AFTER = timedelta(hours=24)
FAILED_STATUSES = ("failed", "timeout", "killed")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class DigestScope:
    """Which digest to describe: the list, its kind, its articles and the time it covers."""

    watchlist: WatchList
    kind: str  # digest | catch-up | instant
    article_ids: tuple[int, ...]
    since: datetime
    until: datetime


def build_context(db: Database, config: Config, scope: DigestScope) -> dict[str, Any]:
    """The template context shared by the HTML, text and compact renderings."""
    tz = ZoneInfo(config.digest_timezone(scope.watchlist))
    stories = load_stories(db, scope.watchlist.name, scope.article_ids, tz)
    name = one_line(scope.watchlist.name, 200)
    return {
        "watchlist": name,
        "kind": scope.kind,
        "subject": subject_line(name, scope.kind, stories),
        "stories": stories,
        "story_count": len(stories),
        "article_count": len(scope.article_ids),
        "since": local_label(scope.since, tz),
        "until": local_label(scope.until, tz),
        "timezone": tz.key,
        "browse_url": safe_url(config.settings.browse.url),
        "health": coverage_health(
            db, covered_sources(config, scope.watchlist), scope.since, scope.until
        ),
        "unsubscribe": unsubscribe_mailto(config, scope.watchlist.name),
    }


def subject_line(name: str, kind: str, stories: list[dict[str, Any]]) -> str:
    count = len(stories)
    if not stories:
        return f"{name}: no new stories"
    top = clip(stories[0]["headline"], SUBJECT_HEADLINE_LIMIT)
    if kind == "instant":
        more = f" (+{count - 1} more)" if count > 1 else ""
        return f"{name} alert: {top}{more}"
    label = "catch-up, " if kind == "catch-up" else ""
    noun = "story" if count == 1 else "stories"
    return f"{name} ({label}{count} {noun}): {top}"


def unsubscribe_mailto(config: Config, watchlist_name: str) -> str:
    """``mailto:`` for List-Unsubscribe: ``mail.unsubscribe``, else the sender with a subject."""
    from email.utils import parseaddr
    from urllib.parse import quote

    mail = config.settings.mail
    address = (mail.unsubscribe or "").removeprefix("mailto:") or parseaddr(mail.from_address)[1]
    subject = quote(f"unsubscribe {one_line(watchlist_name, 200)}", safe="")
    return f"mailto:{address}?subject={subject}"


def local_label(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%a %d %b %Y, %H:%M %Z")


# --- stories -------------------------------------------------------------------------------


def load_stories(
    db: Database, watchlist: str, article_ids: tuple[int, ...] | list[int], tz: ZoneInfo
) -> list[dict[str, Any]]:
    """The digest's articles as stories, newest first."""
    rows = db.execute(
        "SELECT a.id, a.url, a.canonical_url, a.title, a.source, a.published_at,"
        " a.first_seen_at, a.story_id, m.snippet, m.highlights"
        " FROM articles a JOIN matches m ON m.article_id = a.id AND m.watchlist = ?"
        " WHERE a.id IN (SELECT value FROM json_each(?))",
        [watchlist, json.dumps(list(article_ids))],
    ).fetchall()
    groups: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        groups[row[7] if row[7] is not None else -row[0]].append(row)
    stories = [_story(sorted(group, key=_published_order), tz) for group in groups.values()]
    stories.sort(key=lambda story: (story["sort_time"], story["id"]), reverse=True)
    return stories


def _published_order(row: tuple[Any, ...]) -> tuple[str, int]:
    return (row[5] or row[6], row[0])


def _story(group: list[tuple[Any, ...]], tz: ZoneInfo) -> dict[str, Any]:
    lead = group[0]
    article_id, url, canonical_url, title, source, published_at, first_seen_at = lead[:7]
    shown_time = from_db_time(published_at) or from_db_time(first_seen_at)
    outlet = one_line(source, OUTLET_LIMIT)
    also: dict[str, str | None] = {}
    for other in group[1:]:
        other_outlet = one_line(other[4], OUTLET_LIMIT)
        if other_outlet != outlet and other_outlet not in also:
            also[other_outlet] = safe_url(other[2]) or safe_url(other[1])
    return {
        "id": article_id,
        "headline": one_line(title, HEADLINE_LIMIT) or "(untitled)",
        "url": safe_url(canonical_url) or safe_url(url),
        "outlet": outlet,
        "published": local_label(shown_time, tz) if shown_time else "",
        "published_is_first_seen": published_at is None,
        "sort_time": to_db_time(shown_time) if shown_time else "",
        "snippet": snippet_parts(lead[8], lead[9]),
        "also": [{"outlet": name, "url": link} for name, link in sorted(also.items())],
        "article_count": len(group),
    }


def snippet_parts(snippet: str | None, highlights: str | None) -> list[dict[str, Any]]:
    """Split a snippet into plain and highlighted parts: ``[{"text": ..., "hit": bool}]``.

    Offsets come from the matcher and index the raw snippet, so the snippet is split first and
    each part cleaned afterwards. Bad offsets (out of range, overlapping, not numbers) are dropped.
    """
    text = snippet or ""
    parts: list[dict[str, Any]] = []
    position = 0
    for start, end in _valid_spans(text, highlights):
        if start < position:
            continue
        parts.append({"text": text[position:start], "hit": False})
        parts.append({"text": text[start:end], "hit": True})
        position = end
    parts.append({"text": text[position:], "hit": False})
    return _clean_parts(parts)


def _valid_spans(text: str, highlights: str | None) -> list[tuple[int, int]]:
    try:
        raw = json.loads(highlights or "[]")
    except ValueError:
        return []
    spans = []
    for item in raw if isinstance(raw, list) else []:
        if (
            isinstance(item, list | tuple)
            and len(item) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in item)
            and 0 <= item[0] < item[1] <= len(text)
        ):
            spans.append((item[0], item[1]))
    return sorted(spans)


def _clean_parts(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Remove control characters, collapse white space and keep the snippet within its limit."""
    cleaned: list[dict[str, Any]] = []
    budget = SNIPPET_LIMIT
    for part in parts:
        text = _WHITESPACE.sub(" ", strip_controls(part["text"]))
        if cleaned and cleaned[-1]["text"].endswith(" "):
            text = text.lstrip(" ")
        if not text or budget <= 0:
            continue
        text = clip(text, budget)
        budget -= len(text)
        cleaned.append({"text": text, "hit": part["hit"]})
    if cleaned:
        cleaned[0]["text"] = cleaned[0]["text"].lstrip()
        cleaned[-1]["text"] = cleaned[-1]["text"].rstrip()
    return [part for part in cleaned if part["text"]]


# --- coverage health -----------------------------------------------------------------------


def covered_sources(config: Config, watchlist: WatchList) -> list[str]:
    if watchlist.sources:
        return list(watchlist.sources)
    return [source.name for source in config.sources if source.enabled]


def coverage_health(
    db: Database, sources: list[str], since: datetime, until: datetime
) -> dict[str, Any]:
    """Crawl health between two digests: failed sources, quiet sources and skipped pages.

    Computed from ``crawl_runs``. When no sources are configured, the sources that ran count.
    """
    runs = db.execute(
        "SELECT source, status, new, skipped, message, started_at FROM crawl_runs"
        " WHERE started_at >= ? AND started_at < ? ORDER BY started_at",
        [to_db_time(since), to_db_time(until)],
    ).fetchall()
    names = sources or sorted({run[0] for run in runs})
    wanted = set(names)
    failures: dict[str, dict[str, Any]] = {}
    for source, status, _new, _skipped, message, _started in runs:
        if source in wanted and status in FAILED_STATUSES:
            entry = failures.setdefault(
                source, {"source": one_line(source, OUTLET_LIMIT), "failures": 0}
            )
            entry["failures"] += 1
            entry["status"] = status
            entry["detail"] = one_line(message, 200)
    quiet_since = min(since, until - QUIET_AFTER)
    productive = {
        row[0]
        for row in db.execute(
            "SELECT DISTINCT source FROM crawl_runs WHERE started_at >= ? AND started_at < ?"
            " AND status = 'ok' AND new > 0",
            [to_db_time(quiet_since), to_db_time(until)],
        ).fetchall()
    }
    return {
        "runs": sum(1 for run in runs if run[0] in wanted),
        "failed": [failures[name] for name in sorted(failures)],
        "quiet": [
            one_line(name, OUTLET_LIMIT)
            for name in names
            if name not in productive and name not in failures
        ],
        "skipped_pages": sum(run[3] or 0 for run in runs if run[0] in wanted),
    }
