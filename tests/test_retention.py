"""Retention and backup on real SQLite files: what is pruned, what stays, size levelling off."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.crawlstate import url_decision
from crawler.store import open_database, to_db_time, write_transaction
from scheduler.backup import BackupError, backup_database
from scheduler.retention import prune

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=120)
RECENT = NOW - timedelta(days=2)
# About the size of a news article's text (5 kB).
BODY = "Negotiators met again on Tuesday to discuss the terms of the agreement. " * 70


def add_article(
    db: Database, article_id: int, first_seen: datetime, *, story_id: int | None = None
) -> None:
    seen = to_db_time(first_seen)
    url = f"https://news.example/{article_id}"
    with write_transaction(db):
        db["articles"].insert(
            {
                "id": article_id,
                "url_key": url,
                "url": url,
                "canonical_url": url,
                "title": f"Article {article_id}",
                "body": f"word{article_id} " + BODY,
                "content_hash": f"hash{article_id}",
                "source": "Example",
                "fetched_at": seen,
                "first_seen_at": seen,
                "published_at": seen,
                "story_id": story_id,
            }
        )
        for key, status in ((url, "article"), (url + "?amp=1", "alternate")):
            db["article_urls"].insert(
                {
                    "url_key": key,
                    "url": key,
                    "article_id": article_id,
                    "source": "Example",
                    "status": status,
                    "first_seen_at": seen,
                }
            )
        db["article_signatures"].insert(
            {"article_id": article_id, "minhash": b"\x00" * 64, "language": "en"}
        )
        db["lsh_buckets"].insert_all(
            {"band": band, "bucket": article_id * 100 + band, "article_id": article_id}
            for band in range(4)
        )


def add_story(db: Database, story_id: int, first_article_id: int, articles: int) -> None:
    with write_transaction(db):
        db["stories"].insert(
            {
                "id": story_id,
                "first_article_id": first_article_id,
                "first_seen_at": to_db_time(OLD),
                "earliest_published_at": to_db_time(OLD),
                "articles": articles,
            }
        )


def add_match(db: Database, article_id: int, watchlist: str = "Gaza ceasefire") -> None:
    with write_transaction(db):
        db["matches"].insert(
            {"article_id": article_id, "watchlist": watchlist, "matched_at": to_db_time(OLD)}
        )


def add_ledger_entry(db: Database, article_id: int) -> None:
    with write_transaction(db):
        db["digests"].insert(
            {
                "id": "d1",
                "watchlist": "Removed list",
                "recipient": "desk@example.org",
                "channel": "email",
                "kind": "digest",
                "period": "2026-02-01T07:00",
                "created_at": to_db_time(OLD),
                "status": "sent",
                "message_id": "<d1@presswatch>",
            }
        )
        db["digest_articles"].insert(
            {
                "digest_id": "d1",
                "article_id": article_id,
                "watchlist": "Removed list",
                "recipient": "desk@example.org",
                "channel": "email",
                "stream": "digest",
            }
        )


@pytest.fixture
def archive(tmp_path: Path) -> Database:
    db = open_database(tmp_path / "archive.db")
    add_story(db, 10, first_article_id=1, articles=1)  # only an old unmatched article
    add_story(db, 20, first_article_id=5, articles=2)  # an unmatched copy of a matched one
    add_article(db, 1, OLD, story_id=10)  # old, unmatched: pruned
    add_article(db, 2, OLD, story_id=20)  # old, matched: kept
    add_article(db, 3, OLD)  # old, unmatched, but a digest carried it: kept
    add_article(db, 4, RECENT)  # recent, unmatched: kept
    add_article(db, 5, OLD, story_id=20)  # old unmatched copy: pruned, story 20 kept
    add_match(db, 2)
    add_ledger_entry(db, 3)
    with write_transaction(db):
        db["article_urls"].insert(
            {
                "url_key": "https://news.example/section",
                "url": "https://news.example/section",
                "source": "Example",
                "status": "skipped",
                "reason": "not an article",
                "first_seen_at": to_db_time(OLD),
            }
        )
    return db


def test_prune_removes_old_unmatched_articles_and_keeps_their_url_keys(archive: Database) -> None:
    report = prune(archive, now=NOW, retention_days=90)

    assert (report.articles, report.stories) == (2, 1)
    assert [row["id"] for row in archive["articles"].rows] == [2, 3, 4]
    urls = {
        row["url_key"]: (row["article_id"], row["status"]) for row in archive["article_urls"].rows
    }
    assert urls["https://news.example/1"] == (None, "pruned")
    assert urls["https://news.example/1?amp=1"] == (None, "pruned")
    assert urls["https://news.example/5"] == (None, "pruned")
    assert urls["https://news.example/2"] == (2, "article")
    assert urls["https://news.example/section"] == (None, "skipped")
    # The crawler must still treat a pruned URL as seen, so it is never fetched again.
    for key in ("https://news.example/1", "https://news.example/5?amp=1"):
        decision = url_decision(archive, key, now=NOW, refetch_window=timedelta(hours=24))
        assert decision == "seen"


def test_prune_takes_signatures_buckets_fts_rows_and_empty_stories_along(archive: Database) -> None:
    prune(archive, now=NOW, retention_days=90)

    assert sorted(row["article_id"] for row in archive["article_signatures"].rows) == [2, 3, 4]
    assert {row["article_id"] for row in archive["lsh_buckets"].rows} == {2, 3, 4}
    assert list(archive["articles"].search("word1")) == []
    assert [hit["id"] for hit in archive["articles"].search("word4")] == [4]
    stories = {row["id"]: row for row in archive["stories"].rows}
    assert list(stories) == [20]
    assert (stories[20]["articles"], stories[20]["first_article_id"]) == (1, 2)
    assert archive.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert archive.execute("PRAGMA foreign_key_check").fetchall() == []
    fts_rows = archive.execute("SELECT count(*) FROM articles_fts").fetchone()[0]
    assert fts_rows == 3


def test_prune_keeps_the_ledger_and_is_idempotent(archive: Database) -> None:
    prune(archive, now=NOW, retention_days=90)
    again = prune(archive, now=NOW, retention_days=90)

    assert (again.articles, again.stories) == (0, 0)
    assert [row["id"] for row in archive["digests"].rows] == ["d1"]
    assert [row["article_id"] for row in archive["digest_articles"].rows] == [3]
    assert [row["article_id"] for row in archive["matches"].rows] == [2]


def test_prune_keeps_everything_younger_than_the_retention_period(archive: Database) -> None:
    report = prune(archive, now=NOW, retention_days=365)
    assert report.articles == 0
    assert archive["articles"].count == 5


def test_prune_keeps_the_latest_crawl_run_of_each_source(tmp_path: Path) -> None:
    db = open_database(tmp_path / "runs.db")
    runs = [
        ("A", OLD),
        ("A", OLD + timedelta(hours=1)),
        ("A", RECENT),
        ("B", OLD),  # B's only run: kept, status needs it
    ]
    with write_transaction(db):
        db["crawl_runs"].insert_all(
            {"source": source, "started_at": to_db_time(moment), "status": "ok"}
            for source, moment in runs
        )
    report = prune(db, now=NOW, retention_days=90)
    assert report.crawl_runs == 2
    assert [(row["source"], row["id"]) for row in db["crawl_runs"].rows] == [("A", 3), ("B", 4)]


@pytest.mark.slow
def test_database_size_levels_off_with_retention(tmp_path: Path) -> None:
    """60 days of 40 unmatched articles a day: with 10 days' retention the file stops growing."""

    def simulate(path: Path, retention_days: float | None) -> list[int]:
        db = open_database(path)
        sizes, next_id = [], 1
        for day in range(60):
            now = NOW + timedelta(days=day)
            for _ in range(40):
                add_article(db, next_id, now)
                next_id += 1
            if retention_days is not None:
                prune(db, now=now, retention_days=retention_days)
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            sizes.append(path.stat().st_size)
        db.close()
        return sizes

    pruned = simulate(tmp_path / "pruned.db", retention_days=10)
    unpruned = simulate(tmp_path / "unpruned.db", retention_days=None)

    # Without retention the file grows with every day. With it, what still grows in the second
    # month is only the kept URL keys (two short rows per article): a small fraction.
    unpruned_growth = unpruned[59] - unpruned[29]
    pruned_growth = pruned[59] - pruned[29]
    assert unpruned[59] > 1.8 * unpruned[29]
    assert pruned_growth < 0.15 * unpruned_growth
    assert pruned[59] < 0.3 * unpruned[59]


