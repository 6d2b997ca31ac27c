"""Run a crawl cycle in a child process: the one function the service calls.

:func:`run_crawl` creates a ``crawl_runs`` row per source, starts ``python -m crawler.run`` (with
this interpreter, so the same virtual environment) in a new process group, watches its wall-clock
time and memory, and reads the runs back when it ends. A child that outlives the time limit gets
SIGTERM (the crawlers close and record what they did), then SIGKILL after a grace period; its
runs are recorded as ``timeout``. A child killed any other way is recorded as ``killed``. Nothing
of this raises: a crawl failure is a :class:`CrawlResult` with a status, so the service can call
this function again and again. Each cycle has a fresh process and so a fresh Twisted reactor.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import psutil

from config import ConfigError, load_config
from config.schema import Source
from crawler import crawlstate
from crawler.run import select_sources
from crawler.store import open_database, utcnow

logger = logging.getLogger(__name__)

CycleStatus = Literal["ok", "partial", "failed", "timeout", "killed"]

GRACE_SECONDS = 5.0  # between SIGTERM and SIGKILL
TIME_LIMIT_MARGIN = 60.0  # beyond crawl.cycle_timeout, when the caller gives no limit
MEMORY_KILL_FACTOR = 1.5  # of crawl.memory_limit_mb; Scrapy stops gracefully at 1.0
_POLL_SECONDS = 0.1
_LOG_TAIL_BYTES = 8192
_PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class SourceRun:
    """One source's crawl run, as recorded in ``crawl_runs``."""

    source: str
    run_id: int
    status: str
    requests: int = 0
    responses: int = 0
    not_modified: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    message: str | None = None


@dataclass(frozen=True)
class CrawlResult:
    """What a crawl cycle did.

    ``status`` is ``ok`` when every source's run is ok, ``partial`` when some are, ``failed``
    when none is or the child failed, ``timeout`` when the child was stopped at the time limit
    and ``killed`` when it died from a signal or was killed for its memory use.
    """

    status: CycleStatus
    sources: dict[str, SourceRun]
    duration: float  # seconds of wall-clock time
    exit_code: int | None  # negative: the signal that ended the child
    peak_rss_mb: float | None  # the child's maximum resident set size
    cpu_seconds: float | None  # the child's user + system CPU time
    message: str = ""
    log_tail: str = field(default="", repr=False)

    @property
    def new(self) -> int:
        return sum(run.new for run in self.sources.values())

    @property
    def updated(self) -> int:
        return sum(run.updated for run in self.sources.values())


@dataclass
class _ChildOutcome:
    exit_code: int | None = None
    ended_by: Literal["timeout", "memory"] | None = None
    peak_rss_mb: float | None = None
    cpu_seconds: float | None = None


def run_crawl(
    config_dir: Path, sources: list[str] | None = None, *, time_limit: float | None = None
) -> CrawlResult:
    """Crawl ``sources`` (default: every enabled source) once, in a child process.

    :param config_dir: the configuration directory (absolute or relative to the current one).
    :param sources: source names; unknown names make the result ``failed``.
    :param time_limit: wall-clock seconds before the child is stopped; default
        ``crawl.cycle_timeout`` plus a minute.
    """
    started = time.monotonic()
    config_dir = Path(config_dir).resolve()
    try:
        config = load_config(config_dir)
        selected = select_sources(config, sources or [])
    except (ConfigError, ValueError) as error:
        logger.error("crawl not started: %s", error)
        return _not_started(started, str(error))
    if not selected:
        return _not_started(started, "no enabled source to crawl")
    crawl = config.settings.crawl
    limit = (
        time_limit
        if time_limit is not None
        else (crawl.cycle_timeout.total_seconds() + TIME_LIMIT_MARGIN)
    )
    try:
        result = _crawl_in_child(
            config_dir,
            config.settings.database,
            selected,
            limit,
            crawl.memory_limit_mb * MEMORY_KILL_FACTOR,
            started,
        )
    except (OSError, sqlite3.Error) as error:
        # The archive cannot be opened or written, or the child cannot be started.
        logger.error("crawl not run: %s", error)
        return _not_started(started, f"crawl not run: {error}")
    _log_result(result)
    return result


