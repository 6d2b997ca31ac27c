"""The digest ledger: every digest is written to SQLite before it is sent.

A row in ``digests`` is one message to one recipient on one channel, and ``digest_articles``
lists the articles it carries. Its id, and so its Message-ID, is derived from the watch list,
recipient, channel, stream and period, so preparing the same digest twice finds the row already
there. The UNIQUE index on ``digest_articles (watchlist, recipient, channel, stream,
article_id)`` lets an article reach a recipient in at most one digest per stream.

States of a digest row::

    (prepared) ──► pending ──final 250──► sent
                     │  ▲
       4xx, timeout, │  │ retried at next_attempt_at (1, 5, 15, 60 min, then hourly)
       dropped link  ▼  │
                   pending (attempts + 1) ──older than 48 h──► failed
                     │
                 5xx, refused recipient ──► failed
    (prepared with nothing to send) ──► skipped   (an empty slot; never sent)

An attempt is recorded (``attempts`` + 1, ``next_attempt_at`` moved on) *before* the message is
handed to the server, so a process that dies mid-send leaves a pending row that the next run
sends again, with the same Message-ID, once ``next_attempt_at`` has passed.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from sqlite_utils import Database

from crawler.store import from_db_time, to_db_time, write_transaction

logger = logging.getLogger(__name__)

RETRY_DELAYS = tuple(timedelta(minutes=m) for m in (1, 5, 15, 60))
RETRY_INTERVAL_AFTERWARDS = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=48)
# How far back a recipient's very first digest reaches (by the articles' first_seen_at).
FIRST_DIGEST_LOOKBACK = timedelta(days=1)

STREAM_OF_KIND = {"digest": "digest", "catch-up": "digest", "instant": "instant"}
EMAIL_CHANNEL = "email"


@dataclass(frozen=True)
class Target:
    """Who receives a watch list's digests: an e-mail recipient, or an apprise channel."""

    watchlist: str
    recipient: str
    channel: str

    @property
    def is_email(self) -> bool:
        return self.channel == EMAIL_CHANNEL


@dataclass(frozen=True)
class DigestRow:
    """One ledger row, as read back."""

    id: str
    watchlist: str
    recipient: str
    channel: str
    kind: str
    period: str
    created_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    message_id: str
    sent_at: datetime | None

    @property
    def target(self) -> Target:
        return Target(self.watchlist, self.recipient, self.channel)

    @property
    def stream(self) -> str:
        return STREAM_OF_KIND[self.kind]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DigestRow:
        return cls(
            id=row["id"],
            watchlist=row["watchlist"],
            recipient=row["recipient"],
            channel=row["channel"],
            kind=row["kind"],
            period=row["period"],
            created_at=_time(row["created_at"]),
            status=row["status"],
            attempts=row["attempts"] or 0,
            next_attempt_at=from_db_time(row["next_attempt_at"]),
            last_error=row["last_error"],
            message_id=row["message_id"],
            sent_at=from_db_time(row["sent_at"]),
        )


def _time(text: str) -> datetime:
    moment = from_db_time(text)
    if moment is None:
        raise ValueError("ledger row without a time")
    return moment


