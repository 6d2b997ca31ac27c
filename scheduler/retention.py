"""Retention: prune old articles that matched nothing, so months of crawling stay bounded.

Most crawled articles match no watch list; their bodies are what makes the archive grow. After
``settings.retention_days`` (default 90) such an article is deleted, with its full-text rows (the
FTS triggers do that), its MinHash signature and LSH buckets. What stays:

- every URL key (``article_urls``): the row loses its ``article_id`` and gets status ``pruned``,
  so the crawler still knows the URL and never fetches the article again;
- every matched article, and every article any digest or alert refers to (the ledger);
- stories that still have an article; a story whose articles are all gone is deleted.

Crawl-run records older than the retention period are pruned too, except each source's latest.
The work is done in small ``BEGIN IMMEDIATE`` transactions so the crawler and the digest sender
are never kept waiting for long.

FTS5 records a deletion as a tombstone and only drops the text when segments are merged, so
after pruning the full-text index is merged a few hundred pages at a time until nothing is left
to merge; without that the index kept growing by about a third of the pruned text (measured in
tests/test_retention.py). The file itself does not shrink: freed pages are reused by new
articles, so the size levels off. What still grows is one short ``article_urls`` row (about
160 bytes with its indexes) per URL ever seen, the price of never fetching it twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from crawler.store import to_db_time, write_transaction

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
FTS_TABLE = "articles_fts"
FTS_MERGE_PAGES = 200  # pages written per merge step, in one short transaction
FTS_MERGE_MAX_STEPS = 10_000

# An article may be pruned when it is old, matched nothing and no digest or alert names it.
_PRUNABLE = """
    SELECT a.id FROM articles AS a
    WHERE a.first_seen_at < :cutoff
      AND NOT EXISTS (SELECT 1 FROM matches AS m WHERE m.article_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM digest_articles AS d WHERE d.article_id = a.id)
    ORDER BY a.id
    LIMIT :limit
"""


@dataclass
class RetentionReport:
    cutoff: datetime
    articles: int = 0
    stories: int = 0
    crawl_runs: int = 0


def prune(db: Database, *, now: datetime, retention_days: float) -> RetentionReport:
    """Delete what is older than ``retention_days`` and not worth keeping (see the module text)."""
    report = RetentionReport(cutoff=now - timedelta(days=retention_days))
    cutoff = to_db_time(report.cutoff)
    while True:
        with write_transaction(db):
            ids = [row[0] for row in db.execute(_PRUNABLE, {"cutoff": cutoff, "limit": BATCH_SIZE})]
            if not ids:
                break
            report.stories += _prune_articles(db, ids)
        report.articles += len(ids)
    if report.articles:
        _merge_full_text_index(db)
    with write_transaction(db):
        report.crawl_runs = _prune_crawl_runs(db, cutoff)
    if report.articles or report.crawl_runs:
        logger.info(
            "retention: pruned %d unmatched articles, %d stories and %d crawl runs older than %s",
            report.articles,
            report.stories,
            report.crawl_runs,
            cutoff,
        )
    return report


def _prune_articles(db: Database, ids: list[int]) -> int:
    """Delete the articles ``ids`` and what hangs on them; return the number of stories deleted."""
    marks = ",".join("?" * len(ids))
    db.execute(
        f"UPDATE article_urls SET article_id = NULL, status = 'pruned' "
        f"WHERE article_id IN ({marks})",
        ids,
    )
    db.execute(f"DELETE FROM lsh_buckets WHERE article_id IN ({marks})", ids)
    db.execute(f"DELETE FROM article_signatures WHERE article_id IN ({marks})", ids)
    story_ids = [
        row[0]
        for row in db.execute(
            f"SELECT DISTINCT story_id FROM articles WHERE id IN ({marks}) "
            "AND story_id IS NOT NULL",
            ids,
        )
    ]
    db.execute(f"DELETE FROM articles WHERE id IN ({marks})", ids)
    return _settle_stories(db, story_ids)


def _settle_stories(db: Database, story_ids: list[int]) -> int:
    """Delete emptied stories; keep the others' article count and first article valid."""
    if not story_ids:
        return 0
    marks = ",".join("?" * len(story_ids))
    deleted = db.execute(
        f"DELETE FROM stories WHERE id IN ({marks}) "
        "AND NOT EXISTS (SELECT 1 FROM articles WHERE articles.story_id = stories.id)",
        story_ids,
    ).rowcount
    db.execute(
        f"""
        UPDATE stories SET
            articles = (SELECT count(*) FROM articles WHERE articles.story_id = stories.id),
            first_article_id = CASE
                WHEN EXISTS (SELECT 1 FROM articles WHERE articles.id = stories.first_article_id)
                THEN first_article_id
                ELSE (SELECT id FROM articles WHERE articles.story_id = stories.id
                      ORDER BY coalesce(published_at, first_seen_at), id LIMIT 1)
            END
        WHERE id IN ({marks})
        """,
        story_ids,
    )
    return deleted


def _merge_full_text_index(db: Database) -> None:
    """Merge FTS5 segments until no tombstones of pruned articles are left to merge away."""
    for _step in range(FTS_MERGE_MAX_STEPS):
        with write_transaction(db):
            before = db.conn.total_changes
            # A negative page count merges even when a level has few segments (FTS5 docs).
            db.execute(
                f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES('merge', ?)",
                [-FTS_MERGE_PAGES],
            )
            # FTS5 documents that fewer than 2 changes means there was nothing left to merge.
            if db.conn.total_changes - before < 2:
                return


def _prune_crawl_runs(db: Database, cutoff: str) -> int:
    return db.execute(
        """
        DELETE FROM crawl_runs
        WHERE started_at < ?
          AND id NOT IN (SELECT max(id) FROM crawl_runs GROUP BY source)
          AND id NOT IN (SELECT last_run_id FROM sources WHERE last_run_id IS NOT NULL)
        """,
        [cutoff],
    ).rowcount