def _crawl_in_child(
    config_dir: Path,
    database: Path,
    sources: list[Source],
    limit: float,
    memory_limit_mb: float,
    started: float,
) -> CrawlResult:
    db = open_database(database)
    try:
        now = utcnow()
        run_ids = {source.name: crawlstate.start_run(db, source.name, now) for source in sources}
        try:
            with tempfile.TemporaryFile() as log:
                command = _child_command(config_dir, run_ids)
                outcome = _run_child(command, log, limit, memory_limit_mb)
                log_tail = _tail(log)
        except BaseException as error:
            # The child could not be started or supervised (or this thread is interrupted):
            # its runs must not stay "running" for ever.
            crawlstate.close_unfinished_runs(
                db,
                run_ids.values(),
                status="failed",
                message=f"crawl supervision failed: {error!r}"[:500],
                now=utcnow(),
            )
            raise
        message = _close_leftover_runs(db, list(run_ids.values()), outcome, limit, log_tail)
        runs = {
            row["source"]: _source_run(row) for row in crawlstate.read_runs(db, run_ids.values())
        }
    finally:
        db.close()
    return CrawlResult(
        status=_cycle_status(outcome, runs),
        sources=runs,
        duration=time.monotonic() - started,
        exit_code=outcome.exit_code,
        peak_rss_mb=outcome.peak_rss_mb,
        cpu_seconds=outcome.cpu_seconds,
        message=message,
        log_tail=log_tail,
    )


def _child_command(config_dir: Path, run_ids: dict[str, int]) -> list[str]:
    command = [sys.executable, "-m", "crawler.run", "--config", str(config_dir)]
    for name in run_ids:
        command += ["--source", name]
    return [*command, "--run-ids", json.dumps(run_ids)]


def _child_environment() -> dict[str, str]:
    # The child must import this checkout's packages whatever the current directory is.
    environment = dict(os.environ)
    paths = [str(_PROJECT_ROOT), *filter(None, environment.get("PYTHONPATH", "").split(os.pathsep))]
    environment["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    environment.pop("SCRAPY_SETTINGS_MODULE", None)
    return environment


def _run_child(
    command: list[str], log: IO[bytes], time_limit: float, memory_limit_mb: float
) -> _ChildOutcome:
    """Start the child in its own process group and supervise it until it has ended."""
    child = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=_child_environment(),
    )
    outcome = _ChildOutcome()
    deadline = time.monotonic() + time_limit
    kill_at: float | None = None
    try:
        while not _has_exited(child.pid):
            now = time.monotonic()
            if outcome.ended_by is None and now >= deadline:
                logger.warning(
                    "crawl child %d passed its %.0f s limit: stopping it", child.pid, time_limit
                )
                outcome.ended_by = "timeout"
                _signal_group(child.pid, signal.SIGTERM)
                kill_at = now + GRACE_SECONDS
            elif outcome.ended_by is None and _rss_mb(child.pid) > memory_limit_mb:
                logger.warning(
                    "crawl child %d uses more than %.0f MB: killing it", child.pid, memory_limit_mb
                )
                outcome.ended_by = "memory"
                kill_at = now
            if kill_at is not None and now >= kill_at:
                _signal_group(child.pid, signal.SIGKILL)
            time.sleep(_POLL_SECONDS)
    finally:
        # Also ends anything the child left behind in its group (and the child itself when
        # this supervision is interrupted); the exited child still holds the group id here.
        _signal_group(child.pid, signal.SIGKILL)
        reaped = _reap(child.pid)
        # Popen wants a return code; -1 when the status was lost (outcome.exit_code stays None).
        child.returncode = reaped[0] if reaped else -1
    if reaped:
        outcome.exit_code, usage = reaped
        outcome.peak_rss_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
        outcome.cpu_seconds = usage.ru_utime + usage.ru_stime
    return outcome


def _reap(pid: int) -> tuple[int, Any] | None:
    """The child's exit code and resource usage, or None if it was reaped elsewhere."""
    try:
        _, status, usage = os.wait4(pid, 0)
    except ChildProcessError:
        # SIGCHLD ignored by an embedding program, or a stray wait: the status is lost, and
        # the runs the child did not close are failed by the caller.
        logger.error("crawl child %d was reaped elsewhere: exit status unknown", pid)
        return None
    return os.waitstatus_to_exitcode(status), usage


