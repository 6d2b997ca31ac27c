"""``presswatch status`` (text and ``--json``) from a real archive with literal rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config import load_config
from crawler.store import open_database, to_db_time, write_transaction
from scheduler.cli import main
from scheduler.status import format_text, status_report
from tests.service_support import write_config

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def configured(tmp_path: Path) -> Path:
    config = write_config(
        tmp_path,
        sources=[
            {"name": "Ledger", "feeds": ["http://127.0.0.1:9/rss.xml"], "interval": "15m"},
            {"name": "Post", "feeds": ["http://127.0.0.1:9/post.xml"], "interval": "1h"},
            {"name": "Idle", "feeds": ["http://127.0.0.1:9/idle.xml"], "enabled": False},
        ],
        watchlists=[
            {
                "name": "Gaza",
                "query": "gaza",
                "recipients": ["desk@example.org", "analyst@example.org"],
                "digest": {"times": ["07:00", "18:00"], "timezone": "Asia/Kolkata"},
            },
            {"name": "Rafah", "query": "rafah", "digest": {"enabled": False}, "instant": True},
        ],
    )
    db = open_database(tmp_path / "data" / "presswatch.db")
    runs = [
        ("Ledger", NOW - timedelta(hours=30), "ok", 5, None),
        ("Ledger", NOW - timedelta(minutes=10), "ok", 3, None),
        ("Post", NOW - timedelta(hours=3), "ok", 2, None),
        ("Post", NOW - timedelta(hours=2), "failed", 0, "HTTP 503\nfrom \x1b[31mserver"),
        ("Post", NOW - timedelta(hours=1), "timeout", 0, "stopped at the 1200 s time limit"),
    ]
    with write_transaction(db):
        for source, started, status, new, message in runs:
            db["crawl_runs"].insert(
                {
                    "source": source,
                    "started_at": to_db_time(started),
                    "finished_at": to_db_time(started + timedelta(minutes=1)),
                    "status": status,
                    "new": new,
                    "message": message,
                }
            )
        for article_id, seen in ((1, NOW - timedelta(hours=2)), (2, NOW - timedelta(days=3))):
            db["articles"].insert(
                {
                    "id": article_id,
                    "url_key": f"k{article_id}",
                    "url": f"https://news.example/{article_id}",
                    "canonical_url": f"https://news.example/{article_id}",
                    "title": "Gaza",
                    "body": "Gaza",
                    "content_hash": f"h{article_id}",
                    "source": "Ledger",
                    "fetched_at": to_db_time(seen),
                    "first_seen_at": to_db_time(seen),
                }
            )
            db["matches"].insert(
                {"article_id": article_id, "watchlist": "Gaza", "matched_at": to_db_time(seen)}
            )
        digest = {
            "watchlist": "Gaza",
            "channel": "email",
            "kind": "digest",
            "period": "2026-11-25T07:00",
            "created_at": to_db_time(NOW - timedelta(hours=3, minutes=30)),
        }
        db["digests"].insert_all(
            [
                dict(
                    digest,
                    id="d1",
                    recipient="desk@example.org",
                    status="sent",
                    message_id="<d1@x>",
                    sent_at=to_db_time(NOW - timedelta(hours=3)),
                ),
                dict(
                    digest,
                    id="d2",
                    recipient="analyst@example.org",
                    status="pending",
                    attempts=2,
                    message_id="<d2@x>",
                    last_error="451 try again later",
                    next_attempt_at=to_db_time(NOW + timedelta(minutes=5)),
                ),
            ]
        )
    db.close()
    return config


def test_status_reports_sources_watch_lists_errors_and_counts(
    configured: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(configured.parent)
    report = status_report(load_config(configured), now=NOW)

    assert report["service"] == {"running": False, "pid": None}
    assert report["last_24h"] == {"articles": 1, "matches": 1}
    sources = {source["name"]: source for source in report["sources"]}
    assert sources["Ledger"]["last_run"]["status"] == "ok"
    assert sources["Ledger"]["next_run_at"] == to_db_time(NOW + timedelta(minutes=5))
    assert sources["Post"]["consecutive_failures"] == 2
    assert sources["Post"]["next_run_at"] == to_db_time(NOW)  # its hour is up: due now
    assert sources["Idle"]["last_run"] is None and sources["Idle"]["next_run_at"] is None
    gaza, rafah = report["watchlists"]
    assert gaza["last_digest"]["period"] == "2026-11-25T07:00"
    # 18:00 in Kolkata (UTC+5:30) is 12:30 UTC, the next slot after 12:00 UTC.
    assert gaza["next_digest_at"] == "2026-11-25T12:30:00+00:00"
    assert (gaza["pending"], gaza["failed"], gaza["matches_24h"]) == (1, 0, 1)
    assert rafah["next_digest_at"] is None and rafah["instant"] is True
    assert [digest["recipient"] for digest in report["digests"]] == ["analyst@example.org"]
    assert [(error["what"], error["status"]) for error in report["recent_errors"]] == [
        ("crawl of Post", "timeout"),
        ("crawl of Post", "failed"),
        ("digest Gaza to analyst@example.org", "pending"),
    ]
    assert report["problems"] == ["the service is not running"]


def test_status_text_is_one_screen_without_control_characters(
    configured: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(configured.parent)
    text = format_text(status_report(load_config(configured), now=NOW))
    assert "\x1b" not in text
    assert "HTTP 503 from [31mserver" in text  # the message's line break and escape flattened
    assert "failed 2 times in a row" in text
    assert "next digest 2026-11-25T12:30:00+00:00 (07:00, 18:00 Asia/Kolkata)" in text
    assert "Gaza to analyst@example.org 2026-11-25T07:00: pending after 2 attempts" in text
    assert len(text.splitlines()) < 60


def test_status_command_prints_json_and_fails_clearly_without_a_database(
    configured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(configured.parent)
    assert main(["--config", str(configured), "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [source["name"] for source in report["sources"]] == ["Ledger", "Post", "Idle"]

    (configured.parent / "data" / "presswatch.db").rename(configured.parent / "elsewhere.db")
    assert main(["--config", str(configured), "status"]) == 1
    assert "no database at" in capsys.readouterr().err
