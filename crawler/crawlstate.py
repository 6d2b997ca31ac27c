"""What the crawler remembers between runs: seen URLs, conditional-GET validators, crawl runs.

These are the crawler's own reads and writes of the archive (the articles themselves are written
by :mod:`crawler.ingest`). Every write is one ``BEGIN IMMEDIATE`` transaction, so a crawl child
killed at any moment leaves whole rows behind.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlite_utils import Database

from crawler.store import from_db_time, to_db_time, write_transaction

logger = logging.getLogger(__name__)

RunStatus = Literal["running", "ok", "failed", "timeout", "killed"]
FINAL_STATUSES: tuple[RunStatus, ...] = ("ok", "failed", "timeout", "killed")
FAILED_STATUSES: tuple[RunStatus, ...] = ("failed", "timeout", "killed")

# A feed or sitemap is fetched without validators at least this often. A sitemap index that
# answers 304 hides its children, and some servers keep an index's ETag while a child changes.
VALIDATOR_MAX_AGE = timedelta(hours=24)
_HEADER_VALUE = re.compile(r"[\x00-\x1f\x7f]")

Decision = Literal["fetch", "refetch", "seen"]


# ---------------------------------------------------------------------------------------------
# Seen URLs and the one correction re-fetch


def url_decision(
    db: Database,
    url_key: str,
    *,
    now: datetime,
    refetch_window: timedelta,
    modified_hint: datetime | None = None,
) -> Decision:
    """Whether to fetch an article URL that discovery found.

    ``"fetch"``: never seen. ``"seen"``: stored or skipped before, leave it. ``"refetch"``: a
    stored article published (else first seen) less than ``refetch_window`` ago and not re-fetched
    yet, rediscovered either with a feed or sitemap date newer than our fetch, or at least half
    the window after it: fetched once more so that a correction is stored as a revision.
    """
    row = db.execute(
        "SELECT u.status, a.id, a.fetched_at, a.first_seen_at, a.published_at, a.refetched_at"
        " FROM article_urls AS u LEFT JOIN articles AS a ON a.id = u.article_id"
        " WHERE u.url_key = ?",
        [url_key],
    ).fetchone()
    if row is None:
        return "fetch"
    status, article_id, fetched_at, first_seen_at, published_at, refetched_at = row
    if status == "skipped" or article_id is None or refetched_at:
        return "seen"
    fetched = from_db_time(fetched_at)
    reference = from_db_time(published_at) or from_db_time(first_seen_at)
    if fetched is None or reference is None or now - reference > refetch_window:
        return "seen"
    if modified_hint is not None and modified_hint > fetched:
        return "refetch"
    if now - fetched >= refetch_window / 2:
        return "refetch"
    return "seen"


def mark_refetched(db: Database, article_id: int, now: datetime) -> None:
    db.execute(
        "UPDATE articles SET refetched_at = ? WHERE id = ? AND refetched_at IS NULL",
        [to_db_time(now), article_id],
    )


def record_alternate_url(
    db: Database, url_key: str, url: str, article_id: int, source: str, now: datetime
) -> None:
    """Point one more URL (e.g. the feed's link before a redirect) at a stored article."""
    db.execute(
        "INSERT INTO article_urls (url_key, url, article_id, source, status, first_seen_at,"
        " last_fetched_at) VALUES (?, ?, ?, ?, 'alternate', ?, ?)"
        " ON CONFLICT(url_key) DO UPDATE SET last_fetched_at = excluded.last_fetched_at,"
        " article_id = COALESCE(article_urls.article_id, excluded.article_id)",
        [url_key, url, article_id, source, to_db_time(now), to_db_time(now)],
    )


# ---------------------------------------------------------------------------------------------
# Conditional GET


@dataclass(frozen=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)

    def request_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    @classmethod
    def from_response_headers(cls, etag: str | None, last_modified: str | None) -> Validators:
        return cls(_clean_header(etag), _clean_header(last_modified))


def _clean_header(value: str | None) -> str | None:
    # The values come from the server and go back into our request headers.
    if not value:
        return None
    value = _HEADER_VALUE.sub("", value).strip()
    return value[:256] or None


def load_validators(db: Database, url: str, now: datetime) -> Validators:
    """The stored validators for ``url``; none when absent or older than VALIDATOR_MAX_AGE."""
    row = db.execute(
        "SELECT etag, last_modified, checked_at FROM fetch_cache WHERE url = ?", [url]
    ).fetchone()
    if row is None:
        return Validators()
    etag, last_modified, checked_at = row
    checked = from_db_time(checked_at)
    if checked is None or now - checked > VALIDATOR_MAX_AGE:
        return Validators()
    return Validators(etag, last_modified)


def save_validators(db: Database, validators: Mapping[str, Validators], now: datetime) -> None:
    """Store the validators of fully processed feeds, sitemaps and section pages.

    ``checked_at`` is the time of the full (200) fetch the validators came from.
    """
    if not validators:
        return
    with write_transaction(db):
        for url, value in validators.items():
            if value:
                db.execute(
                    "INSERT INTO fetch_cache (url, etag, last_modified, checked_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET etag = excluded.etag,"
                    " last_modified = excluded.last_modified, checked_at = excluded.checked_at",
                    [url, value.etag, value.last_modified, to_db_time(now)],
                )
            else:
                db.execute("DELETE FROM fetch_cache WHERE url = ?", [url])


# ---------------------------------------------------------------------------------------------
# Crawl runs


@dataclass(frozen=True)
class RunCounts:
    requests: int = 0
    responses: int = 0
    not_modified: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0


def start_run(db: Database, source: str, now: datetime) -> int:
    """Insert a ``running`` crawl run for ``source`` and return its id."""
    with write_transaction(db):
        _ensure_source(db, source, now)
        run_id = int(
            db["crawl_runs"]
            .insert({"source": source, "started_at": to_db_time(now), "status": "running"})
            .last_pk
        )
        db.execute("UPDATE sources SET last_run_id = ? WHERE name = ?", [run_id, source])
    return run_id


def claim_run(db: Database, run_id: int, source: str, now: datetime) -> None:
    """The crawl child takes over a run its parent created: the crawl starts now."""
    with write_transaction(db):
        _ensure_source(db, source, now)
        db.execute(
            "UPDATE crawl_runs SET started_at = ?, status = 'running' WHERE id = ?",
            [to_db_time(now), run_id],
        )


def finish_run(
    db: Database,
    run_id: int,
    *,
    status: RunStatus,
    now: datetime,
    counts: RunCounts,
    errors: Mapping[str, int],
    message: str | None = None,
) -> None:
    with write_transaction(db):
        db.execute(
            "UPDATE crawl_runs SET finished_at = ?, status = ?, requests = ?, responses = ?,"
            " not_modified = ?, new = ?, updated = ?, skipped = ?, errors = ?, message = ?"
            " WHERE id = ?",
            [
                to_db_time(now),
                status,
                counts.requests,
                counts.responses,
                counts.not_modified,
                counts.new,
                counts.updated,
                counts.skipped,
                json.dumps(dict(sorted(errors.items()))),
                message,
                run_id,
            ],
        )


def close_unfinished_runs(
    db: Database,
    run_ids: Iterable[int],
    *,
    status: RunStatus,
    message: str,
    now: datetime,
    overwrite: Iterable[RunStatus] = ("running",),
) -> None:
    """Give every run in ``run_ids`` still in one of the ``overwrite`` states a final status.

    Used by the parent when its crawl child died or was killed before finishing the rows.
    """
    ids = list(run_ids)
    states = list(overwrite)
    if not ids:
        return
    with write_transaction(db):
        db.execute(
            f"UPDATE crawl_runs SET status = ?, finished_at = COALESCE(finished_at, ?),"
            f" message = CASE WHEN message IS NULL OR message = '' THEN ? ELSE message || '; ' || ?"
            f" END WHERE id IN ({','.join('?' * len(ids))})"
            f" AND status IN ({','.join('?' * len(states))})",
            [status, to_db_time(now), message, message, *ids, *states],
        )


def close_abandoned_runs(db: Database, *, started_before: datetime, now: datetime) -> int:
    """Fail the runs still ``running`` that started before ``started_before``; return how many.

    A run stays ``running`` when its crawl child and the process supervising it were both killed
    (``kill -9`` of the service, a power cut). Runs younger than the longest a crawl may take are
    left alone: a one-off ``presswatch crawl`` may be running beside the service.
    """
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE crawl_runs SET status = 'failed', finished_at = ?, message = ?"
            " WHERE status = 'running' AND started_at < ?",
            [
                to_db_time(now),
                "abandoned: the crawl and its supervisor stopped without closing this run",
                to_db_time(started_before),
            ],
        )
    return cursor.rowcount


def read_runs(db: Database, run_ids: Iterable[int]) -> list[dict]:
    ids = list(run_ids)
    if not ids:
        return []
    rows = db.execute(
        f"SELECT * FROM crawl_runs WHERE id IN ({','.join('?' * len(ids))}) ORDER BY id", ids
    )
    columns = [column[0] for column in rows.description]
    return [dict(zip(columns, row, strict=True)) for row in rows.fetchall()]


def _ensure_source(db: Database, source: str, now: datetime) -> None:
    db.execute(
        "INSERT INTO sources (name, first_seen_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
        [source, to_db_time(now)],
    )
