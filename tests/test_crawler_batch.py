"""Several articles per transaction (crawler.writebatch), each stored whole or not at all.

Real SQLite files throughout; the crash tests kill real child processes with SIGKILL while a
batch is open and then read what the file kept.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from crawler.dedup import url_key
from crawler.writebatch import WriteBatch, acquire_batch, release_batch
from tests.crawl_support import rows, write_config
from tests.newsweb import generate_web, serve

REPO = Path(__file__).resolve().parent.parent


def _database(path: Path) -> sqlite3.Connection:
    from crawler.store import open_database

    db = open_database(path, migrate=False)
    db.execute("CREATE TABLE IF NOT EXISTS parent (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS child (id INTEGER PRIMARY KEY, parent_id INTEGER"
        " REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
    )
    return db


def _write_pair(db, number: int) -> None:
    db.execute("INSERT INTO parent (id, name) VALUES (?, ?)", [number, f"p{number}"])
    db.execute("INSERT INTO child (id, parent_id) VALUES (?, ?)", [number, number])


def _committed(path: Path, table: str) -> list[int]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute(f"SELECT id FROM {table} ORDER BY id")]
    finally:
        connection.close()


def test_units_are_committed_together_and_reported_only_then(tmp_path):
    db = _database(tmp_path / "a.db")
    committed: list[int] = []
    batch = WriteBatch(db, max_units=3, max_seconds=60)
    for number in (1, 2):
        with batch.unit(on_commit=lambda number=number: committed.append(number)):
            _write_pair(db, number)
    assert batch.pending == 2
    assert committed == []
    assert _committed(tmp_path / "a.db", "parent") == []  # another connection sees nothing yet
    with batch.unit(on_commit=lambda: committed.append(3)):
        _write_pair(db, 3)
    assert batch.pending == 0  # the third unit filled the batch
    assert committed == [1, 2, 3]
    assert _committed(tmp_path / "a.db", "parent") == [1, 2, 3]
    assert _committed(tmp_path / "a.db", "child") == [1, 2, 3]


def test_a_failing_unit_is_rolled_back_alone(tmp_path):
    db = _database(tmp_path / "a.db")
    batch = WriteBatch(db, max_units=10, max_seconds=60)
    with batch.unit():
        _write_pair(db, 1)
    with pytest.raises(sqlite3.IntegrityError), batch.unit():
        db.execute("INSERT INTO parent (id, name) VALUES (2, 'half')")
        db.execute("INSERT INTO parent (id, name) VALUES (1, 'duplicate')")  # fails
    with batch.unit():
        _write_pair(db, 3)
    assert batch.commit()
    assert _committed(tmp_path / "a.db", "parent") == [1, 3]  # nothing of unit 2


def test_the_batch_is_committed_once_it_is_old_enough(tmp_path):
    db = _database(tmp_path / "a.db")
    batch = WriteBatch(db, max_units=100, max_seconds=0.2)
    with batch.unit():
        _write_pair(db, 1)
    assert batch.pending == 1
    time.sleep(0.25)
    with batch.unit():
        _write_pair(db, 2)
    assert batch.pending == 0
    assert _committed(tmp_path / "a.db", "parent") == [1, 2]


def test_a_scheduled_commit_needs_no_further_unit(tmp_path):
    db = _database(tmp_path / "a.db")
    scheduled = []
    batch = WriteBatch(
        db, max_seconds=5, schedule=lambda delay, run: scheduled.append((delay, run))
    )
    with batch.unit():
        _write_pair(db, 1)
    assert [delay for delay, _ in scheduled] == [5]
    scheduled[0][1]()  # what the reactor does after 5 s
    assert batch.pending == 0
    assert _committed(tmp_path / "a.db", "parent") == [1]


def test_a_failed_commit_reports_every_unit_lost(tmp_path):
    db = _database(tmp_path / "a.db")
    committed: list[int] = []
    lost: list[int] = []
    batch = WriteBatch(db, max_units=10, max_seconds=60)
    with batch.unit(on_commit=lambda: committed.append(1), on_lost=lambda: lost.append(1)):
        _write_pair(db, 1)
    with batch.unit(on_commit=lambda: committed.append(2), on_lost=lambda: lost.append(2)):
        # A deferred foreign key: accepted now, refused at COMMIT.
        db.execute("INSERT INTO child (id, parent_id) VALUES (2, 999)")
    assert not batch.commit()
    assert (committed, lost) == ([], [1, 2])
    assert not db.conn.in_transaction
    assert _committed(tmp_path / "a.db", "parent") == []
    with batch.unit(on_commit=lambda: committed.append(3)):  # the next batch starts afresh
        _write_pair(db, 3)
    assert batch.commit()
    assert committed == [3]


def test_spiders_of_one_process_share_one_batch_per_file(tmp_path):
    first = acquire_batch(tmp_path / "a.db")
    second = acquire_batch(tmp_path / "sub" / ".." / "a.db")
    other = acquire_batch(tmp_path / "b.db")
    assert first is second and first is not other
    first.db.execute("CREATE TABLE t (x INTEGER)")
    with first.unit():
        first.db.execute("INSERT INTO t VALUES (1)")
    release_batch(first)  # the other user still holds it: still open, still pending
    assert first.pending == 1
    with second.unit():
        second.db.execute("INSERT INTO t VALUES (2)")
    release_batch(second)  # the last user commits and closes
    release_batch(other)
    assert _committed_values(tmp_path / "a.db") == [1, 2]
    with pytest.raises(sqlite3.ProgrammingError):
        first.db.execute("SELECT 1")


def _committed_values(path: Path) -> list[int]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("SELECT x FROM t ORDER BY x")]
    finally:
        connection.close()


_WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {repo!r})
    from tests.test_crawler_batch import _database, _write_pair
    from crawler.writebatch import WriteBatch

    db = _database({path!r})
    batch = WriteBatch(db, max_units=5, max_seconds=3600)
    for number in range(1, 13):
        with batch.unit():
            _write_pair(db, number)
        if number == 12:
            print("open", flush=True)  # 10 committed, 11 and 12 pending
            time.sleep(60)
    """
)


