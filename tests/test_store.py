"""The SQLite archive: migrations, WAL, write locking and the FTS index, on real files."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.store import (
    from_db_time,
    migrations,
    open_database,
    schema_version,
    to_db_time,
    write_transaction,
)

ARTICLE = {
    "url_key": "https://example.org/a",
    "url": "https://example.org/a?utm_source=x",
    "canonical_url": "https://example.org/a",
    "title": "Talks on a Gaza ceasefire resume",
    "body": "Negotiators met again on Tuesday.",
    "content_hash": "h1",
    "source": "Example",
    "fetched_at": "2026-11-25T10:00:00+00:00",
    "first_seen_at": "2026-11-25T10:00:00+00:00",
}


def test_new_database_has_every_migration_and_wal(tmp_path: Path) -> None:
    db = open_database(tmp_path / "new.db")
    assert schema_version(db) == [m.name for m in migrations._migrations]
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_first_schema_version_upgrades_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m002_stories")
    assert schema_version(old) == ["m001_initial"]
    old["articles"].insert(ARTICLE)
    old.close()

    db = open_database(path)
    assert schema_version(db)[-1] == migrations._migrations[-1].name
    assert "story_id" in db["articles"].columns_dict
    row = next(db["articles"].rows)
    assert row["title"] == ARTICLE["title"] and row["story_id"] is None
    # The upgrade must keep the full-text index in step with the table.
    with write_transaction(db):
        db["articles"].update(row["id"], {"body": "A truce was announced at the Rafah crossing."})
    hits = list(db["articles"].search("rafah"))
    assert [hit["id"] for hit in hits] == [row["id"]]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_url_key_is_unique_in_the_database(tmp_path: Path) -> None:
    db = open_database(tmp_path / "u.db")
    db["articles"].insert(ARTICLE)
    with pytest.raises(sqlite3.IntegrityError):
        db["articles"].insert({**ARTICLE, "url": "https://example.org/a#comments"})
    assert db["articles"].count == 1


def test_write_transaction_is_all_or_nothing(tmp_path: Path) -> None:
    db = open_database(tmp_path / "t.db")
    with pytest.raises(RuntimeError), write_transaction(db):
        article_id = db["articles"].insert(ARTICLE).last_pk
        db["matches"].insert({"article_id": article_id, "watchlist": "Gaza ceasefire"})
        raise RuntimeError("crash between two writes")
    assert db["articles"].count == 0 and db["matches"].count == 0


def test_immediate_transactions_wait_instead_of_failing(tmp_path: Path) -> None:
    """A deferred read-then-write fails at once under a concurrent writer; BEGIN IMMEDIATE waits."""
    path = tmp_path / "lock.db"
    open_database(path).close()
    holder = open_database(path)
    holder.conn.execute("BEGIN IMMEDIATE")
    holder["sources"].insert({"name": "holder"})

    deferred = sqlite3.connect(path, timeout=5, isolation_level=None)
    deferred.execute("BEGIN")
    deferred.execute("SELECT count(*) FROM sources").fetchone()
    released = threading.Timer(0.5, lambda: holder.conn.execute("COMMIT"))
    released.start()
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            deferred.execute("INSERT INTO sources (name) VALUES ('deferred')")
        deferred.execute("ROLLBACK")
        released.join()

        writer = open_database(path)
        events: list[str] = []

        def commit_holder() -> None:
            events.append("holder committed")
            holder.conn.execute("COMMIT")

        holder.conn.execute("BEGIN IMMEDIATE")
        threading.Timer(0.5, commit_holder).start()
        with write_transaction(writer):
            events.append("writer has the lock")
            writer["sources"].insert({"name": "immediate"})
        # The writer waited for the holder instead of failing with "database is locked".
        assert events == ["holder committed", "writer has the lock"]
    finally:
        deferred.close()
    names = {row["name"] for row in open_database(path)["sources"].rows}
    assert names == {"holder", "immediate"}


def test_concurrent_openers_apply_migrations_once(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            open_database(path).close()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db = open_database(path)
    assert len(schema_version(db)) == len(set(schema_version(db))) == len(migrations._migrations)


def test_read_only_connection_cannot_write(tmp_path: Path) -> None:
    open_database(tmp_path / "ro.db").close()
    reader = open_database(tmp_path / "ro.db", read_only=True)
    with pytest.raises(sqlite3.OperationalError):
        reader.execute("INSERT INTO sources (name) VALUES ('x')")


def test_times_are_stored_as_sortable_utc_text() -> None:
    gaza = timezone(timedelta(hours=2))
    assert to_db_time(datetime(2026, 11, 25, 9, 0, tzinfo=gaza)) == "2026-11-25T07:00:00+00:00"
    assert from_db_time("2026-11-25T07:00:00+00:00") == datetime(2026, 11, 25, 7, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        to_db_time(datetime(2026, 11, 25, 9, 0))