def test_backup_copies_a_live_database_while_it_is_written(tmp_path: Path) -> None:
    source = tmp_path / "live.db"
    db = open_database(source)
    add_article(db, 1, OLD)
    stop = threading.Event()
    written = []

    def writer() -> None:
        writer_db = open_database(source, migrate=False)
        article_id = 1000
        while not stop.is_set():
            add_article(writer_db, article_id, RECENT)
            written.append(article_id)
            article_id += 1
        writer_db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        result = backup_database(source, tmp_path / "copy.db")
        before_stop = len(written)
    finally:
        stop.set()
        thread.join()

    copy = sqlite3.connect(result.target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    copied = copy.execute("SELECT count(*) FROM articles").fetchone()[0]
    copy.close()
    # A consistent snapshot: at least what was committed before the copy started, whole articles.
    assert 21 <= copied <= before_stop + 2
    assert not list(tmp_path.glob("*.partial"))


def test_backup_refuses_bad_targets(tmp_path: Path) -> None:
    source = tmp_path / "live.db"
    open_database(source).close()
    with pytest.raises(BackupError, match="no database"):
        backup_database(tmp_path / "missing.db", tmp_path / "copy.db")
    with pytest.raises(BackupError, match="live database itself"):
        backup_database(source, source)
    with pytest.raises(BackupError, match="does not exist"):
        backup_database(source, tmp_path / "no-such-dir" / "copy.db")
    with pytest.raises(BackupError, match="is a directory"):
        backup_database(source, tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["live.db"]
