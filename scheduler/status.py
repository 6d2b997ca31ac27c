"""``presswatch status``: how the service is doing, read from the database alone.

Everything here comes from the archive (crawl runs, matches, the digest ledger) and the
configuration (intervals and digest times give the next runs), so the report is the same whether
the service runs or not, and reading it never disturbs the service: the database is opened
read-only and the service lock is only looked at, never taken.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from config import Config
from crawler.store import from_db_time, open_database, to_db_time
from scheduler.lock import running_service_pid

RECENT = timedelta(hours=24)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
RECENT_ERRORS_SHOWN = 10
DIGESTS_SHOWN = 20


class NoDatabase(RuntimeError):
    """The configured database does not exist yet."""


def next_crawl_time(last_started: datetime | None, interval: timedelta, now: datetime) -> datetime:
    """When a source is next due: one interval after its last crawl started, or now if overdue.

    The service plans its first crawl of each source with this too, so a restart does not crawl
    every source at once.
    """
    if last_started is None:
        return now
    return max(now, last_started + interval)


def last_crawl_starts(db: Database) -> dict[str, datetime]:
    """The start time of each source's most recent crawl run."""
    rows = db.execute("SELECT source, max(started_at) FROM crawl_runs GROUP BY source")
    return {source: moment for source, started in rows if (moment := from_db_time(started))}


def status_report(config: Config, *, now: datetime) -> dict[str, Any]:
    """The status of the service configured by ``config``, as a JSON-ready dict.

    :raises NoDatabase: when the configured database file does not exist.
    """
    database = Path(config.settings.database)
    if not database.is_file():
        raise NoDatabase(
            f"no database at {database} yet: start the service (presswatch run) "
            "or run one crawl (presswatch crawl) first"
        )
    with contextlib.closing(open_database(database, read_only=True)) as db:
        return build_status(db, config, now=now, database=database)


def build_status(db: Database, config: Config, *, now: datetime, database: Path) -> dict[str, Any]:
    since = to_db_time(now - RECENT)
    pid = running_service_pid(database)
    status: dict[str, Any] = {
        "generated_at": to_db_time(now),
        "database": str(database),
        "database_bytes": _database_bytes(database),
        "service": {"running": pid is not None, "pid": pid},
        "last_24h": {
            "articles": _count(db, "SELECT count(*) FROM articles WHERE first_seen_at >= ?", since),
            "matches": _count(db, "SELECT count(*) FROM matches WHERE matched_at >= ?", since),
        },
        "sources": _sources(db, config, now),
        "watchlists": _watchlists(db, config, now, since),
        "digests": _open_digests(db),
        "recent_errors": _recent_errors(db, since),
    }
    status["problems"] = _problems(status)
    return status


def _sources(db: Database, config: Config, now: datetime) -> list[dict[str, Any]]:
    from crawler.health import source_health

    health = {entry.name: entry for entry in source_health(db, config.sources, now)}
    entries = []
    for source in config.sources:
        last = _last_run(db, source.name)
        state = health.get(source.name)
        last_started = from_db_time(last["started_at"]) if last else None
        entries.append(
            {
                "name": source.name,
                "enabled": source.enabled,
                "interval_seconds": source.interval.total_seconds(),
                "last_run": last,
                "next_run_at": to_db_time(next_crawl_time(last_started, source.interval, now))
                if source.enabled
                else None,
                "last_success_at": _time_or_none(state.last_success_at) if state else None,
                "last_new_article_at": _time_or_none(state.last_new_at) if state else None,
                "consecutive_failures": state.consecutive_failures if state else 0,
                "quiet": bool(state and state.quiet),
            }
        )
    return entries


def _time_or_none(moment: datetime | None) -> str | None:
    return to_db_time(moment) if moment else None


