"""Which digest slots are due: pure functions of the schedule, the last slot sent and the clock.

Each configured local time (``times = ["07:00"]``) is a *slot* on every local calendar day. A slot
is named by its local wall time, its *period*, such as ``2026-11-25T07:00``; the ledger stores the
last period handled per watch list, recipient and channel, so "what is due" is recomputed from the
ledger at every wake-up and a timer that fires late, twice, or after a clock jump changes nothing.

Daylight saving time:

- A local time that does not exist on a spring-forward day (02:30 when clocks jump from 02:00 to
  03:00) fires at the first valid instant after it: the moment of the jump (03:00 new time).
- A local time that occurs twice on a fall-back day (01:30 when clocks go back from 02:00 to 01:00)
  fires once, at its first occurrence (``fold=0``); the second occurrence has the same period name
  and is therefore already handled.
- So every local date gets exactly one slot per configured time.

Catch-up: when more than one slot is due at once (the service was down, the host slept), the
caller sends ONE catch-up digest named after the latest missed slot, covering everything matched
meanwhile, and carries on from there (see :func:`plan_digest`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

PERIOD_FORMAT = "%Y-%m-%dT%H:%M"
# The largest daylight-saving jump in the tz database is 2 hours (e.g. Antarctica/Troll).
_LARGEST_GAP = timedelta(hours=3)

DigestKind = Literal["digest", "catch-up"]


def period_key(slot: datetime) -> str:
    """The ledger's name for a slot: its local wall time, e.g. ``2026-11-25T07:00``."""
    return slot.strftime(PERIOD_FORMAT)


def parse_period(period: str) -> datetime:
    """The naive local wall time a period names (inverse of :func:`period_key`)."""
    return datetime.strptime(period, PERIOD_FORMAT)


def zone(tz: ZoneInfo | str) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def fire_instant(slot: datetime, tz: ZoneInfo | str) -> datetime:
    """The UTC instant at which the naive local ``slot`` fires (see the module's DST rules)."""
    tzinfo = zone(tz)
    first_occurrence = slot.replace(tzinfo=tzinfo, fold=0).astimezone(UTC)
    if _wall(first_occurrence, tzinfo) == slot:
        return first_occurrence
    # A nonexistent time: with fold=0, zoneinfo applies the offset from before the jump, which
    # lands after the jump; search back for the jump itself, the first instant at or after slot.
    low = first_occurrence - _LARGEST_GAP
    high = first_occurrence
    while (high - low) > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if _wall(middle, tzinfo) >= slot:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def _wall(moment: datetime, tzinfo: ZoneInfo) -> datetime:
    return moment.astimezone(tzinfo).replace(tzinfo=None)


def slots_on(day: date, schedule_times: Iterable[time]) -> list[datetime]:
    """The day's slots, oldest first (a time listed twice is one slot)."""
    return sorted({datetime.combine(day, clock.replace(tzinfo=None)) for clock in schedule_times})


def due_periods(
    schedule_times: Sequence[time],
    tz: ZoneInfo | str,
    last_period_local: datetime | None,
    now: datetime,
) -> list[datetime]:
    """The slots due at ``now`` that come after ``last_period_local``, oldest first.

    A slot is due when its fire instant (:func:`fire_instant`) is at or before ``now``. With no
    previous slot (a new recipient or a fresh install) only the latest slot already past is due,
    so the first digest goes out at once without a backlog of empty days. Naive local wall times
    are returned; :func:`period_key` names them.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tzinfo = zone(tz)
    today = now.astimezone(tzinfo).date()
    if last_period_local is None:
        first_day = today - timedelta(days=1)
    else:
        first_day = last_period_local.date()
        if first_day > today:
            return []  # the clock went back past the last slot: nothing new is due
    due = []
    day = first_day
    while day <= today:
        for slot in slots_on(day, schedule_times):
            if last_period_local is not None and slot <= last_period_local:
                continue
            if fire_instant(slot, tzinfo) <= now:
                due.append(slot)
        day += timedelta(days=1)
    return due if last_period_local is not None else due[-1:]


def plan_digest(due: Sequence[datetime]) -> tuple[DigestKind, datetime] | None:
    """The one digest to prepare for the due slots: none, a regular one, or one catch-up.

    More than one due slot means slots were missed; they are not replayed one by one: a single
    catch-up digest named after the latest slot covers everything matched since the last digest.
    """
    if not due:
        return None
    return ("digest" if len(due) == 1 else "catch-up"), due[-1]


def next_fire(schedule_times: Sequence[time], tz: ZoneInfo | str, after: datetime) -> datetime:
    """The first fire instant strictly after ``after``: when a timer should next wake up."""
    tzinfo = zone(tz)
    day = after.astimezone(tzinfo).date() - timedelta(days=1)
    while True:
        for slot in slots_on(day, schedule_times):
            moment = fire_instant(slot, tzinfo)
            if moment > after:
                return moment
        day += timedelta(days=1)
