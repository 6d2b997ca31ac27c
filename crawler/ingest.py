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
from typing import Any, Literal

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


# URL keys remembered per crawl: a URL is met in a feed, two sitemaps and section pages, and
# again when its article is stored. 20,000 keys take about 8 MB.
_KEY_CACHE_SIZE = 20_000


@dataclass
class IngestContext:
    """What every article of a crawl needs, built once per crawl process."""

    matcher: WatchListMatcher
    linker_threshold: float
    tracking_parameters: tuple[str, ...]
    _keys: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _linker: StoryLinker | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_config(cls, config: Config) -> IngestContext:
        return cls(
            matcher=WatchListMatcher(config.watchlists),
            linker_threshold=config.settings.dedup.threshold,
            tracking_parameters=tuple(config.settings.dedup.tracking_parameters),
        )

    def key(self, url: str) -> str:
        """The URL key of ``url`` (see :func:`crawler.dedup.url_key`).

        :raises InvalidUrlError: for a URL that is not http(s).
        """
        key = self._keys.get(url)
        if key is None:
            key = url_key(url, self.tracking_parameters)
            if len(self._keys) >= _KEY_CACHE_SIZE:
                self._keys.clear()
            self._keys[url] = key
        return key

    def linker(self, db: Database) -> StoryLinker:
        """The story linker for ``db`` with the configured threshold."""
        if self._linker is None or self._linker.db is not db:
            self._linker = StoryLinker(db, threshold=self.linker_threshold)
        return self._linker


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
    key = context.key(url)
    with write_transaction(db):
        db.execute(
            "INSERT OR IGNORE INTO article_urls"
            " (url_key, url, article_id, source, status, reason, first_seen_at)"
            " VALUES (?, ?, NULL, ?, 'skipped', ?, ?)",
            [key, url, source, reason[:500], to_db_time(now or utcnow())],
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
    published_at = _time_or_none(article.published_at)
    # The story is chosen first so that the row is written with it: every UPDATE of an article
    # re-indexes its text for full-text search.
    linker = context.linker(db)
    plan = linker.prepare_link(article.body, article.language, published_at, now_text)
    # Plain SQL rather than sqlite-utils' Table methods, which inspect the schema on every call.
    cursor = db.execute(
        "INSERT INTO articles (url_key, url, canonical_url, title, authors, published_at,"
        " modified_at, fetched_at, first_seen_at, language, body, content_hash, source,"
        " revisions, feed_guid, story_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
        [
            context.key(canonical_url),
            fetched_url,
            canonical_url,
            article.title,
            json.dumps(article.authors, ensure_ascii=False),
            published_at,
            _time_or_none(article.modified_at),
            now_text,
            now_text,
            article.language,
            article.body,
            body_hash,
            source,
            feed_guid,
            plan.story_id,
        ],
    )
    article_id = int(cursor.lastrowid)
    record_urls(
        db,
        article_id,
        source,
        [canonical_url, fetched_url],
        now_text,
        tracking_parameters=context.tracking_parameters,
    )
    linker.complete_link(article_id, plan, article.title)
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
    stored = _stored_article(db, article_id)
    if stored["content_hash"] == body_hash and stored["title"] == article.title:
        db.execute("UPDATE articles SET fetched_at = ? WHERE id = ?", [now_text, article_id])
        return IngestResult("unchanged", article_id)
    db.execute(
        "UPDATE articles SET title = ?, body = ?, content_hash = ?, modified_at = ?,"
        " fetched_at = ?, revisions = ? WHERE id = ?",
        [
            article.title,
            article.body,
            body_hash,
            _time_or_none(article.modified_at) or stored["modified_at"],
            now_text,
            (stored["revisions"] or 0) + 1,
            article_id,
        ],
    )
    # relink() keeps or sets the article's story_id itself.
    context.linker(db).relink(
        article_id,
        article.title,
        article.body,
        stored["language"],
        stored["published_at"],
        stored["first_seen_at"],
    )
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


_STORED_COLUMNS = (
    "content_hash",
    "title",
    "modified_at",
    "revisions",
    "language",
    "published_at",
    "first_seen_at",
    "source",
)


def _stored_article(db: Database, article_id: int) -> dict[str, Any]:
    row = db.execute(
        f"SELECT {', '.join(_STORED_COLUMNS)} FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    if row is None:
        raise LookupError(f"no article {article_id}")
    return dict(zip(_STORED_COLUMNS, row, strict=True))


def _time_or_none(moment: datetime | None) -> str | None:
    return to_db_time(moment) if moment else None