def digest_id(target: Target, stream: str, period: str) -> str:
    """The deterministic id of a digest: the same inputs always name the same row."""
    key = "\x1f".join((target.watchlist, target.recipient, target.channel, stream, period))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def message_id_for(digest: str, from_address: str) -> str:
    """``<digest-id@sender-domain>``: a re-sent digest carries the same Message-ID."""
    _name, address = parseaddr(from_address)
    domain = address.rpartition("@")[2] or "presswatch.invalid"
    return f"<{digest}@{domain}>"


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th attempt failed (1-based)."""
    if attempts <= len(RETRY_DELAYS):
        return RETRY_DELAYS[max(attempts, 1) - 1]
    return RETRY_INTERVAL_AFTERWARDS


# --- reading --------------------------------------------------------------------------------


def get(db: Database, digest: str) -> DigestRow | None:
    rows = list(db.query("SELECT * FROM digests WHERE id = ?", [digest]))
    return DigestRow.from_row(rows[0]) if rows else None


def last_period(db: Database, target: Target) -> str | None:
    """The latest scheduled slot handled for ``target`` (digest or catch-up, any status)."""
    row = db.execute(
        "SELECT max(period) FROM digests WHERE watchlist = ? AND recipient = ? AND channel = ?"
        " AND kind IN ('digest', 'catch-up')",
        [target.watchlist, target.recipient, target.channel],
    ).fetchone()
    return row[0] if row else None


def enrolled_at(db: Database, target: Target) -> datetime | None:
    """When the ledger first recorded anything for ``target``: where its coverage begins."""
    row = db.execute(
        "SELECT min(created_at) FROM digests WHERE watchlist = ? AND recipient = ? AND channel = ?",
        [target.watchlist, target.recipient, target.channel],
    ).fetchone()
    return from_db_time(row[0]) if row else None


def previous_created_at(
    db: Database, target: Target, stream: str, before: datetime
) -> datetime | None:
    """When the digest before one created at ``before`` in the same stream was made."""
    kinds = [kind for kind, of in STREAM_OF_KIND.items() if of == stream]
    row = db.execute(
        f"SELECT max(created_at) FROM digests WHERE watchlist = ? AND recipient = ?"
        f" AND channel = ? AND created_at < ? AND kind IN ({', '.join('?' * len(kinds))})",
        [target.watchlist, target.recipient, target.channel, to_db_time(before), *kinds],
    ).fetchone()
    return from_db_time(row[0]) if row else None


def coverage_start(db: Database, target: Target, now: datetime) -> datetime:
    """Articles first seen before this are never sent to ``target``: one day before enrolment."""
    return (enrolled_at(db, target) or now) - FIRST_DIGEST_LOOKBACK


def unclaimed_articles(
    db: Database, target: Target, streams: Sequence[str], *, seen_since: datetime, now: datetime
) -> list[int]:
    """Articles matched by the list (up to ``now``) that no digest of ``streams`` holds yet."""
    placeholders = ", ".join("?" * len(streams))
    sql = f"""
        SELECT m.article_id FROM matches m JOIN articles a ON a.id = m.article_id
        WHERE m.watchlist = ? AND m.matched_at <= ? AND a.first_seen_at >= ?
          AND NOT EXISTS (
            SELECT 1 FROM digest_articles d
            WHERE d.watchlist = m.watchlist AND d.recipient = ? AND d.channel = ?
              AND d.stream IN ({placeholders}) AND d.article_id = m.article_id)
        ORDER BY m.article_id
    """
    params = [
        target.watchlist,
        to_db_time(now),
        to_db_time(seen_since),
        target.recipient,
        target.channel,
        *streams,
    ]
    return [row[0] for row in db.execute(sql, params).fetchall()]


def article_ids(db: Database, digest: str) -> list[int]:
    return [
        row[0]
        for row in db.execute(
            "SELECT article_id FROM digest_articles WHERE digest_id = ? ORDER BY article_id",
            [digest],
        ).fetchall()
    ]


def pending_due(db: Database, now: datetime) -> list[DigestRow]:
    """Pending digests whose next attempt is due, oldest first."""
    return [
        DigestRow.from_row(row)
        for row in db.query(
            "SELECT * FROM digests WHERE status = 'pending'"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY created_at, id",
            [to_db_time(now)],
        )
    ]


# --- writing (callers hold write_transaction where several steps must be atomic) ------------


def record(
    db: Database,
    target: Target,
    *,
    kind: str,
    period: str,
    articles: Iterable[int],
    now: datetime,
    status: str,
    from_address: str,
) -> str | None:
    """Insert a digest and its articles; the new id, or None if that digest already exists."""
    stream = STREAM_OF_KIND[kind]
    digest = digest_id(target, stream, period)
    cursor = db.execute(
        "INSERT OR IGNORE INTO digests (id, watchlist, recipient, channel, kind, period,"
        " created_at, status, attempts, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
        [
            digest,
            target.watchlist,
            target.recipient,
            target.channel,
            kind,
            period,
            to_db_time(now),
            status,
            message_id_for(digest, from_address),
        ],
    )
    if cursor.rowcount == 0:
        return None
    db.conn.executemany(
        "INSERT INTO digest_articles (digest_id, article_id, watchlist, recipient, channel, stream)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (digest, article, target.watchlist, target.recipient, target.channel, stream)
            for article in articles
        ],
    )
    return digest


def claim(db: Database, rows: Sequence[DigestRow], now: datetime) -> None:
    """Record an attempt on each row before sending it; a crash mid-send then retries later."""
    with write_transaction(db):
        db.conn.executemany(
            "UPDATE digests SET attempts = attempts + 1, next_attempt_at = ?"
            " WHERE id = ? AND status = 'pending'",
            [(to_db_time(now + retry_delay(row.attempts + 1)), row.id) for row in rows],
        )


@contextlib.contextmanager
def relaxed_durability(db: Database) -> Iterator[None]:
    """Commit delivery outcomes with ``synchronous = NORMAL`` (restored to FULL afterwards).

    Marking a digest sent must follow the server's 250 at once, so it costs one commit per
    message. In WAL mode a NORMAL commit survives a crash of the process (``kill -9``) and only
    a power cut can forget the last ones; such a digest is then sent again with the same
    Message-ID, the at-least-once side of the bargain. The digests and their articles, which
    must never be lost, are committed before sending with the connection's FULL setting.
    """
    db.execute("PRAGMA synchronous = NORMAL")
    try:
        yield
    finally:
        db.execute("PRAGMA synchronous = FULL")


def mark_sent(db: Database, digest: str, now: datetime) -> None:
    with write_transaction(db):
        db.execute(
            "UPDATE digests SET status = 'sent', sent_at = ?, next_attempt_at = NULL,"
            " last_error = NULL WHERE id = ?",
            [to_db_time(now), digest],
        )


def mark_failed(db: Database, digest: str, error: str) -> None:
    with write_transaction(db):
        db.execute(
            "UPDATE digests SET status = 'failed', next_attempt_at = NULL, last_error = ?"
            " WHERE id = ?",
            [error[:1000], digest],
        )


def record_transient(db: Database, row: DigestRow, now: datetime, error: str) -> bool:
    """Note a transient failure; give up (status failed) once the digest is 48 hours old.

    :returns: True if the digest will be retried, False if it was given up.
    """
    if now - row.created_at >= GIVE_UP_AFTER:
        mark_failed(db, row.id, f"gave up after {GIVE_UP_AFTER}: {error}")
        return False
    attempts = row.attempts + 1  # the claim has already counted this attempt in the database
    with write_transaction(db):
        db.execute(
            "UPDATE digests SET next_attempt_at = ?, last_error = ? WHERE id = ?",
            [to_db_time(now + retry_delay(attempts)), error[:1000], row.id],
        )
    return True
