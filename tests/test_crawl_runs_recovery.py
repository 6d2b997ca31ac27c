"""Crawl runs never stay "running" for ever: a lost child status, and a killed service."""

from __future__ import annotations

import signal
import sqlite3
from datetime import timedelta
from pathlib import Path

from crawler.store import open_database, to_db_time, utcnow
from scheduler.crawl import run_crawl
from tests.crawl_support import rows
from tests.crawl_support import write_config as write_crawl_config
from tests.newsweb import RunningWeb
from tests.service_support import ServiceProcess, write_config


def test_a_child_reaped_elsewhere_still_leaves_finished_runs(make_served_web, tmp_path):
    web: RunningWeb = make_served_web(seed=3, sites=1, articles_per_site=5, hostile=False)
    site = web.web.sites[0]
    config = write_crawl_config(
        tmp_path / "config", [{"name": site.name, "feeds": [web.base_url(site.name) + "/rss.xml"]}]
    )
    # With SIGCHLD ignored the kernel reaps the child itself, so its status cannot be read.
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        result = run_crawl(config, time_limit=120)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    assert result.exit_code is None
    assert result.cpu_seconds is None
    # The child closed its own run: the crawl counts, and nothing is left "running".
    assert result.status == "ok"
    database = tmp_path / "config" / "db.sqlite"
    stored = rows(database, "SELECT count(*) AS n FROM articles")[0]["n"]
    assert stored > 0
    assert rows(database, "SELECT status, new FROM crawl_runs") == [{"status": "ok", "new": stored}]


def _insert_run(database: Path, source: str, started_ago: timedelta) -> int:
    db = open_database(database)
    try:
        db.execute(
            "INSERT INTO sources (name, first_seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [source, to_db_time(utcnow())],
        )
        cursor = db.execute(
            "INSERT INTO crawl_runs (source, started_at, status) VALUES (?, ?, 'running')",
            [source, to_db_time(utcnow() - started_ago)],
        )
        db.conn.commit()
        return int(cursor.lastrowid)
    finally:
        db.close()


def test_the_service_fails_runs_abandoned_by_a_killed_process(tmp_path):
    config = write_config(
        tmp_path,
        sources=[{"name": "quiet", "feeds": ["http://127.0.0.1:9/rss.xml"], "interval": "1d"}],
        watchlists=[{"name": "any", "query": "ceasefire", "recipients": ["a@example.org"]}],
    )
    database = tmp_path / "data" / "presswatch.db"
    database.parent.mkdir()
    # A run from a crawl killed with its service two days ago, and one a one-off `presswatch
    # crawl` started a minute ago beside the service (it may still be going).
    abandoned = _insert_run(database, "quiet", timedelta(days=2))
    recent = _insert_run(database, "quiet", timedelta(minutes=1))

    service = ServiceProcess(config)
    try:
        service.wait_for_log("presswatch service started")
    finally:
        service.stop()
    assert "1 crawl runs left 'running' by a killed process marked failed" in service.log

    connection = sqlite3.connect(database)
    try:
        statuses = dict(
            connection.execute(
                "SELECT id, status FROM crawl_runs WHERE id IN (?, ?)", [abandoned, recent]
            ).fetchall()
        )
        message = connection.execute(
            "SELECT message FROM crawl_runs WHERE id = ?", [abandoned]
        ).fetchone()[0]
    finally:
        connection.close()
    assert statuses == {abandoned: "failed", recent: "running"}
    assert message.startswith("abandoned")
