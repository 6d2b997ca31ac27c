"""Store one extracted article: identity, duplicates, matches and story, in one transaction.

This is where the crawler hands over to the archive. For every fetched article page the pipeline
calls :func:`store_article`, which decides within a single ``BEGIN IMMEDIATE`` transaction whether
the page is a new article, a new revision of a stored one, an unchanged re-fetch or another URL of
an article already stored, and writes the article, its URLs, its watch-list matches and its story
link together, so that a crash leaves either all of them or none.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlite_utils import Database

from config import Config, WatchList
from crawler.dedup import (
    StoryLinker,
    content_hash,
    find_existing_article,
    preferred_url,
    record_urls,
    url_key,
)
from crawler.extract import ExtractedArticle
from crawler.matching import Matcher, MatchResult, parse_query
from crawler.store import to_db_time, utcnow, write_transaction

logger = logging.getLogger(__name__)

Outcome = Literal["new", "updated", "unchanged", "duplicate"]


@dataclass
class IngestResult:
    outcome: Outcome
    article_id: int
    new_matches: list[str] = field(default_factory=list)  # watch lists newly matched


class WatchListMatcher:
    """All watch lists compiled into one matcher, with their language and source restrictions."""

    def __init__(self, watchlists: Iterable[WatchList]) -> None:
        self.watchlists = {watchlist.name: watchlist for watchlist in watchlists}
        self.matcher = Matcher(
            {name: parse_query(watchlist.query) for name, watchlist in self.watchlists.items()}
        )

    def match(
        self, *, title: str, body: str, language: str | None, source: str
    ) -> list[MatchResult]:
        return [
            result
            for result in self.matcher.match(title=title, body=body)
            if self._applies(self.watchlists[result.watchlist], language, source)
        ]

    @staticmethod
    def _applies(watchlist: WatchList, language: str | None, source: str) -> bool:
        if watchlist.languages and language not in watchlist.languages:
            return False
        return not (watchlist.sources and source not in watchlist.sources)


@dataclass
class IngestContext:
    """What every article of a crawl needs, built once per crawl process."""

    matcher: WatchListMatcher
    linker_threshold: float
    tracking_parameters: tuple[str, ...]

    @classmethod
    def from_config(cls, config: Config) -> IngestContext:
        return cls(
            matcher=WatchListMatcher(config.watchlists),
            linker_threshold=config.settings.dedup.threshold,
            tracking_parameters=tuple(config.settings.dedup.tracking_parameters),
        )

    def key(self, url: str) -> str:
        return url_key(url, self.tracking_parameters)


def store_article(
    db: Database,
    article: ExtractedArticle,
    *,
    source: str,
    fetched_url: str,
    context: IngestContext,
    feed_guid: str | None = None,
    now: datetime | None = None,
) -> IngestResult:
    """Write ``article`` into the archive and return what happened to it.

    The article is known already when any of its URLs (fetched or canonical), its feed GUID, or
    its exact body at the same source was stored before; then it is an unchanged re-fetch, a new
    revision, or another URL of it ("duplicate"), and never alerted a second time.
    """
    now_text = to_db_time(now or utcnow())
    canonical_url = preferred_url(fetched_url, article.canonical_url)
    urls = [canonical_url, fetched_url]
    body_hash = content_hash(article.body)
    with write_transaction(db):
        found = find_existing_article(
            db,
            source,
            [context.key(url) for url in urls],
            feed_guid=feed_guid,
            body_hash=body_hash,
        )
        if found is None:
            return _insert(
                db,
                article,
                source,
                canonical_url,
                fetched_url,
                body_hash,
                feed_guid,
                now_text,
                context,
            )
        article_id, known_by = found
        record_urls(
            db,
            article_id,
            source,
            urls,
            now_text,
            tracking_parameters=context.tracking_parameters,
        )
        if known_by == "content":
            return IngestResult("duplicate", article_id)
        return _update(db, article_id, article, body_hash, now_text, context)


def record_skipped(
    db: Database,
    url: str,
    *,
    source: str,
    reason: str,
    context: IngestContext,
    now: datetime | None = None,
) -> None:
    """Remember a fetched page that is not an article, so it is not fetched again."""
    with write_transaction(db):
        db["article_urls"].insert(
            {
                "url_key": context.key(url),
                "url": url,
                "article_id": None,
                "source": source,
                "status": "skipped",
                "reason": reason[:500],
                "first_seen_at": to_db_time(now or utcnow()),
            },
            ignore=True,
        )


def _insert(
    db: Database,
    article: ExtractedArticle,
    source: str,
    canonical_url: str,
    fetched_url: str,
    body_hash: str,
    feed_guid: str | None,
    now_text: str,
    context: IngestContext,
) -> IngestResult:
    row = {
        "url_key": context.key(canonical_url),
        "url": fetched_url,
        "canonical_url": canonical_url,
        "title": article.title,
        "authors": json.dumps(article.authors, ensure_ascii=False),
        "published_at": _time_or_none(article.published_at),
        "modified_at": _time_or_none(article.modified_at),
        "fetched_at": now_text,
        "first_seen_at": now_text,
        "language": article.language,
        "body": article.body,
        "content_hash": body_hash,
        "source": source,
        "revisions": 0,
        "feed_guid": feed_guid,
    }
    article_id = int(db["articles"].insert(row).last_pk)
    record_urls(
        db,
        article_id,
        source,
        [canonical_url, fetched_url],
        now_text,
        tracking_parameters=context.tracking_parameters,
    )
    linker = StoryLinker(db, threshold=context.linker_threshold)
    story_id = linker.link(
        article_id, article.title, article.body, article.language, row["published_at"], now_text
    )
    db["articles"].update(article_id, {"story_id": story_id})
    matched = _store_matches(db, article_id, article, source, now_text, context)
    return IngestResult("new", article_id, matched)


def _update(
    db: Database,
    article_id: int,
    article: ExtractedArticle,
    body_hash: str,
    now_text: str,
    context: IngestContext,
) -> IngestResult:
    stored = db["articles"].get(article_id)
    if stored["content_hash"] == body_hash and stored["title"] == article.title:
        db["articles"].update(article_id, {"fetched_at": now_text})
        return IngestResult("unchanged", article_id)
    db["articles"].update(
        article_id,
        {
            "title": article.title,
            "body": article.body,
            "content_hash": body_hash,
            "modified_at": _time_or_none(article.modified_at) or stored["modified_at"],
            "fetched_at": now_text,
            "revisions": (stored["revisions"] or 0) + 1,
        },
    )
    linker = StoryLinker(db, threshold=context.linker_threshold)
    story_id = linker.relink(
        article_id,
        article.title,
        article.body,
        stored["language"],
        stored["published_at"],
        stored["first_seen_at"],
    )
    db["articles"].update(article_id, {"story_id": story_id})
    matched = _store_matches(
        db, article_id, article, stored["source"], now_text, context, language=stored["language"]
    )
    return IngestResult("updated", article_id, matched)


def _store_matches(
    db: Database,
    article_id: int,
    article: ExtractedArticle,
    source: str,
    now_text: str,
    context: IngestContext,
    language: str | None = None,
) -> list[str]:
    """Insert matches not stored yet; a list that matched before is not matched (alerted) again."""
    results = context.matcher.match(
        title=article.title,
        body=article.body,
        language=language or article.language,
        source=source,
    )
    return store_match_results(db, article_id, results, now_text)


def store_match_results(
    db: Database, article_id: int, results: Iterable[MatchResult], now_text: str
) -> list[str]:
    """Insert the matches of one article, ignoring lists it already matched. Returns new ones."""
    newly_matched = []
    for result in results:
        cursor = db.execute(
            "INSERT OR IGNORE INTO matches (article_id, watchlist, matched_at, clauses, fields,"
            " snippet, highlights) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                article_id,
                result.watchlist,
                now_text,
                json.dumps(list(result.clauses), ensure_ascii=False),
                json.dumps(sorted(result.fields)),
                result.snippet,
                json.dumps([list(span) for span in result.highlights]),
            ],
        )
        if cursor.rowcount:
            newly_matched.append(result.watchlist)
    return newly_matched


def _time_or_none(moment: datetime | None) -> str | None:
    return to_db_time(moment) if moment else None
