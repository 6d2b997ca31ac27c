"""What the crawler remembers between runs, and source health, on a real SQLite archive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config.schema import Source
from crawler import crawlstate
from crawler.health import quiet_threshold, source_health
from crawler.spiders.source import run_outcome
from crawler.store import open_database, to_db_time

NOW = datetime(2026, 5, 12, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=24)
KEY = "https://news.example/2026/05/12/story"


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "archive.sqlite")
    yield database
    database.close()


def _store(db, *, published_hours_ago=None, fetched_hours_ago=1.0, refetched=False, key=KEY) -> int:
    fetched = to_db_time(NOW - timedelta(hours=fetched_hours_ago))
    published = (
        to_db_time(NOW - timedelta(hours=published_hours_ago))
        if published_hours_ago is not None
        else None
    )
    article_id = (
        db["articles"]
        .insert(
            {
                "url_key": key,
                "url": key,
                "canonical_url": key,
                "title": "T",
                "body": "B",
                "content_hash": "h",
                "source": "S",
                "fetched_at": fetched,
                "first_seen_at": fetched,
                "published_at": published,
                "refetched_at": to_db_time(NOW) if refetched else None,
            }
        )
        .last_pk
    )
    db["article_urls"].insert(
        {
            "url_key": key,
            "url": key,
            "article_id": article_id,
            "source": "S",
            "status": "article",
            "first_seen_at": fetched,
        }
    )
    return int(article_id)


def _decide(db, hint=None):
    return crawlstate.url_decision(db, KEY, now=NOW, refetch_window=WINDOW, modified_hint=hint)


def test_an_unknown_url_is_fetched(db):
    assert _decide(db) == "fetch"


def test_a_skipped_url_is_never_fetched_again(db):
    db["article_urls"].insert(
        {
            "url_key": KEY,
            "url": KEY,
            "status": "skipped",
            "reason": "not an article: tag page",
            "source": "S",
        }
    )
    assert _decide(db) == "seen"
    assert _decide(db, NOW) == "seen"


def test_a_fresh_article_is_not_fetched_again_right_away(db):
    _store(db, published_hours_ago=2, fetched_hours_ago=1)
    assert _decide(db) == "seen"


def test_one_refetch_after_half_the_window(db):
    _store(db, published_hours_ago=20, fetched_hours_ago=13)
    assert _decide(db) == "refetch"


def test_one_refetch_when_the_listing_says_it_changed(db):
    _store(db, published_hours_ago=3, fetched_hours_ago=2)
    assert _decide(db, NOW - timedelta(hours=2, minutes=30)) == "seen"
    assert _decide(db, NOW - timedelta(hours=1)) == "refetch"


def test_no_second_refetch_and_none_outside_the_window(db):
    article_id = _store(db, published_hours_ago=20, fetched_hours_ago=13)
    crawlstate.mark_refetched(db, article_id, NOW)
    assert _decide(db, NOW) == "seen"
    db.execute("DELETE FROM article_urls")
    db.execute("DELETE FROM articles")
    _store(db, published_hours_ago=30, fetched_hours_ago=29)
    assert _decide(db, NOW) == "seen"


def test_first_seen_stands_in_for_a_missing_publication_date(db):
    _store(db, published_hours_ago=None, fetched_hours_ago=13)
    assert _decide(db) == "refetch"


def test_validators_round_trip_go_stale_and_are_sanitised(db):
    validators = crawlstate.Validators.from_response_headers('"v1"\r\nX-Evil: 1', "Tue, 12 May")
    assert validators.etag == '"v1"X-Evil: 1'
    crawlstate.save_validators(db, {"http://a/rss": validators}, NOW)

    assert crawlstate.load_validators(db, "http://a/rss", NOW) == validators
    assert crawlstate.load_validators(db, "http://a/rss", NOW + timedelta(hours=25)) == (
        crawlstate.Validators()
    )
    assert validators.request_headers() == {
        "If-None-Match": '"v1"X-Evil: 1',
        "If-Modified-Since": "Tue, 12 May",
    }
    crawlstate.save_validators(db, {"http://a/rss": crawlstate.Validators()}, NOW)
    assert db.execute("SELECT COUNT(*) FROM fetch_cache").fetchone()[0] == 0


def test_runs_start_finish_and_leftovers_are_closed(db):
    first = crawlstate.start_run(db, "S", NOW)
    second = crawlstate.start_run(db, "S", NOW)
    crawlstate.finish_run(
        db, first, status="ok", now=NOW, counts=crawlstate.RunCounts(3, 2), errors={"timeout": 1}
    )
    crawlstate.close_unfinished_runs(
        db, [first, second], status="timeout", message="stopped", now=NOW
    )
    runs = crawlstate.read_runs(db, [first, second])

    assert [run["status"] for run in runs] == ["ok", "timeout"]
    assert runs[0]["errors"] == '{"timeout": 1}' and runs[0]["requests"] == 3
    assert runs[1]["message"] == "stopped" and runs[1]["finished_at"]
    assert db["sources"].get("S")["last_run_id"] == second


@pytest.mark.parametrize(
    "reason, responses, status",
    [
        ("finished", 3, "ok"),
        ("finished", 0, "failed"),
        ("closespider_timeout", 5, "timeout"),
        ("shutdown", 5, "killed"),
        ("memusage_exceeded", 5, "failed"),
        ("cancelled", 5, "failed"),
    ],
)
def test_run_outcome(reason, responses, status):
    assert run_outcome(reason, responses)[0] == status


# --- health -------------------------------------------------------------------------------


def _run(db, source, hours_ago, status="ok", new=0):
    started = to_db_time(NOW - timedelta(hours=hours_ago))
    db["crawl_runs"].insert(
        {
            "source": source,
            "started_at": started,
            "finished_at": started,
            "status": status,
            "new": new,
        }
    )


def _source(name, interval="30m"):
    return Source.model_validate(
        {"name": name, "feeds": ["https://a.example/rss"], "interval": interval}
    )


def test_health_counts_failures_in_a_row_since_the_last_success(db):
    _run(db, "A", 5, new=3)
    _run(db, "A", 4, "failed")
    _run(db, "A", 3, "timeout")
    _run(db, "A", 2, "killed")
    _run(db, "A", 0, "running")
    (health,) = source_health(db, [_source("A")], NOW)

    assert health.consecutive_failures == 3
    assert health.last_status == "killed"
    assert health.last_success_at == NOW - timedelta(hours=5)
    assert not health.healthy


def test_a_source_goes_quiet_after_three_usual_gaps(db):
    # New articles every 2 hours until 13 hours ago: usual gap 2 h, threshold max(6 h, 3 h).
    for hours in (21, 19, 17, 15, 13):
        _run(db, "A", hours, new=2)
    for hours in (11, 9, 7, 5, 3, 1):
        _run(db, "A", hours)
    (health,) = source_health(db, [_source("A")], NOW)

    assert health.usual_gap == timedelta(hours=2)
    assert health.quiet_after == timedelta(hours=6)
    assert health.quiet and "went quiet" in health.summary()
    (later,) = source_health(db, [_source("A")], NOW - timedelta(hours=8))
    assert not later.quiet


def test_the_interval_floor_applies_without_a_usual_gap(db):
    _run(db, "A", 4, new=5)
    _run(db, "A", 1)
    (health,) = source_health(db, [_source("A", interval="1h")], NOW)

    assert health.usual_gap is None
    assert health.quiet_after == timedelta(hours=6)
    assert not health.quiet
    assert quiet_threshold(timedelta(hours=1), timedelta(hours=5)) == timedelta(hours=15)


def test_a_source_that_never_found_anything_goes_quiet(db):
    _run(db, "A", 10)
    _run(db, "A", 1)
    (health,) = source_health(db, [_source("A", interval="1h")], NOW)
    assert health.quiet and health.last_new_at is None


def test_a_never_crawled_source(db):
    (health,) = source_health(db, [_source("B")], NOW)
    assert health.last_run_at is None and not health.quiet
    assert health.summary() == "B: never crawled"
