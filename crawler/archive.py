"""Reading the archive back: search, re-matching stored articles, and export.

Search and re-matching share one path: FTS5 narrows the stored articles down to candidates (a
superset of the real hits, built by :func:`crawler.matching.fts_expression`), and the watch-list
matcher, the same one used at ingest, decides. A query the FTS index cannot express falls back to
scanning the window article by article.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TextIO

from sqlite_utils import Database

from config import Config, WatchList
from crawler.ingest import WatchListMatcher, store_match_results
from crawler.matching import Matcher, MatchResult, Query, fts_expression, parse_query
from crawler.store import to_db_time, utcnow, write_transaction

logger = logging.getLogger(__name__)

_BATCH = 500
EXPORT_FIELDS = [
    "id",
    "url",
    "canonical_url",
    "title",
    "body",
    "authors",
    "published_at",
    "modified_at",
    "first_seen_at",
    "language",
    "source",
    "watchlists",
    "story",
    "revisions",
]


@dataclass(frozen=True)
class SearchHit:
    article_id: int
    title: str
    url: str
    source: str
    published_at: str | None
    story_id: int | None
    match: MatchResult


def search_archive(
    db: Database, query_text: str, *, limit: int = 20, days: float | None = None
) -> list[SearchHit]:
    """Articles matching ``query_text``, newest first.

    :raises crawler.matching.QuerySyntaxError: for a query that does not parse.
    """
    query = parse_query(query_text)
    matcher = Matcher({"search": query})
    since = to_db_time(utcnow() - timedelta(days=days)) if days else None
    hits = []
    for row in _candidates(db, query, since):
        results = matcher.match(title=row["title"], body=row["body"])
        if results:
            hits.append(
                SearchHit(
                    row["id"],
                    row["title"],
                    row["url"],
                    row["source"],
                    row["published_at"],
                    row["story_id"],
                    results[0],
                )
            )
            if len(hits) >= limit:
                break
    return hits


def _candidates(db: Database, query: Query, since: str | None) -> Iterator[dict[str, Any]]:
    """Stored articles that may match ``query``, newest first, in batches."""
    expression = fts_expression(query)
    where, params = [], []
    if expression is not None:
        where.append("a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
        params.append(expression)
    if since is not None:
        where.append("a.first_seen_at >= ?")
        params.append(since)
    sql = (
        "SELECT a.id, a.title, a.body, a.url, a.source, a.language, a.published_at, a.story_id"
        " FROM articles a"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY coalesce(a.published_at, a.first_seen_at) DESC, a.id DESC"
    )
    cursor = db.execute(sql, params)
    columns = [description[0] for description in cursor.description]
    while batch := cursor.fetchmany(_BATCH):
        for values in batch:
            yield dict(zip(columns, values, strict=True))


def rematch_archive(db: Database, config: Config, *, now: datetime | None = None) -> dict[str, int]:
    """Match stored articles against watch lists that are new or changed since the last run.

    Only the last ``matching.rematch_days`` days are scanned. Returns the number of new matches
    per watch list that was re-matched.
    """
    now = now or utcnow()
    since = to_db_time(now - timedelta(days=config.settings.matching.rematch_days))
    states = {row["name"]: row for row in db["watchlist_state"].rows}
    found: dict[str, int] = {}
    for watchlist in config.watchlists:
        fingerprint = _fingerprint(watchlist)
        if states.get(watchlist.name, {}).get("query") == fingerprint:
            continue
        found[watchlist.name] = _rematch_one(db, watchlist, since, now)
        with write_transaction(db):
            db["watchlist_state"].upsert(
                {
                    "name": watchlist.name,
                    "query": fingerprint,
                    "matched_through": to_db_time(now),
                    "updated_at": to_db_time(now),
                },
                pk="name",
            )
        logger.info(
            "re-matched watch list %r against the archive: %d new matches",
            watchlist.name,
            found[watchlist.name],
        )
    return found


def _rematch_one(db: Database, watchlist: WatchList, since: str, now: datetime) -> int:
    matcher = WatchListMatcher([watchlist])
    query = parse_query(watchlist.query)
    pending: list[tuple[int, list[MatchResult]]] = []
    for row in _candidates(db, query, since):
        results = matcher.match(
            title=row["title"], body=row["body"], language=row["language"], source=row["source"]
        )
        if results:
            pending.append((row["id"], results))
    new = 0
    now_text = to_db_time(now)
    for start in range(0, len(pending), _BATCH):
        with write_transaction(db):
            for article_id, results in pending[start : start + _BATCH]:
                new += len(store_match_results(db, article_id, results, now_text))
    return new


def _fingerprint(watchlist: WatchList) -> str:
    """What decides a watch list's matches; when it changes, the archive is matched again."""
    parts = json.dumps(
        [watchlist.query, sorted(watchlist.languages), sorted(watchlist.sources)],
        ensure_ascii=False,
    )
    return hashlib.sha256(parts.encode()).hexdigest()


def export_articles(
    db: Database, output: TextIO, *, since_days: float | None = None, fmt: str = "jsonl"
) -> int:
    """Write one record per stored article to ``output``; returns how many."""
    where, params = "", []
    if since_days is not None:
        where = "WHERE a.first_seen_at >= ?"
        params.append(to_db_time(utcnow() - timedelta(days=since_days)))
    cursor = db.execute(
        "SELECT a.id, a.url, a.canonical_url, a.title, a.body, a.authors, a.published_at,"
        " a.modified_at, a.first_seen_at, a.language, a.source, a.story_id AS story, a.revisions,"
        " (SELECT json_group_array(m.watchlist) FROM matches m WHERE m.article_id = a.id)"
        " AS watchlists FROM articles a " + where + " ORDER BY a.id",
        params,
    )
    writer = csv.DictWriter(output, EXPORT_FIELDS) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    count = 0
    columns = [description[0] for description in cursor.description]
    while batch := cursor.fetchmany(_BATCH):
        for values in batch:
            record = dict(zip(columns, values, strict=True))
            record["authors"] = json.loads(record["authors"] or "[]")
            record["watchlists"] = sorted(json.loads(record["watchlists"] or "[]"))
            if writer:
                writer.writerow(
                    {
                        **record,
                        "authors": "; ".join(record["authors"]),
                        "watchlists": "; ".join(record["watchlists"]),
                    }
                )
            else:
                output.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count
