"""The SQLite archive: schema, migrations and safe connections.

Everything presswatch knows lives in one SQLite file: the articles (one row each, keyed by
canonical URL), the URLs already seen, the watch-list matches, the stories that group syndicated
copies, the crawl runs and the digest ledger. Several processes use it at once (the service, a
crawl child, the CLI, the browse server), so every connection uses WAL mode and a busy timeout,
and every write transaction starts with ``BEGIN IMMEDIATE``: a deferred transaction that reads and
then writes fails with "database is locked" at once, whatever the timeout.

The schema changes only through the numbered migrations below, so an older database upgrades in
place when any presswatch command opens it.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 15_000
migrations = Migrations("presswatch")


def open_database(path: str | Path, *, migrate: bool = True, read_only: bool = False) -> Database:
    """Open (and by default create or upgrade) the archive at ``path``."""
    path = Path(path)
    if read_only:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA query_only = ON")
        return Database(connection)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = Database(connection)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if db.journal_mode != "wal":
        db.enable_wal()
    # FULL: a commit acknowledged to the ledger survives a power cut, not only a process crash.
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")
    if migrate:
        with _exclusive_migration(db):
            migrations.apply(db)
    return db


@contextlib.contextmanager
def _exclusive_migration(db: Database) -> Iterator[None]:
    # Two processes starting together must not both apply the same migration: take the write
    # lock first, and let Migrations use savepoints inside it.
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock up front (``BEGIN IMMEDIATE``).

    sqlite-utils' own write methods nest inside it as savepoints, so a block of them is stored
    whole or not at all.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def schema_version(db: Database) -> list[str]:
    """Names of the migrations applied to ``db``, oldest first."""
    return [migration.name for migration in migrations.applied(db)]


def to_db_time(moment: datetime) -> str:
    """The one text form of a time in the database: UTC, ISO 8601, sortable as text."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: presswatch stores only timezone-aware times")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def utcnow() -> datetime:
    return datetime.now(UTC)