def _last_run(db: Database, source: str) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT started_at, finished_at, status, new, message FROM crawl_runs"
        " WHERE source = ? ORDER BY started_at DESC, id DESC LIMIT 1",
        [source],
    ).fetchone()
    if row is None:
        return None
    keys = ("started_at", "finished_at", "status", "new", "message")
    return dict(zip(keys, row, strict=True))


def _watchlists(db: Database, config: Config, now: datetime, since: str) -> list[dict[str, Any]]:
    from alerts.due import next_fire

    entries = []
    for watchlist in config.watchlists:
        timezone = config.digest_timezone(watchlist)
        enabled = watchlist.digest.enabled
        counts = dict(
            db.execute(
                "SELECT status, count(*) FROM digests WHERE watchlist = ? GROUP BY status",
                [watchlist.name],
            ).fetchall()
        )
        entries.append(
            {
                "name": watchlist.name,
                "recipients": len(watchlist.recipients),
                "digest_times": [moment.strftime("%H:%M") for moment in watchlist.digest.times]
                if enabled
                else [],
                "timezone": timezone,
                "instant": watchlist.instant,
                "last_digest": _last_digest(db, watchlist.name),
                "next_digest_at": to_db_time(next_fire(watchlist.digest.times, timezone, now))
                if enabled
                else None,
                "matches_24h": _count(
                    db,
                    "SELECT count(*) FROM matches WHERE watchlist = ? AND matched_at >= ?",
                    watchlist.name,
                    since,
                ),
                "pending": counts.get("pending", 0),
                "failed": counts.get("failed", 0),
            }
        )
    return entries


def _last_digest(db: Database, watchlist: str) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT period, kind, status, created_at, sent_at FROM digests"
        " WHERE watchlist = ? AND kind != 'instant' ORDER BY created_at DESC, period DESC LIMIT 1",
        [watchlist],
    ).fetchone()
    if row is None:
        return None
    return dict(zip(("period", "kind", "status", "created_at", "sent_at"), row, strict=True))


def _open_digests(db: Database) -> list[dict[str, Any]]:
    keys = ("watchlist", "recipient", "kind", "period", "status", "attempts", "next_attempt_at")
    rows = db.execute(
        f"SELECT {', '.join(keys)}, last_error FROM digests WHERE status IN ('pending', 'failed')"
        " ORDER BY created_at DESC LIMIT ?",
        [DIGESTS_SHOWN],
    )
    return [dict(zip((*keys, "last_error"), row, strict=True)) for row in rows]


def _recent_errors(db: Database, since: str) -> list[dict[str, Any]]:
    crawl_errors = db.execute(
        "SELECT started_at, source, status, message FROM crawl_runs"
        " WHERE started_at >= ? AND status NOT IN ('ok', 'running')"
        " ORDER BY started_at DESC LIMIT ?",
        [since, RECENT_ERRORS_SHOWN],
    ).fetchall()
    digest_errors = db.execute(
        "SELECT created_at, watchlist || ' to ' || recipient, status,"
        " last_error FROM digests WHERE last_error IS NOT NULL AND created_at >= ?"
        " AND status != 'sent' ORDER BY created_at DESC LIMIT ?",
        [since, RECENT_ERRORS_SHOWN],
    ).fetchall()
    errors = [
        {"at": at, "what": f"crawl of {source}", "status": state, "message": message}
        for at, source, state, message in crawl_errors
    ] + [
        {"at": at, "what": f"digest {target}", "status": state, "message": message}
        for at, target, state, message in digest_errors
    ]
    errors.sort(key=lambda error: error["at"] or "", reverse=True)
    return errors[:RECENT_ERRORS_SHOWN]


def _problems(status: dict[str, Any]) -> list[str]:
    problems = []
    if not status["service"]["running"]:
        problems.append("the service is not running")
    for source in status["sources"]:
        if source["consecutive_failures"] >= 3:
            problems.append(
                f"{source['name']}: {source['consecutive_failures']} crawls failed in a row"
            )
        elif source["quiet"]:
            problems.append(f"{source['name']}: went quiet (no new articles for unusually long)")
    failed = sum(watchlist["failed"] for watchlist in status["watchlists"])
    if failed:
        problems.append(f"{failed} digests failed for good (see digests)")
    return problems


