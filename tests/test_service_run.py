"""``presswatch run`` as a real subprocess: local news web, aiosmtpd, real signals.

Each test starts the service through tests/service_harness.py, which only moves the process's
wall clock so that a digest time falls some seconds after start (digest times have minute
resolution). Crawls are real crawl children against the local news web; mail goes to a real
aiosmtpd server on 127.0.0.1. The ledger and the SMTP sink are compared at the end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil
import pytest

from crawler.store import open_database
from scheduler.crawl import run_crawl
from tests.newsweb import GAZA, RAFAH, WATCHLISTS, RunningWeb
from tests.service_support import (
    ROOT,
    ServiceProcess,
    wait_until,
    write_config,
    write_watchlist,
)
from tests.smtp_faults import RecordingHandler, smtp_server

pytestmark = pytest.mark.slow


@pytest.fixture
def smtp() -> Iterator[tuple[RecordingHandler, int]]:
    handler = RecordingHandler()
    with smtp_server(handler) as port:
        yield handler, port


@pytest.fixture
def web(make_served_web) -> RunningWeb:
    return make_served_web(seed=7, sites=2, articles_per_site=12, hostile=False)


def sources_of(web: RunningWeb, interval: str = "3s") -> list[dict]:
    return [
        {"name": site.name, "feeds": [web.base_url(site.name) + "/rss.xml"], "interval": interval}
        for site in web.web.sites
    ]


def digest_time_ahead(seconds: float) -> datetime:
    """A whole minute at least ``seconds`` from now (digest times are HH:MM)."""
    now = datetime.now(UTC)
    moment = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    while moment - now < timedelta(seconds=seconds):
        moment += timedelta(minutes=1)
    return moment


def local_hhmm(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def ledger(config: Path, sql: str, *parameters: object) -> list[dict]:
    db = open_database(config.parent / "data" / "presswatch.db", migrate=False)
    try:
        return list(db.query(sql, list(parameters)))
    finally:
        db.close()


def received_by_message_id(handler: RecordingHandler) -> dict[str, list]:
    received: dict[str, list] = {}
    for item in list(handler.received):
        received.setdefault(str(item.message["Message-ID"]), []).append(item)
    return received


def text_of(item) -> str:
    return item.message.get_body(preferencelist=("plain",)).get_content()


def test_digests_carry_every_match_once_instant_alerts_follow_crawls_and_sigterm_stops(
    tmp_path: Path, web: RunningWeb, smtp: tuple[RecordingHandler, int]
) -> None:
    handler, port = smtp
    due = digest_time_ahead(25)
    config = write_config(
        tmp_path,
        sources=sources_of(web),
        smtp_port=port,
        watchlists=[
            {
                "name": GAZA,
                "query": WATCHLISTS[GAZA],
                "recipients": ["desk@example.org", "analyst@example.org"],
                "digest": {
                    "times": [local_hhmm(due, "Asia/Kolkata")],
                    "timezone": "Asia/Kolkata",
                    "send_empty": True,
                },
            },
            {
                "name": RAFAH,
                "query": WATCHLISTS[RAFAH],
                "recipients": ["border@example.org"],
                "instant": True,
                "digest": {"times": [local_hhmm(due, "UTC")]},
            },
        ],
    )
    # The archive already holds a first crawl, so the first digests have something to carry.
    assert run_crawl(config).status == "ok"
    service = ServiceProcess(config, clock=due - timedelta(seconds=20))
    try:
        service.wait_for_log("presswatch service started")
        service.wait_for_log(f"scheduled digest:{GAZA}")
        # A fresh install: the latest slot already past is sent at once, with every match.
        wait_until(lambda: len(sent_digests(config, GAZA)) == 2, 30, "the first digests")

        site = web.web.sites[0].name
        new_gaza = web.web.add_articles(2, site, watchlist=GAZA)
        new_rafah = web.web.add_articles(2, site, watchlist=RAFAH)
        new_rafah_urls = {web.url(article) for article in new_rafah}

        def instant_alert_arrived() -> bool:
            rows = ledger(config, "SELECT message_id FROM digests WHERE kind = 'instant'")
            got = received_by_message_id(handler)
            return any(row["message_id"] in got for row in rows)

        wait_until(instant_alert_arrived, 45, "an instant alert for the new Rafah articles")
        period = due.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%Y-%m-%dT%H:%M")
        wait_until(
            lambda: len(sent_digests(config, GAZA, period)) == 2,
            60,
            "both recipients' digests due at the configured time",
        )

        # SIGTERM while a crawl child runs: exit 0 within 30 s, the crawl killed and recorded.
        children = wait_until(
            lambda: psutil.Process(service.pid).children(), 30, "a running crawl child"
        )
        stopped_at = time.monotonic()
        service.signal(signal.SIGTERM)
        assert service.wait(timeout=30) == 0
        assert time.monotonic() - stopped_at < 30
        assert not any(child.is_running() and child.status() != "zombie" for child in children)
    finally:
        service.stop()
    assert "received SIGTERM: stopping" in service.log
    assert "presswatch service stopped" in service.log
    assert "Traceback" not in service.log

    digests = ledger(config, "SELECT * FROM digests ORDER BY created_at")
    received = received_by_message_id(handler)
    # Exactly once: every sent ledger row arrived once, and nothing arrived that is not sent.
    sent = [row for row in digests if row["status"] == "sent"]
    assert sorted(received) == sorted(row["message_id"] for row in sent)
    assert all(len(copies) == 1 for copies in received.values())
    gaza_rows = [row for row in sent if row["watchlist"] == GAZA]
    assert Counter(row["recipient"] for row in gaza_rows) == {
        "desk@example.org": 2,
        "analyst@example.org": 2,
    }

    # Every match up to the last digest is in exactly one digest per recipient, and the message
    # received for each digest carries all of its articles.
    last_gaza = max(row["created_at"] for row in gaza_rows)
    matched = ledger(
        config,
        "SELECT a.id, a.url FROM matches m JOIN articles a ON a.id = m.article_id"
        " WHERE m.watchlist = ? AND m.matched_at <= ?",
        GAZA,
        last_gaza,
    )
    assert len(matched) > len(new_gaza)  # the primed crawl's matches and the new ones
    for recipient in ("desk@example.org", "analyst@example.org"):
        carried = ledger(
            config,
            "SELECT d.article_id, g.message_id FROM digest_articles d"
            " JOIN digests g ON g.id = d.digest_id WHERE d.watchlist = ? AND d.recipient = ?",
            GAZA,
            recipient,
        )
        assert Counter(row["article_id"] for row in carried) == {row["id"]: 1 for row in matched}
        for message_id, count in Counter(row["message_id"] for row in carried).items():
            (item,) = received[message_id]
            assert str(item.message["To"]) == recipient
            assert f"({count} {'article' if count == 1 else 'articles'})" in text_of(item)
    assert {web.url(article) for article in new_gaza} <= {row["url"] for row in matched}

    instant = [row for row in sent if row["kind"] == "instant"]
    instant_urls = {
        row["url"]
        for row in ledger(
            config,
            "SELECT a.url FROM digest_articles d JOIN articles a ON a.id = d.article_id"
            " WHERE d.stream = 'instant'",
        )
    }
    assert instant and new_rafah_urls <= instant_urls
    runs = ledger(config, "SELECT status FROM crawl_runs ORDER BY id")
    # The child seen just before SIGTERM may have finished on its own in the meantime; either
    # way no run is left "running".
    assert runs[-1]["status"] in ("killed", "ok")
    assert all(row["status"] in ("ok", "killed") for row in runs)


def sent_digests(config: Path, watchlist: str, period: str | None = None) -> list[dict]:
    return [
        row
        for row in ledger(
            config, "SELECT * FROM digests WHERE watchlist = ? AND status = 'sent'", watchlist
        )
        if period is None or row["period"] == period
    ]


def test_sighup_schedules_an_added_watch_list_keeps_a_bad_config_and_a_second_instance_is_refused(
    tmp_path: Path, web: RunningWeb, smtp: tuple[RecordingHandler, int]
) -> None:
    handler, port = smtp
    config = write_config(
        tmp_path,
        sources=sources_of(web, interval="1h"),
        smtp_port=port,
        watchlists=[
            {"name": GAZA, "query": WATCHLISTS[GAZA], "digest": {"times": ["07:00"]}},
        ],
    )
    assert run_crawl(config).status == "ok"
    service = ServiceProcess(config, extra_args=["--log-json"])
    try:
        service.wait_for_log("presswatch service started")

        # A second service on the same database is refused at once, naming the first one.
        started = time.monotonic()
        second = subprocess.run(
            [sys.executable, "-m", "scheduler.cli", "--config", str(config), "run"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=30,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )
        assert time.monotonic() - started < 5
        assert second.returncode in (1, 2)
        assert f"pid {service.pid}" in second.stderr
        assert str(tmp_path / "data" / "presswatch.db") in second.stderr

        # An invalid configuration is rejected and the running one kept.
        bad = write_watchlist(config, "bad", {"name": "Bad", "query": '"unclosed'})
        service.signal(signal.SIGHUP)
        service.wait_for_log("configuration reload rejected")
        assert service.process.poll() is None
        bad.unlink()

        # An added watch list is scheduled, and its first digest goes out.
        due = digest_time_ahead(5)
        write_watchlist(
            config,
            "rafah",
            {
                "name": RAFAH,
                "query": WATCHLISTS[RAFAH],
                "recipients": ["border@example.org"],
                "digest": {
                    "times": [local_hhmm(due, "Europe/Berlin")],
                    "timezone": "Europe/Berlin",
                },
            },
        )
        service.signal(signal.SIGHUP)
        line = service.wait_for_log(f"scheduled digest:{RAFAH}")
        assert local_hhmm(due, "Europe/Berlin") in line and "Europe/Berlin" in line
        service.wait_for_log(f"added digest:{RAFAH}")
        wait_until(
            lambda: ledger(
                config, "SELECT id FROM digests WHERE watchlist = ? AND status = 'sent'", RAFAH
            ),
            30,
            "the added list's first digest",
        )
        service.signal(signal.SIGTERM)
        assert service.wait(timeout=30) == 0
    finally:
        service.stop()
    rows = ledger(config, "SELECT * FROM digests WHERE watchlist = ?", RAFAH)
    assert [row["recipient"] for row in rows] == ["border@example.org"]
    assert [str(item.message["To"]) for item in handler.received] == ["border@example.org"]
    # --log-json: every line is one JSON object with time, level, logger and message.
    entries = [json.loads(line) for line in service.lines]
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    assert any(entry["message"].startswith("configuration reload rejected") for entry in entries)
    assert not any("exception" in entry for entry in entries)


def test_after_sigkill_a_digest_due_while_down_is_sent_once_on_restart(
    tmp_path: Path, web: RunningWeb, smtp: tuple[RecordingHandler, int]
) -> None:
    handler, port = smtp
    due = digest_time_ahead(40)
    config = write_config(
        tmp_path,
        sources=sources_of(web, interval="1h"),
        smtp_port=port,
        watchlists=[
            {
                "name": GAZA,
                "query": WATCHLISTS[GAZA],
                "recipients": ["desk@example.org"],
                "digest": {
                    "times": [local_hhmm(due, "America/New_York")],
                    "timezone": "America/New_York",
                },
            }
        ],
    )
    assert run_crawl(config).status == "ok"
    # The service's clock runs ahead of the real one (never behind: articles found by the
    # crawl children carry real times), here 30 s before the digest time.
    first = ServiceProcess(config, clock=due - timedelta(seconds=30))
    try:
        first.wait_for_log("presswatch service started")
        wait_until(lambda: len(handler.received) == 1, 30, "the first digest")
        first.signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        first.stop()
    # Meanwhile the crawler (run by hand here) finds two more matching articles.
    new = web.web.add_articles(2, web.web.sites[0].name, watchlist=GAZA)
    assert run_crawl(config).new >= 2
    period = due.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%dT%H:%M")
    assert not ledger(config, "SELECT id FROM digests WHERE period = ?", period)

    # The lock died with the process; the digest time passes while the service is down.
    second = ServiceProcess(config, clock=due + timedelta(minutes=2))
    try:
        second.wait_for_log("presswatch service started")
        wait_until(
            lambda: ledger(
                config, "SELECT id FROM digests WHERE period = ? AND status = 'sent'", period
            ),
            30,
            "the digest that fell due while the service was down",
        )
        status = subprocess.run(
            [sys.executable, "-m", "scheduler.cli", "--config", str(config), "status", "--json"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )
        backup = subprocess.run(
            [
                sys.executable,
                "-m",
                "scheduler.cli",
                "--config",
                str(config),
                "backup",
                str(tmp_path / "backup.db"),
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )
        time.sleep(3)  # a few more due checks: nothing more may be sent
        second.signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
    finally:
        second.stop()

    rows = ledger(config, "SELECT * FROM digests ORDER BY period")
    assert [row["status"] for row in rows] == ["sent", "sent"]
    assert rows[1]["period"] == period and rows[1]["kind"] == "digest"
    assert Counter(handler.message_ids()) == {row["message_id"]: 1 for row in rows}
    carried = ledger(
        config,
        "SELECT a.url FROM digest_articles d JOIN articles a ON a.id = d.article_id"
        " WHERE d.digest_id = ?",
        rows[1]["id"],
    )
    assert {row["url"] for row in carried} == {web.url(article) for article in new}

    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["service"] == {"running": True, "pid": second.pid}
    assert [source["name"] for source in report["sources"]] == [s.name for s in web.web.sites]
    assert all(source["last_run"]["status"] == "ok" for source in report["sources"])
    assert report["watchlists"][0]["last_digest"]["period"] == period
    assert report["last_24h"]["matches"] == len(ledger(config, "SELECT * FROM matches"))

    assert backup.returncode == 0, backup.stderr
    copy = open_database(tmp_path / "backup.db", migrate=False)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy["articles"].count > 0
    copy.close()


def test_a_digest_that_fell_due_during_a_suspend_is_sent_right_after_it(
    tmp_path: Path, smtp: tuple[RecordingHandler, int]
) -> None:
    """SIGSTOP, then SIGCONT with the wall clock one hour on, as after a suspend (T5)."""
    handler, port = smtp
    due = digest_time_ahead(3600 + 40)
    config = write_config(
        tmp_path,
        sources=[{"name": "Offline", "feeds": ["http://127.0.0.1:9/rss.xml"], "interval": "1h"}],
        smtp_port=port,
        watchlists=[
            {
                "name": GAZA,
                "query": WATCHLISTS[GAZA],
                "recipients": ["desk@example.org"],
                "digest": {
                    "times": [local_hhmm(due, "Australia/Lord_Howe")],
                    "timezone": "Australia/Lord_Howe",
                    "send_empty": True,
                },
            }
        ],
    )
    shift = tmp_path / "shift"
    service = ServiceProcess(config, clock=due - timedelta(hours=1), shift_file=shift)
    try:
        service.wait_for_log("presswatch service started")
        wait_until(lambda: len(handler.received) == 1, 30, "the first digest")
        service.signal(signal.SIGSTOP)
        shift.write_text("3600")  # seen after SIGCONT: the clock is then one hour on
        time.sleep(1)
        resumed = time.monotonic()
        service.signal(signal.SIGCONT)
        service.wait_for_log("the clock was set forward by 3600 s", timeout=30)
        wait_until(lambda: len(handler.received) == 2, 30, "the digest due during the suspend")
        assert time.monotonic() - resumed < 60
        time.sleep(2)
        service.signal(signal.SIGTERM)
        assert service.wait(timeout=30) == 0
    finally:
        service.stop()
    period = due.astimezone(ZoneInfo("Australia/Lord_Howe")).strftime("%Y-%m-%dT%H:%M")
    rows = ledger(config, "SELECT * FROM digests ORDER BY period")
    assert [(row["period"] == period, row["status"]) for row in rows] == [
        (False, "sent"),
        (True, "sent"),
    ]
    assert sorted(handler.message_ids()) == sorted(row["message_id"] for row in rows)
