"""The full-text index follows title and body only (migration m005), on real SQLite files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.store import migrations, open_database, schema_version, write_transaction

ARTICLE = {
    "url_key": "https://example.org/a",
    "url": "https://example.org/a",
    "canonical_url": "https://example.org/a",
    "title": "Talks on a Gaza ceasefire resume",
    "body": "Negotiators met again on Tuesday in Cairo.",
    "content_hash": "h1",
    "source": "Example",
    "fetched_at": "2026-11-25T10:00:00+00:00",
    "first_seen_at": "2026-11-25T10:00:00+00:00",
}


def fts_segments(db: Database) -> list[tuple[object, ...]]:
    """The FTS5 index's stored segments: any delete or insert into the index changes them."""
    return db.execute("SELECT id, block FROM articles_fts_data ORDER BY id").fetchall()


def search(db: Database, word: str) -> list[int]:
    return [row["id"] for row in db["articles"].search(word)]


def upgraded_from_m004(path: Path) -> Database:
    old = Database(path)
    migrations.apply(old, stop_before="m005_fts_update_trigger")
    old["articles"].insert(ARTICLE)
    old.close()
    return open_database(path)


@pytest.fixture(params=["new", "upgraded"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if request.param == "upgraded":
        database = upgraded_from_m004(tmp_path / "old.db")
    else:
        database = open_database(tmp_path / "new.db")
        with write_transaction(database):
            database["articles"].insert(ARTICLE)
    assert "m005_fts_update_trigger" in schema_version(database)
    return database


def test_update_of_other_columns_leaves_the_index_alone(db: Database) -> None:
    article_id = db.execute("SELECT id FROM articles").fetchone()[0]
    before = fts_segments(db)
    with write_transaction(db):
        db.execute(
            "UPDATE articles SET fetched_at = ?, story_id = ?, refetched_at = ?, revisions = 2"
            " WHERE id = ?",
            ["2026-11-25T11:00:00+00:00", 7, "2026-11-25T11:00:00+00:00", article_id],
        )
    assert fts_segments(db) == before
    assert search(db, "cairo") == [article_id]


def test_update_of_body_or_title_reindexes(db: Database) -> None:
    article_id = db.execute("SELECT id FROM articles").fetchone()[0]
    before = fts_segments(db)
    with write_transaction(db):
        db.execute(
            "UPDATE articles SET body = ? WHERE id = ?",
            ["A truce was announced at the Rafah crossing.", article_id],
        )
    assert fts_segments(db) != before
    assert search(db, "rafah") == [article_id]
    assert search(db, "cairo") == []
    with write_transaction(db):
        db.execute("UPDATE articles SET title = ? WHERE id = ?", ["Border reopens", article_id])
    assert search(db, "border") == [article_id]
    assert search(db, "ceasefire") == []
    # Raises "database disk image is malformed" when the index and the table disagree.
    db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")


def test_the_old_trigger_did_reindex_on_any_update(tmp_path: Path) -> None:
    """What m005 fixes: before it, a story_id update rewrote the row's index entries."""
    db = Database(tmp_path / "m004.db")
    migrations.apply(db, stop_before="m005_fts_update_trigger")
    db["articles"].insert(ARTICLE)
    before = fts_segments(db)
    db.execute("UPDATE articles SET story_id = 1")
    db.conn.commit()
    assert fts_segments(db) != before