def _count(db: Database, sql: str, *parameters: object) -> int:
    return int(db.execute(sql, parameters).fetchone()[0])


def _database_bytes(database: Path) -> int:
    return sum(
        path.stat().st_size
        for path in (database, database.with_name(database.name + "-wal"))
        if path.exists()
    )


def _one_line(text: object, limit: int = 300) -> str:
    """An error message for the terminal: it may quote a web server, so no control characters."""
    flat = " ".join(_CONTROL_CHARACTERS.sub(" ", str(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def format_json(status: dict[str, Any]) -> str:
    return json.dumps(status, indent=2, ensure_ascii=False)


def format_text(status: dict[str, Any]) -> str:
    """The report for people: one screen, newest facts first."""
    service = status["service"]
    lines = [
        f"presswatch status at {status['generated_at']}",
        f"service: running (pid {service['pid']})"
        if service["running"]
        else "service: not running",
        f"database: {status['database']} ({status['database_bytes'] / 1e6:.1f} MB)",
        f"last 24 hours: {status['last_24h']['articles']} new articles, "
        f"{status['last_24h']['matches']} matches",
        "",
        "sources:",
    ]
    for source in status["sources"]:
        lines.append(f"  {source['name']}{'' if source['enabled'] else ' (disabled)'}")
        last = source["last_run"]
        if last:
            message = (
                f" - {_one_line(last['message'])}"
                if last["message"] and last["status"] != "ok"
                else ""
            )
            lines.append(
                f"    last run {last['started_at']}: {last['status']}, "
                f"{last['new'] or 0} new{message}"
            )
        else:
            lines.append("    last run: never")
        if source["consecutive_failures"]:
            lines.append(f"    failed {source['consecutive_failures']} times in a row")
        if source["quiet"]:
            since = source["last_new_article_at"] or "ever"
            lines.append(f"    went quiet: nothing new since {since}")
        if source["next_run_at"]:
            lines.append(f"    next run {source['next_run_at']}")
    lines += ["", "watch lists:"]
    for watchlist in status["watchlists"]:
        lines.append(
            f"  {watchlist['name']}: {watchlist['matches_24h']} matches in 24 h, "
            f"{watchlist['recipients']} recipients"
        )
        last = watchlist["last_digest"]
        if last:
            lines.append(
                f"    last digest {last['period']} ({last['kind']}): {last['status']}"
                + (f", sent {last['sent_at']}" if last["sent_at"] else "")
            )
        if watchlist["next_digest_at"]:
            times = ", ".join(watchlist["digest_times"])
            lines.append(
                f"    next digest {watchlist['next_digest_at']} ({times} {watchlist['timezone']})"
            )
        else:
            lines.append("    digest: off")
        if watchlist["pending"] or watchlist["failed"]:
            lines.append(f"    {watchlist['pending']} pending, {watchlist['failed']} failed")
    if status["digests"]:
        lines += ["", "pending or failed digests:"]
        for digest in status["digests"]:
            lines.append(
                f"  {digest['watchlist']} to {digest['recipient']} {digest['period']}: "
                f"{digest['status']} after {digest['attempts']} attempts"
                + (f" ({_one_line(digest['last_error'])})" if digest["last_error"] else "")
            )
    if status["recent_errors"]:
        lines += ["", "recent errors:"]
        for error in status["recent_errors"]:
            lines.append(
                f"  {error['at']} {error['what']}: {error['status']}"
                + (f" - {_one_line(error['message'])}" if error["message"] else "")
            )
    lines += ["", "problems: " + ("; ".join(status["problems"]) or "none")]
    return "\n".join(lines)
