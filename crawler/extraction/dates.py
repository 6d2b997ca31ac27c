"""Parsing the many ways pages and feeds write timestamps into timezone-aware UTC datetimes.

A timestamp without a timezone is taken as UTC: a page rarely says which zone a naive time is in,
and UTC is off by at most a few hours, which keeps the calendar day right for most of the world's
daytime publishing. A bare date becomes midnight UTC of that day.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

# Timestamps outside this window are data errors (a 1970 epoch default, a far-future typo).
EARLIEST_PLAUSIBLE = datetime(1995, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=2)

_ISO_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}")
_COMPACT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")
_FRACTION = re.compile(r"(\.\d{6})\d+")


def to_utc(value: object) -> datetime | None:
    """Parse a timestamp (ISO 8601 / RFC 2822 text, ``datetime``, ``date`` or ``struct_time``).

    Returns an aware UTC datetime, or None when the value is missing, unparseable or implausible.
    """
    parsed = _parse(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    if parsed < EARLIEST_PLAUSIBLE or parsed > datetime.now(UTC) + FUTURE_TOLERANCE:
        return None
    return parsed


def _parse(value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, time.struct_time):
        # feedparser's *_parsed fields are already in UTC.
        return datetime(*value[:6], tzinfo=UTC)
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None
    if _ISO_PREFIX.match(text):
        return _parse_iso(text)
    if text.isdigit():
        return _from_epoch(float(text[:10]))
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _parse_iso(text: str) -> datetime | None:
    candidate = text.replace(" ", "T", 1) if len(text) > 10 and text[10] == " " else text
    candidate = candidate.replace(" ", "")
    if candidate.endswith(("z", "Z")):
        candidate = candidate[:-1] + "+00:00"
    candidate = _FRACTION.sub(r"\1", candidate)
    candidate = _COMPACT_OFFSET.sub(r"\1:\2", candidate) if "T" in candidate else candidate
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        try:
            return datetime.fromisoformat(candidate[:10])
        except ValueError:
            return None


def _from_epoch(seconds: float) -> datetime | None:
    # Some pages store milliseconds since the epoch.
    if seconds > 1e11:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
