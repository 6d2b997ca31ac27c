"""Which digest slots are due: DST, catch-up and clock jumps, with an injected clock (pure)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.due import (
    due_periods,
    fire_instant,
    next_fire,
    parse_period,
    period_key,
    plan_digest,
)

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
CLOCK_TIMES = [time(7, 0), time(2, 30)]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "slot", "fires_at"),
    [
        # Spring forward, 02:00 -> 03:00: the nonexistent 02:30 fires at the jump (03:00 CEST).
        ("Europe/Berlin", datetime(2025, 3, 30, 2, 30), utc(2025, 3, 30, 1, 0)),
        # Fall back, 03:00 -> 02:00: 02:30 happens twice and fires at the first one (CEST).
        ("Europe/Berlin", datetime(2025, 10, 26, 2, 30), utc(2025, 10, 26, 0, 30)),
        ("Europe/Berlin", datetime(2025, 10, 26, 7, 0), utc(2025, 10, 26, 6, 0)),
        ("America/New_York", datetime(2025, 3, 9, 2, 30), utc(2025, 3, 9, 7, 0)),
        ("America/New_York", datetime(2025, 11, 2, 1, 30), utc(2025, 11, 2, 5, 30)),
        # Lord Howe moves by 30 minutes: 02:00 -> 02:30 in October, 02:00 -> 01:30 in April.
        ("Australia/Lord_Howe", datetime(2025, 10, 5, 2, 15), utc(2025, 10, 4, 15, 30)),
        ("Australia/Lord_Howe", datetime(2025, 10, 5, 2, 30), utc(2025, 10, 4, 15, 30)),
        ("Australia/Lord_Howe", datetime(2025, 4, 6, 1, 45), utc(2025, 4, 5, 14, 45)),
        ("Asia/Kolkata", datetime(2025, 6, 1, 7, 0), utc(2025, 6, 1, 1, 30)),
    ],
)
def test_fire_instants_across_dst(zone: str, slot: datetime, fires_at: datetime) -> None:
    assert fire_instant(slot, zone) == fires_at


def test_repeated_local_time_fires_once() -> None:
    slot = datetime(2025, 10, 26, 2, 30)
    first = due_periods(
        [time(2, 30)], "Europe/Berlin", datetime(2025, 10, 25, 2, 30), utc(2025, 10, 26, 0, 31)
    )
    assert first == [slot]
    # An hour later the wall clock shows 02:30 again (CET): nothing more is due.
    assert due_periods([time(2, 30)], "Europe/Berlin", slot, utc(2025, 10, 26, 1, 31)) == []


@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    clock=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
@settings(max_examples=400, deadline=None)
def test_fire_instant_is_the_first_moment_the_wall_clock_reaches_the_slot(
    zone: str, day: date, clock: time
) -> None:
    slot = datetime.combine(day, clock)
    fired = fire_instant(slot, zone)
    tz = ZoneInfo(zone)
    assert fired.astimezone(tz).replace(tzinfo=None) >= slot
    assert (fired - timedelta(seconds=1)).astimezone(tz).replace(tzinfo=None) < slot


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("clock", CLOCK_TIMES, ids=["07:00", "02:30"])
def test_three_years_give_exactly_one_digest_per_local_date(zone: str, clock: time) -> None:
    """A wake-up timer with irregular 7-67 minute gaps, fed by the last period it handled."""
    tz = ZoneInfo(zone)
    rng = random.Random(f"{zone}{clock}")
    now = utc(2025, 1, 1, 0, 0)
    end = utc(2028, 1, 1, 0, 0)
    last: datetime | None = None
    sent: list[tuple[datetime, datetime]] = []  # (period, when it was sent)
    kinds: Counter[str] = Counter()
    while now < end:
        plan = plan_digest(due_periods([clock], tz, last, now))
        if plan is not None:
            kind, last = plan
            kinds[kind] += 1
            sent.append((last, now))
        now += timedelta(minutes=rng.randint(7, 67))

    per_date = Counter(period.date() for period, _when in sent)
    three_years = {date(2025, 1, 1) + timedelta(days=n) for n in range(1095)}
    assert {day: per_date[day] for day in three_years} == dict.fromkeys(three_years, 1)
    assert set(per_date) - three_years <= {date(2024, 12, 31), date(2028, 1, 1)}
    assert kinds == Counter(digest=len(sent))  # the timer never fell behind: no catch-up
    # The first run sends the latest slot already past, late by design; the others are on time.
    for period, when in sent[1:]:
        fired = fire_instant(period, tz)
        assert fired <= when < fired + timedelta(minutes=67)


def test_first_run_sends_only_the_latest_slot() -> None:
    due = due_periods([time(7, 0), time(18, 0)], "Europe/Berlin", None, utc(2026, 3, 10, 12, 0))
    assert due == [datetime(2026, 3, 10, 7, 0)]


def test_outage_gives_one_catch_up_named_after_the_latest_slot() -> None:
    last = datetime(2026, 3, 10, 7, 0)
    due = due_periods([time(7, 0)], "Asia/Kolkata", last, utc(2026, 3, 13, 4, 0))
    assert [period_key(slot) for slot in due] == [
        "2026-03-11T07:00",
        "2026-03-12T07:00",
        "2026-03-13T07:00",
    ]
    assert plan_digest(due) == ("catch-up", datetime(2026, 3, 13, 7, 0))
    assert plan_digest(due[:1]) == ("digest", datetime(2026, 3, 11, 7, 0))
    assert plan_digest([]) is None


def test_clock_going_back_before_the_last_slot_makes_nothing_due() -> None:
    last = datetime(2026, 3, 10, 7, 0)
    assert due_periods([time(7, 0)], "Europe/Berlin", last, utc(2026, 3, 9, 23, 0)) == []
    assert due_periods([time(7, 0)], "Europe/Berlin", last, utc(2026, 3, 10, 5, 0)) == []


def test_a_ten_year_jump_is_one_catch_up_and_quick() -> None:
    last = datetime(2026, 3, 10, 7, 0)
    due = due_periods([time(7, 0)], "Europe/Berlin", last, utc(2036, 3, 10, 12, 0))
    assert len(due) == 3653
    assert plan_digest(due) == ("catch-up", datetime(2036, 3, 10, 7, 0))


@given(
    zone=st.sampled_from(ZONES),
    clocks=st.lists(
        st.times().map(lambda t: t.replace(second=0, microsecond=0)), min_size=1, max_size=3
    ),
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
    gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=9)),
)
@settings(max_examples=300, deadline=None)
def test_due_slots_are_exactly_those_between_last_and_now(
    zone: str, clocks: list[time], start: datetime, gap: timedelta
) -> None:
    last = start.replace(second=0, microsecond=0)
    now = fire_instant(last, zone) + gap
    due = due_periods(clocks, zone, last, now)
    assert due == sorted(set(due))
    assert all(slot > last and fire_instant(slot, zone) <= now for slot in due)
    # Completeness: the next slot after the last one returned has not fired yet.
    after = fire_instant(due[-1], zone) if due else fire_instant(last, zone)
    assert next_fire(clocks, zone, after) > now


def test_period_names_round_trip() -> None:
    slot = datetime(2026, 11, 25, 7, 0)
    assert period_key(slot) == "2026-11-25T07:00"
    assert parse_period("2026-11-25T07:00") == slot