def _has_exited(pid: int) -> bool:
    # WNOWAIT leaves the child a zombie, so its process group id cannot be reused before the
    # final SIGKILL to the group.
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # already reaped by someone else: it has ended
        return True


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def _rss_mb(pid: int) -> float:
    try:
        return psutil.Process(pid).memory_info().rss / (1024 * 1024)
    except psutil.Error:
        return 0.0


def _tail(log: IO[bytes]) -> str:
    size = log.seek(0, os.SEEK_END)
    log.seek(max(0, size - _LOG_TAIL_BYTES))
    return log.read().decode("utf-8", "replace")


def _close_leftover_runs(
    db: Any, run_ids: list[int], outcome: _ChildOutcome, limit: float, log_tail: str
) -> str:
    """Give every run the child did not finish a final status; return the cycle's message."""
    now = utcnow()
    if outcome.ended_by == "timeout":
        message = f"stopped at the {limit:.0f} s time limit"
        # A run the child closed because of our SIGTERM says "killed"; the cause was the limit.
        crawlstate.close_unfinished_runs(
            db,
            run_ids,
            status="timeout",
            message=message,
            now=now,
            overwrite=("running", "killed"),
        )
        return message
    if outcome.ended_by == "memory":
        message = "killed: the crawl process used too much memory"
        status: crawlstate.RunStatus = "killed"
    elif outcome.exit_code is not None and outcome.exit_code < 0:
        message = f"the crawl process was killed by signal {-outcome.exit_code}"
        status = "killed"
    elif outcome.exit_code:
        message = (
            f"the crawl process failed (exit code {outcome.exit_code}): {_last_line(log_tail)}"
        )
        status = "failed"
    else:
        message = "the crawl process ended without finishing this run"
        status = "failed"
    crawlstate.close_unfinished_runs(db, run_ids, status=status, message=message[:500], now=now)
    return message if outcome.ended_by or outcome.exit_code else ""


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def _source_run(row: dict[str, Any]) -> SourceRun:
    try:
        errors = {
            str(kind): int(count) for kind, count in json.loads(row["errors"] or "{}").items()
        }
    except (ValueError, AttributeError):
        errors = {}
    return SourceRun(
        source=row["source"],
        run_id=row["id"],
        status=row["status"],
        requests=row["requests"] or 0,
        responses=row["responses"] or 0,
        not_modified=row["not_modified"] or 0,
        new=row["new"] or 0,
        updated=row["updated"] or 0,
        skipped=row["skipped"] or 0,
        errors=errors,
        message=row["message"],
    )


def _cycle_status(outcome: _ChildOutcome, runs: dict[str, SourceRun]) -> CycleStatus:
    if outcome.ended_by == "timeout":
        return "timeout"
    if outcome.ended_by == "memory" or (outcome.exit_code or 0) < 0:
        return "killed"
    if outcome.exit_code:
        return "failed"
    ok = sum(run.status == "ok" for run in runs.values())
    if runs and ok == len(runs):
        return "ok"
    return "partial" if ok else "failed"


def _not_started(started: float, message: str) -> CrawlResult:
    return CrawlResult(
        status="failed",
        sources={},
        duration=time.monotonic() - started,
        exit_code=None,
        peak_rss_mb=None,
        cpu_seconds=None,
        message=message,
    )


def _log_result(result: CrawlResult) -> None:
    summary = ", ".join(
        f"{run.source}: {run.status} ({run.new} new, {run.updated} updated)"
        for run in result.sources.values()
    )
    level = logging.INFO if result.status == "ok" else logging.WARNING
    logger.log(
        level,
        "crawl cycle %s in %.1f s, peak RSS %.0f MB: %s%s",
        result.status,
        result.duration,
        result.peak_rss_mb or 0,
        summary,
        f" ({result.message})" if result.message else "",
    )
    if result.status in ("failed", "killed", "timeout") and result.log_tail:
        logger.warning("last output of the crawl process:\n%s", result.log_tail[-2000:])
