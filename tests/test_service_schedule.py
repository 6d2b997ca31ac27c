"""The service's schedule in-process, on a fake clock: DST, outages, clock jumps, reloads.

The due computation itself (which slot is due when) is tested in test_alerts_due.py. Here the
service's use of it is tested: ``Service.check_due`` is called the way the ``due-check`` job
calls it, with the service's clock stepping through weeks around every DST change of four
timezones and through a three-day outage, and the ledger must hold exactly one digest per local
date (one catch-up for the outage) with every matched article in exactly one of them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crawler.store import from_db_time, open_database, to_db_time, write_transaction
from scheduler.clock import ClockJump, ClockWatch
from scheduler.service import CatchUpIntervalTrigger, Service, digest_trigger
from tests.service_support import wait_until, write_config, write_watchlist

SOURCE = {"name": "Local", "feeds": ["http://127.0.0.1:9/feed.xml"], "interval": "15m"}

# One list per timezone; the times sit in the DST gap or overlap of that zone.
LISTS = {
    "Berlin": ("Europe/Berlin", ["02:30"]),  # gap 02:00-03:00 in March, overlap in October
    "New York": ("America/New_York", ["01:30", "02:30"]),  # overlap 01:00-02:00, gap 02:00-03:00
    "Lord Howe": ("Australia/Lord_Howe", ["01:45", "02:15"]),  # 30-minute DST: overlap / gap
    "Kolkata": ("Asia/Kolkata", ["07:00"]),  # no DST
}
RECIPIENTS = {"Berlin": ["a@example.org", "b@example.org"]}

# (timeline start, end): each spans three DST changes; the outage is inside the second one.
WINDOWS = [
    (datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 4, 8, tzinfo=UTC)),
    (datetime(2026, 9, 30, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC)),
]
OUTAGE = (datetime(2026, 10, 10, 12, tzinfo=UTC), datetime(2026, 10, 13, 12, tzinfo=UTC))
# The service checks the ledger every minute; the simulation does too around the DST changes and
# every half hour elsewhere, to stay fast.
STEP = timedelta(minutes=30)
FINE_STEP = timedelta(minutes=1)
FINE_AROUND = timedelta(hours=2)

# When the slot on a DST day fires (UTC), worked out by hand from the tz database.
DST_DAY_FIRES = {
    ("Berlin", "2026-03-29T02:30"): datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # gap: at 03:00
    ("Berlin", "2026-10-25T02:30"): datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 1st of two
    ("New York", "2026-03-08T02:30"): datetime(2026, 3, 8, 7, 0, tzinfo=UTC),  # gap: at 03:00
    ("New York", "2026-11-01T01:30"): datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # 1st, EDT
    ("Lord Howe", "2026-10-04T02:15"): datetime(2026, 10, 3, 15, 30, tzinfo=UTC),  # gap: 02:30
    ("Lord Howe", "2026-04-05T01:45"): datetime(2026, 4, 4, 14, 45, tzinfo=UTC),  # 1st, +11
}


class SteppingClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def dst_config(folder: Path) -> Path:
    watchlists = [
        {
            "name": name,
            "query": "gaza",
            "recipients": RECIPIENTS.get(name, ["desk@example.org"]),
            "digest": {"times": times, "timezone": zone},
        }
        for name, (zone, times) in LISTS.items()
    ]
    return write_config(folder, sources=[SOURCE], watchlists=watchlists)


def add_matched_article(db, article_id: int, watchlist: str, seen: datetime) -> None:
    with write_transaction(db):
        db["articles"].insert(
            {
                "id": article_id,
                "url_key": f"https://news.example/{article_id}",
                "url": f"https://news.example/{article_id}",
                "canonical_url": f"https://news.example/{article_id}",
                "title": f"Gaza ceasefire talks, part {article_id}",
                "body": "Negotiators met on the Gaza ceasefire.",
                "content_hash": f"h{article_id}",
                "source": "Local",
                "fetched_at": to_db_time(seen),
                "first_seen_at": to_db_time(seen),
            }
        )
        db["matches"].insert(
            {"article_id": article_id, "watchlist": watchlist, "matched_at": to_db_time(seen)}
        )


def simulate(folder: Path, start: datetime, end: datetime) -> tuple[list, list, list, list]:
    """Run the service's due check from ``start`` to ``end`` (not during OUTAGE), every minute
    within two hours of a DST change and every STEP elsewhere.

    The crawler "matches" an article for every list every five hours, also during the outage.
    Returns the ledger rows and the times the check ran.
    """
    clock = SteppingClock(start)
    service = Service(dst_config(folder), clock=clock)
    db = open_database(service.database)
    checks = []
    article_id = 0
    while clock.now < end:
        if clock.now.minute == 0 and clock.now.hour % 5 == 0:
            for name in LISTS:
                article_id += 1
                add_matched_article(db, article_id, name, clock.now)
        if not OUTAGE[0] <= clock.now < OUTAGE[1]:
            service.check_due()
            checks.append(clock.now)
        near_dst_change = any(
            abs(clock.now - fire) < FINE_AROUND for fire in DST_DAY_FIRES.values()
        )
        clock.now += FINE_STEP if near_dst_change else STEP
    rows = list(db.query("SELECT * FROM digests ORDER BY watchlist, recipient, period"))
    claims = list(db.query("SELECT * FROM digest_articles"))
    matches = list(db.query("SELECT * FROM matches"))
    db.close()
    return rows, checks, claims, matches


@pytest.mark.slow
@pytest.mark.parametrize("window", range(len(WINDOWS)), ids=["march-april", "october-november"])
def test_one_digest_per_local_slot_across_dst_and_one_catch_up_after_three_days_down(
    tmp_path: Path, window: int
) -> None:
    start, end = WINDOWS[window]
    rows, checks, claims, matches = simulate(tmp_path, start, end)

    # Exactly the digests the documented rules give (an independent model of them, below).
    got = {(r["watchlist"], r["recipient"], r["period"], r["kind"]) for r in rows}
    expected = {
        (name, recipient, period, kind)
        for name, (zone, times) in LISTS.items()
        for recipient in RECIPIENTS.get(name, ["desk@example.org"])
        for period, kind in expected_digests(zone, times, checks)
    }
    assert got == expected, (sorted(got - expected)[:5], sorted(expected - got)[:5])
    # One row per list, recipient, local date and slot time; nothing was sent twice.
    assert (
        Counter((r["watchlist"], r["recipient"], r["period"]) for r in rows).most_common(1)[0][1]
        == 1
    )
    if window == 1:
        assert sum(r["kind"] == "catch-up" for r in rows) == 5  # one per list and recipient
    # A slot on a DST day fires at the documented instant (within one check step).
    for row in rows:
        fire = DST_DAY_FIRES.get((row["watchlist"], row["period"]))
        if fire is not None:
            created = from_db_time(row["created_at"])
            assert fire <= created < fire + FINE_STEP, (row["watchlist"], row["period"], created)
    assert {(w, p) for (w, p) in DST_DAY_FIRES if start <= DST_DAY_FIRES[(w, p)] < end} <= {
        (r["watchlist"], r["period"]) for r in rows
    }

    # I1: every article matched before a list's last digest reaches each recipient exactly once.
    claimed = Counter((c["watchlist"], c["recipient"], c["article_id"]) for c in claims)
    assert set(claimed.values()) == {1}
    for name in LISTS:
        last_digest = max(r["created_at"] for r in rows if r["watchlist"] == name)
        due = {
            m["article_id"]
            for m in matches
            if m["watchlist"] == name and m["matched_at"] <= last_digest
        }
        for recipient in RECIPIENTS.get(name, ["desk@example.org"]):
            assert {a for (w, r, a) in claimed if (w, r) == (name, recipient)} == due


def expected_digests(zone: str, times: list[str], checks: list[datetime]) -> list[tuple[str, str]]:
    """The documented policy, modelled independently of alerts.due.

    A slot is due once its fire instant has passed (a time in a DST gap fires at the jump, a
    repeated time at its first occurrence). The first check sends only the latest past slot;
    a check that finds several due slots sends one catch-up named after the latest.
    """
    tz = ZoneInfo(zone)
    first_day = checks[0].astimezone(tz).date() - timedelta(days=2)
    last_day = checks[-1].astimezone(tz).date() + timedelta(days=1)
    slots = []
    day = first_day
    while day <= last_day:
        slots += [
            (_fire(day, clock_time, tz), f"{day.isoformat()}T{clock_time}") for clock_time in times
        ]
        day += timedelta(days=1)
    slots.sort()
    digests, handled = [], None
    for check in checks:
        due = [
            period
            for fire, period in slots
            if fire <= check and (handled is None or period > handled)
        ]
        if handled is None:
            due = due[-1:]
        if due:
            digests.append((due[-1], "digest" if len(due) == 1 else "catch-up"))
            handled = due[-1]
    return digests


def _fire(day: date, clock_time: str, tz: ZoneInfo) -> datetime:
    hour, minute = map(int, clock_time.split(":"))
    naive = datetime(day.year, day.month, day.day, hour, minute)
    moment = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != naive:  # in a gap: fires at the jump
        while (moment - timedelta(minutes=1)).astimezone(tz).replace(tzinfo=None) >= naive:
            moment -= timedelta(minutes=1)
    return moment


@pytest.mark.parametrize("name", list(LISTS))
def test_cron_wake_ups_cover_every_local_slot_of_a_year(name: str) -> None:
    """The digest job's cron trigger wakes the service for every slot of 2026, DST days too.

    On a normal day it fires exactly when the slot falls due. On a spring-forward day
    APScheduler fires a skipped time one DST offset late (the minutely due-check sends it
    on time); on a fall-back day it fires a repeated time twice (the ledger sends it once).
    """
    zone, times = LISTS[name]
    tz = ZoneInfo(zone)
    trigger = digest_trigger(_watchlist(times), zone)
    start = datetime(2026, 1, 1, tzinfo=tz)
    end = datetime(2027, 1, 1, tzinfo=tz)
    fires, moment = [], None
    while True:
        moment = trigger.get_next_fire_time(moment, moment or start)
        if moment >= end:
            break
        fires.append(moment.astimezone(UTC))
    late = []
    day = start.date()
    while day < end.date():
        for clock_time in times:
            due = _fire(day, clock_time, tz)
            first_wake = min(fire for fire in fires if fire >= due)
            if first_wake != due:
                late.append((day, first_wake - due))
        day += timedelta(days=1)
    # Late only on the spring-forward day, by the DST offset minus the slot's distance from the
    # jump (02:30 in a 02:00-03:00 gap: woken at 03:30, due at 03:00); the due-check job, every
    # minute, sends it on time. The repeated slot of the fall-back day wakes the service twice.
    late_on_spring_day = {
        "Europe/Berlin": timedelta(minutes=30),
        "America/New_York": timedelta(minutes=30),
        "Australia/Lord_Howe": timedelta(minutes=15),
    }
    if zone in late_on_spring_day:
        assert [delay for _day, delay in late] == [late_on_spring_day[zone]]
        assert len(fires) == len(times) * 365 + 1
    else:
        assert late == []
        assert len(fires) == len(times) * 365


def _watchlist(times: list[str]):
    from config import WatchList

    return WatchList.model_validate({"name": "x", "query": "gaza", "digest": {"times": times}})


def test_catch_up_interval_trigger_steps_over_ten_years_at_once() -> None:
    from apscheduler.job import Job
    from apscheduler.schedulers.background import BackgroundScheduler

    start = datetime(2026, 1, 1, tzinfo=UTC)
    trigger = CatchUpIntervalTrigger(seconds=3, start_date=start, timezone=UTC)
    job = Job(
        BackgroundScheduler(),
        id="crawl:x",
        func=print,
        trigger=trigger,
        executor="default",
        args=(),
        kwargs={},
        name="crawl:x",
        misfire_grace_time=None,
        coalesce=True,
        max_instances=1,
        next_run_time=start,
    )
    ten_years_later = start + timedelta(days=3653)
    began = time.monotonic()
    run_times = job._get_run_times(ten_years_later)  # what APScheduler does at each wake-up
    assert time.monotonic() - began < 1
    assert run_times[0] == start and len(run_times) <= 2
    following = trigger.get_next_fire_time(run_times[-1], ten_years_later)
    assert ten_years_later < following <= ten_years_later + timedelta(seconds=3)


class FakeClocks:
    def __init__(self) -> None:
        self.wall, self.monotonic, self.boot = 1_800_000_000.0, 1000.0, 1000.0

    def advance(self, seconds: float, *, slept: float = 0.0, stepped: float = 0.0) -> None:
        self.monotonic += seconds
        self.boot += seconds + slept
        self.wall += seconds + slept + stepped


@pytest.mark.parametrize(
    ("slept", "stepped", "expected"),
    [
        (0, 0, None),
        (0, 3, None),  # NTP slewing, a small correction: within tolerance
        (7200, 0, (7200, 0)),  # a two-hour suspend
        (0, 3600, (0, 3600)),  # clock set forward an hour
        (0, -3600, (0, -3600)),  # clock set back an hour
        (0, 315_576_000, (0, 315_576_000)),  # ten years ahead
        (600, -3600, (600, -3600)),
    ],
)
def test_clock_watch_tells_sleep_from_clock_steps(slept, stepped, expected) -> None:
    clocks = FakeClocks()
    watch = ClockWatch(
        wall=lambda: clocks.wall, monotonic=lambda: clocks.monotonic, boot=lambda: clocks.boot
    )
    clocks.advance(5)
    assert watch.look() is None
    clocks.advance(5, slept=slept, stepped=stepped)
    jump = watch.look()
    assert (None if jump is None else (round(jump.slept), round(jump.stepped))) == expected
    clocks.advance(5)
    assert watch.look() is None  # reported once, then the new offset is the normal one


def test_a_run_hours_late_still_runs_and_a_missed_one_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # After a restart or a suspend a wake-up is hours late: with the service's job defaults
    # (misfire_grace_time=None) it still runs. With APScheduler's 1 s default it is dropped,
    # which the service's listener at least logs.
    service = Service(reload_config(tmp_path))
    ran = threading.Event()
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    service.scheduler.add_job(ran.set, id="late", next_run_time=two_hours_ago)
    service.scheduler.add_job(print, id="strict", next_run_time=two_hours_ago, misfire_grace_time=1)
    thread = threading.Thread(target=service.scheduler.start)
    with caplog.at_level(logging.WARNING, logger="scheduler.service"):
        thread.start()
        try:
            assert ran.wait(10)
            deadline = time.monotonic() + 10
            while "job strict missed its run" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            service.scheduler.shutdown(wait=True)
            thread.join(10)
    assert "job strict missed its run" in caplog.text
    assert "job late missed" not in caplog.text


def reload_config(folder: Path, *, interval: str = "15m", second_source: bool = True) -> Path:
    sources = [dict(SOURCE, interval=interval)]
    if second_source:
        sources.append({"name": "Other", "feeds": ["http://127.0.0.1:9/other.xml"]})
    return write_config(
        folder,
        sources=sources,
        watchlists=[{"name": "Gaza", "query": "gaza", "digest": {"times": ["07:00"]}}],
    )


def test_reload_reschedules_added_changed_and_removed_jobs(tmp_path: Path) -> None:
    config = reload_config(tmp_path)
    service = Service(config)
    service._schedule_configured_jobs(service.config)
    service._schedule_housekeeping()
    jobs = {job.id: job for job in service.scheduler.get_jobs()}
    assert sorted(jobs) == [
        "crawl:Local",
        "crawl:Other",
        "deliver-pending",
        "digest:Gaza",
        "due-check",
        "retention",
    ]
    assert jobs["crawl:Local"].trigger.interval == timedelta(minutes=15)
    assert jobs["crawl:Local"].executor == "crawl"

    reload_config(tmp_path, interval="5m", second_source=False)
    write_watchlist(
        config, "rafah", {"name": "Rafah", "query": "rafah", "digest": {"times": ["18:00"]}}
    )
    assert service.reload()
    jobs = {job.id: job for job in service.scheduler.get_jobs()}
    assert sorted(j for j in jobs if j.startswith(("crawl:", "digest:"))) == [
        "crawl:Local",
        "digest:Gaza",
        "digest:Rafah",
    ]
    assert jobs["crawl:Local"].trigger.interval == timedelta(minutes=5)
    assert str(jobs["digest:Rafah"].trigger.fields[5]) == "18"  # the hour field
    assert service.config.watchlist("Rafah").name == "Rafah"


def test_reload_keeps_the_running_configuration_when_the_new_one_is_invalid(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = reload_config(tmp_path)
    service = Service(config)
    service._schedule_configured_jobs(service.config)
    before = {job.id: str(job.trigger) for job in service.scheduler.get_jobs()}
    running = service.config

    bad = write_watchlist(config, "bad", {"name": "Bad", "query": "gaza AND (", "digest": {}})
    assert not service.reload()
    assert "configuration reload rejected" in caplog.text and "bad.toml" in caplog.text
    bad.unlink()
    (config / "presswatch.toml").write_text(
        (config / "presswatch.toml").read_text().replace("presswatch.db", "other.db")
    )
    assert not service.reload()
    assert "the database changed" in caplog.text

    assert service.config is running
    assert {job.id: str(job.trigger) for job in service.scheduler.get_jobs()} == before


def test_an_overdue_crawl_runs_at_once_and_a_recent_one_waits_its_interval() -> None:
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    overdue = CatchUpIntervalTrigger(minutes=15, start_date=now - timedelta(minutes=40))
    assert overdue.get_next_fire_time(None, now) == now
    recent = CatchUpIntervalTrigger(minutes=15, start_date=now + timedelta(minutes=5))
    assert recent.get_next_fire_time(None, now) == now + timedelta(minutes=5)
    assert recent.get_next_fire_time(now, now) == now + timedelta(minutes=15)


def test_after_the_clock_is_set_back_interval_jobs_are_pulled_in_and_digests_checked(
    tmp_path: Path,
) -> None:
    service = Service(reload_config(tmp_path))
    checked = threading.Event()
    now = datetime.now(UTC)
    # As after the clock went back two hours: the next runs are now two hours away.
    service.scheduler.add_job(
        print,
        CatchUpIntervalTrigger(seconds=60, start_date=now),
        id="crawl:x",
        next_run_time=now + timedelta(hours=2),
    )
    service.scheduler.add_job(
        checked.set,
        CatchUpIntervalTrigger(minutes=1, start_date=now),
        id="due-check",
        next_run_time=now + timedelta(hours=2),
    )
    thread = threading.Thread(target=service.scheduler.start)
    thread.start()
    try:
        wait_until(lambda: service.scheduler.running, 10, "the scheduler")
        service.on_clock_jump(ClockJump(slept=0.0, stepped=-7200.0))
        assert checked.wait(10)
        crawl = service.scheduler.get_job("crawl:x")
        assert crawl.next_run_time <= datetime.now(UTC) + timedelta(seconds=60)
    finally:
        service.scheduler.shutdown(wait=True)
        thread.join(10)
