"""What a digest says: the stories, the coverage-health footer and the subject, as one context.

The HTML, plain-text and compact (apprise) templates all render the same context, built here from
the ledger's article list and the archive. Every value that came from the web passes through
:mod:`alerts.sanitize` first; the templates only escape.

Stories come from ``crawler.dedup.stories_for``: one entry per story, represented by its earliest
publisher among the digest's articles, with every other outlet that ran it listed as "also
reported by", newest first.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from alerts.sanitize import clip, one_line, safe_url, strip_controls
from config.loader import Config
from config.schema import Source, WatchList
from crawler.dedup.stories import Story, stories_for
from crawler.health import source_health
from crawler.store import from_db_time, to_db_time

logger = logging.getLogger(__name__)

HEADLINE_LIMIT = 300
OUTLET_LIMIT = 100
SNIPPET_LIMIT = 600
SUBJECT_HEADLINE_LIMIT = 120
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
            db, covered_sources(config, scope.watchlist), scope.since, scope.until, tz
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
    """The digest's articles as stories (``crawler.dedup.stories_for``), newest first."""
    snippets = {
        row[0]: (row[1], row[2])
        for row in db.execute(
            "SELECT article_id, snippet, highlights FROM matches"
            " WHERE watchlist = ? AND article_id IN (SELECT value FROM json_each(?))",
            [watchlist, json.dumps(list(article_ids))],
        ).fetchall()
    }
    return [_story(story, snippets, tz) for story in stories_for(db, article_ids)]


def _story(
    story: Story, snippets: dict[int, tuple[str | None, str | None]], tz: ZoneInfo
) -> dict[str, Any]:
    lead = story.representative
    shown_time = from_db_time(lead.published_at) or from_db_time(lead.first_seen_at)
    outlet = one_line(lead.source, OUTLET_LIMIT)
    also: dict[str, str | None] = {}
    for other in story.others:  # every other outlet that ran the story, earliest first
        other_outlet = one_line(other.source, OUTLET_LIMIT)
        if other_outlet != outlet and other_outlet not in also:
            also[other_outlet] = safe_url(other.url)
    snippet, highlights = snippets.get(lead.article_id, (None, None))
    return {
        "id": lead.article_id,
        "headline": one_line(lead.title, HEADLINE_LIMIT) or "(untitled)",
        "url": safe_url(lead.url),
        "outlet": outlet,
        "published": local_label(shown_time, tz) if shown_time else "",
        "published_is_first_seen": lead.published_at is None,
        "snippet": snippet_parts(snippet, highlights),
        "also": [{"outlet": name, "url": link} for name, link in also.items()],
        "article_count": len(story.article_ids),
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


def covered_sources(config: Config, watchlist: WatchList) -> list[Source]:
    if watchlist.sources:
        return [config.source(name) for name in watchlist.sources]
    return [source for source in config.sources if source.enabled]


def coverage_health(
    db: Database, sources: list[Source], since: datetime, until: datetime, tz: ZoneInfo
) -> dict[str, Any]:
    """Crawl health between two digests: failed sources, quiet sources and skipped pages.

    Failures and skipped pages count the runs between the two digests; whether a source went
    quiet is ``crawler.health.source_health``'s judgement at the end of the window. With no
    sources configured, the sources that ran count (and none can be judged quiet).
    """
    runs = db.execute(
        "SELECT source, status, skipped, message FROM crawl_runs"
        " WHERE started_at >= ? AND started_at < ? ORDER BY started_at",
        [to_db_time(since), to_db_time(until)],
    ).fetchall()
    wanted = {source.name for source in sources} or {run[0] for run in runs}
    failures: dict[str, dict[str, Any]] = {}
    for source, status, _skipped, message in runs:
        if source in wanted and status in FAILED_STATUSES:
            entry = failures.setdefault(
                source, {"source": one_line(source, OUTLET_LIMIT), "failures": 0}
            )
            entry["failures"] += 1
            entry["status"] = status
            entry["detail"] = one_line(message, 200)
    quiet = [
        {
            "source": one_line(health.name, OUTLET_LIMIT),
            "since": local_label(health.last_new_at, tz) if health.last_new_at else "",
        }
        for health in source_health(db, sources, until)
        if health.quiet and health.name not in failures
    ]
    return {
        "runs": sum(1 for run in runs if run[0] in wanted),
        "failed": [failures[name] for name in sorted(failures)],
        "quiet": quiet,
        "skipped_pages": sum(run[2] or 0 for run in runs if run[0] in wanted),
    }