def test_sigkill_with_a_batch_open_keeps_only_committed_units(tmp_path):
    path = tmp_path / "a.db"
    with subprocess.Popen(
        [sys.executable, "-c", _WRITER.format(repo=str(REPO), path=str(path))],
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout.readline().strip() == "open"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
    assert _committed(path, "parent") == list(range(1, 11))
    assert _committed(path, "child") == list(range(1, 11))


def test_a_crawl_killed_mid_batch_leaves_only_whole_articles(tmp_path):
    web = generate_web(seed=5, sites=2, articles_per_site=120, hostile=False)
    with serve(web) as running:
        sources = [
            {"name": site.name, "sitemaps": [f"{running.base_url(site.name)}/sitemap.xml"]}
            for site in web.sites
        ]
        config = write_config(tmp_path / "config", sources)
        database = config / "db.sqlite"
        child = subprocess.Popen(
            [sys.executable, "-m", "crawler.run", "--config", str(config)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and child.poll() is None:
                if database.exists() and _count(database) >= 30:
                    break
                time.sleep(0.05)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
        assert child.returncode == -signal.SIGKILL
        truth = {url_key(running.url(article)): article for article in web.articles}

    articles = rows(database, "SELECT * FROM articles")
    assert 30 <= len(articles) < len(web.articles)
    for article in articles:
        own_urls = rows(
            database,
            "SELECT status FROM article_urls WHERE article_id = ? AND url_key = ?",
            [article["id"], article["url_key"]],
        )
        assert [row["status"] for row in own_urls] == ["article"]
        story = rows(database, "SELECT * FROM stories WHERE id = ?", [article["story_id"]])
        assert story and story[0]["first_article_id"] is not None
        signature = rows(
            database, "SELECT 1 FROM article_signatures WHERE article_id = ?", [article["id"]]
        )
        assert signature
        expected_lists = truth[article["url_key"]].watchlists
        matched = rows(
            database, "SELECT watchlist FROM matches WHERE article_id = ?", [article["id"]]
        )
        assert {row["watchlist"] for row in matched} == expected_lists
    story_sizes = rows(
        database,
        "SELECT s.articles, count(a.id) AS members FROM stories s"
        " LEFT JOIN articles a ON a.story_id = s.id GROUP BY s.id",
    )
    assert all(row["articles"] == row["members"] for row in story_sizes)
    orphans = rows(
        database,
        "SELECT count(*) AS n FROM lsh_buckets WHERE article_id NOT IN (SELECT id FROM articles)",
    )
    assert orphans[0]["n"] == 0


def _count(database: Path) -> int:
    try:
        return rows(database, "SELECT count(*) AS n FROM articles")[0]["n"]
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0