@migrations()
def m001_initial(db: Database) -> None:
    """The first schema: sources, articles, seen URLs, matches, crawl runs and the ledger."""
    db["sources"].create(
        {"name": str, "first_seen_at": str, "last_run_id": int}, pk="name", not_null={"name"}
    )
    db["articles"].create(
        {
            "id": int,
            "url_key": str,  # canonical form of the URL: the identity of the article
            "url": str,
            "canonical_url": str,
            "title": str,
            "authors": str,  # JSON list of names
            "published_at": str,
            "modified_at": str,
            "fetched_at": str,
            "first_seen_at": str,
            "language": str,
            "body": str,
            "content_hash": str,
            "source": str,
            "revisions": int,
            "feed_guid": str,
            "refetched_at": str,  # set when the one correction re-fetch has been done
        },
        pk="id",
        not_null={
            "url_key",
            "url",
            "canonical_url",
            "title",
            "body",
            "content_hash",
            "source",
            "fetched_at",
            "first_seen_at",
        },
        defaults={"revisions": 0, "authors": "[]"},
    )
    db["articles"].create_index(["url_key"], unique=True)
    db["articles"].create_index(["source", "content_hash"])
    db["articles"].create_index(["first_seen_at"])
    db["articles"].create_index(["published_at"])
    db["articles"].enable_fts(
        ["title", "body"],
        fts_version="FTS5",
        create_triggers=True,
        tokenize="unicode61 remove_diacritics 2",
    )
    # Every URL presswatch has met and judged, so that it is never fetched again: articles,
    # their alternate URLs (AMP, tracking parameters, mirrors) and pages skipped as non-articles.
    db["article_urls"].create(
        {
            "url_key": str,
            "url": str,
            "article_id": int,
            "source": str,
            "status": str,  # article | alternate | skipped
            "reason": str,
            "first_seen_at": str,
            "last_fetched_at": str,
        },
        pk="url_key",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["article_urls"].create_index(["article_id"])
    db["matches"].create(
        {
            "article_id": int,
            "watchlist": str,
            "matched_at": str,
            "clauses": str,  # JSON list of the clauses that matched
            "fields": str,  # JSON list: title, body
            "snippet": str,
            "highlights": str,  # JSON list of [start, end] offsets into the snippet
        },
        pk=("article_id", "watchlist"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["matches"].create_index(["watchlist", "matched_at"])
    db["crawl_runs"].create(
        {
            "id": int,
            "source": str,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | ok | failed | timeout | killed
            "requests": int,
            "responses": int,
            "not_modified": int,
            "new": int,
            "updated": int,
            "skipped": int,
            "errors": str,  # JSON object: error kind -> count
            "message": str,
        },
        pk="id",
        defaults={
            "requests": 0,
            "responses": 0,
            "not_modified": 0,
            "new": 0,
            "updated": 0,
            "skipped": 0,
            "errors": "{}",
        },
    )
    db["crawl_runs"].create_index(["source", "started_at"])
    # Conditional GET state for feeds and sitemaps.
    db["fetch_cache"].create(
        {"url": str, "etag": str, "last_modified": str, "checked_at": str}, pk="url"
    )
    # The digest ledger: written and committed before any mail is sent.
    db["digests"].create(
        {
            "id": str,  # deterministic: derived from list, recipient, channel, kind and period
            "watchlist": str,
            "recipient": str,
            "channel": str,  # "email" or an apprise channel name
            "kind": str,  # digest | instant | catch-up
            "period": str,  # the local slot the digest stands for, e.g. 2026-11-25T07:00
            "created_at": str,
            "status": str,  # pending | sent | failed
            "attempts": int,
            "next_attempt_at": str,
            "last_error": str,
            "message_id": str,
            "sent_at": str,
        },
        pk="id",
        defaults={"attempts": 0, "status": "pending"},
    )
    db["digests"].create_index(["status", "next_attempt_at"])
    db["digests"].create_index(["watchlist", "recipient", "channel", "period"])
    db["digests"].create_index(["message_id"], unique=True)
    # One row per article per recipient per channel and stream: the UNIQUE index makes "an
    # article reaches a recipient in exactly one digest" a property of the database.
    db["digest_articles"].create(
        {
            "digest_id": str,
            "article_id": int,
            "watchlist": str,
            "recipient": str,
            "channel": str,
            "stream": str,  # digest | instant
        },
        pk=("digest_id", "article_id"),
        foreign_keys=[("digest_id", "digests", "id"), ("article_id", "articles", "id")],
    )
    db["digest_articles"].create_index(
        ["watchlist", "recipient", "channel", "stream", "article_id"], unique=True
    )


@migrations()
def m002_stories(db: Database) -> None:
    """Stories group syndicated copies; MinHash LSH buckets live in SQLite, not in memory."""
    db["stories"].create(
        {
            "id": int,
            "first_article_id": int,  # the earliest publisher's article
            "first_seen_at": str,
            "earliest_published_at": str,
            "articles": int,
        },
        pk="id",
        defaults={"articles": 1},
    )
    # A plain ADD COLUMN: a foreign key here would make sqlite-utils rebuild the table and drop
    # the FTS triggers with it.
    db["articles"].add_column("story_id", int)
    db["articles"].create_index(["story_id"])
    db["article_signatures"].create(
        {"article_id": int, "minhash": bytes, "language": str},
        pk="article_id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["lsh_buckets"].create({"band": int, "bucket": int, "article_id": int})
    db["lsh_buckets"].create_index(["band", "bucket"])
    db["lsh_buckets"].create_index(["article_id"])


@migrations()
def m003_watchlist_state(db: Database) -> None:
    """Remember each watch list's query, so a new or edited list re-matches the archive."""
    db["watchlist_state"].create(
        {"name": str, "query": str, "matched_through": str, "updated_at": str}, pk="name"
    )


@migrations()
def m004_lookup_indexes(db: Database) -> None:
    """Indexes for listing articles newest first and for finding an article by its feed GUID."""
    db["articles"].create_index(["source", "feed_guid"], if_not_exists=True)
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_articles_recency"
        " ON articles (coalesce(published_at, first_seen_at))"
    )


@migrations()
def m005_fts_update_trigger(db: Database) -> None:
    """Re-index an article's full text only when its title or body changes.

    ``enable_fts`` created the update trigger for every UPDATE of the row, so setting
    ``fetched_at``, ``story_id`` or ``refetched_at`` deleted and re-inserted the whole body in the
    FTS index. The trigger keeps its name, so that sqlite-utils' ``disable_fts`` still finds it.
    ``id`` (the rowid the index is keyed by) is never updated.
    """
    db.execute("DROP TRIGGER IF EXISTS articles_au")
    db.execute(
        "CREATE TRIGGER articles_au AFTER UPDATE OF title, body ON articles BEGIN"
        " INSERT INTO articles_fts (articles_fts, rowid, title, body)"
        " VALUES ('delete', old.rowid, old.title, old.body);"
        " INSERT INTO articles_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body);"
        " END"
    )
