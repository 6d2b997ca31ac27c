"""``presswatch run``: the long-running service that crawls, sends digests and alerts, unattended.

How it fits together:

- **One instance per database.** :class:`~scheduler.lock.ServiceLock` (``flock`` on
  ``<database>.lock``) is taken first; a second service on the same database exits at once.
- **APScheduler is only a wake-up timer.** A ``BlockingScheduler`` in the main thread, with a
  ``MemoryJobStore`` filled from the configuration at every start (and every ``SIGHUP``) under
  stable ids; nothing is pickled, so a renamed function can never make a job vanish. The database
  is the truth: which digests are due is worked out from the ledger (:mod:`alerts.due`) whenever
  a timer fires, so a timer that fires late, twice or not at all changes nothing.
- **Jobs** (ids in brackets):

  ``crawl:<source>``      every ``interval`` of the source, with jitter; one crawl child process
                          per run (:func:`scheduler.crawl.run_crawl`), at most
                          ``crawl.parallel_sources`` at once; instant alerts after each crawl.
  ``digest:<watch list>`` a cron trigger per configured local time, in the list's IANA timezone.
  ``due-check``           every minute and at start: the ledger check for every list, a safety
                          net for wake-ups APScheduler's cron moves on DST days, and the catch-up
                          after downtime.
  ``deliver-pending``     every minute: retry digests whose send failed temporarily.
  ``retention``           daily: prune old unmatched articles (:mod:`scheduler.retention`).

  ``job_defaults`` sets ``misfire_grace_time=None`` (run however late: APScheduler's default of
  1 s silently drops a run after a restart or a busy moment), ``coalesce=True`` (several missed
  runs make one) and ``max_instances=1``. Missed and failed runs are logged by a listener.
- **Clock watch.** A thread compares wall, boot and monotonic clocks every few seconds
  (:mod:`scheduler.clock`). After a suspend or a clock step it re-runs the due check at once and
  pulls in interval jobs that a backward step pushed into the future. It is a thread, not a job,
  because a job planned on the wall clock is itself delayed by a backward step.
- **Signals.** They arrive on a wakeup pipe (:class:`SignalInbox`) read by a control thread,
  which acts on them at once whatever the main thread is doing. ``SIGHUP`` reloads the
  configuration (an invalid one is logged and the running one kept). ``SIGTERM``/``SIGINT`` stop
  new work, kill running crawl children (their whole process group), let an in-flight digest
  send finish, and return 0 within ``stop_timeout`` seconds.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psutil
from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MISSED,
    EVENT_SCHEDULER_STARTED,
    JobExecutionEvent,
    SchedulerEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlite_utils import Database

from config import Config, ConfigError, Source, WatchList, load_config
from crawler import crawlstate
from crawler.store import open_database, utcnow
from scheduler.clock import ClockJump, ClockWatch
from scheduler.lock import ServiceLock
from scheduler.status import last_crawl_starts, next_crawl_time

logger = logging.getLogger(__name__)

UTC = ZoneInfo("UTC")
CRAWL_EXECUTOR = "crawl"
JOB_DEFAULTS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
CRAWL_STOP_GRACE = 5.0  # seconds between SIGTERM and SIGKILL to a crawl child at stop


class DatabaseDamaged(RuntimeError):
    """The archive failed SQLite's integrity check at start; the service refuses to run on it."""


@dataclass(frozen=True)
class ServiceOptions:
    """Knobs of the service itself (the configuration directory holds everything else).

    The defaults suit a 2-core host; tests and the soak bench shorten the intervals.
    """

    max_crawl_processes: int | None = None  # None: crawl.parallel_sources of the configuration
    due_check_every: timedelta = timedelta(minutes=1)
    deliver_every: timedelta = timedelta(minutes=1)
    retention_every: timedelta = timedelta(days=1)
    retention_first_after: timedelta = timedelta(minutes=10)
    clock_watch_every: float = 5.0  # seconds
    crawl_jitter_fraction: float = 0.1
    crawl_jitter_max: timedelta = timedelta(minutes=1)
    stop_timeout: float = 25.0  # seconds; systemd's TimeoutStopSec is 30


class CatchUpIntervalTrigger(IntervalTrigger):
    """An interval trigger that fires first at ``start_date`` (at once if that has passed), and
    after missed runs fires once and then carries on from now.

    IntervalTrigger itself would put an overdue first run one interval after ``start_date``, and
    steps through every missed run time before coalescing them: after the clock jumps ten years
    ahead that is millions of steps for a short interval (apscheduler #526). Skipping to the
    present keeps the catch-up to one step: a crawl never needs replaying.
    """

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if previous_fire_time is None and self.start_date <= now:
            return now
        next_time = super().get_next_fire_time(previous_fire_time, now)
        if previous_fire_time is not None and next_time is not None and next_time < now:
            return super().get_next_fire_time(None, now)
        return next_time


def digest_trigger(watchlist: WatchList, timezone: str) -> BaseTrigger:
    """Cron trigger(s) at the list's local digest times, in its IANA timezone.

    On a spring-forward day APScheduler fires a skipped time one DST offset later by the wall
    clock (02:30 at 03:30, half an hour after the 03:00 jump), and on a fall-back day it fires a
    repeated time twice. Both are harmless: the trigger only wakes the
    service, and the ledger decides what is due (the minutely ``due-check`` catches the skipped
    time at the moment :mod:`alerts.due` says it falls due).
    """
    crons = [
        CronTrigger(hour=moment.hour, minute=moment.minute, timezone=timezone)
        for moment in sorted(set(watchlist.digest.times))
    ]
    return crons[0] if len(crons) == 1 else OrTrigger(crons)


def crawl_trigger(
    source: Source, first_run: datetime, options: ServiceOptions
) -> CatchUpIntervalTrigger:
    interval = source.interval.total_seconds()
    jitter = min(interval * options.crawl_jitter_fraction, options.crawl_jitter_max.total_seconds())
    return CatchUpIntervalTrigger(
        seconds=interval, start_date=first_run, jitter=jitter or None, timezone=UTC
    )


class SignalInbox:
    """SIGHUP, SIGTERM and SIGINT as bytes on a pipe, for the control thread to act on.

    A Python signal handler runs only in the main thread, and only when that thread next runs
    Python code. The kernel may deliver the signal to any thread, so the scheduler's main
    thread, asleep in a lock wait until its next job (up to a minute), would notice it late.
    ``signal.set_wakeup_fd`` makes the C-level handler write the signal number to a pipe at
    once, whatever thread it interrupted; the handlers themselves do nothing.
    """

    HANDLED = frozenset({signal.SIGHUP, *STOP_SIGNALS})

    def __init__(self) -> None:
        self._read_fd: int | None = None
        self._write_fd: int | None = None
        self._previous_fd = -1
        self._previous_handlers: dict[int, Any] = {}

    def open(self) -> None:
        """Start collecting; call from the main thread."""
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._write_fd, False)
        self._previous_fd = signal.set_wakeup_fd(self._write_fd, warn_on_full_buffer=False)
        for signum in self.HANDLED:
            self._previous_handlers[signum] = signal.signal(signum, _noted_on_the_pipe)

    def receive(self) -> int | None:
        """The next signal number, waiting for it; None once closed."""
        if self._read_fd is None:
            return None
        try:
            data = os.read(self._read_fd, 1)
        except OSError:
            return None
        return data[0] if data else None

    def close(self) -> None:
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        self._previous_handlers.clear()
        signal.set_wakeup_fd(self._previous_fd)
        for fd in (self._write_fd, self._read_fd):
            if fd is not None:
                os.close(fd)
        self._read_fd = self._write_fd = None


def _noted_on_the_pipe(_signum: int, _frame: object) -> None:
    """The Python-level handler: nothing to do, the wakeup pipe already has the signal."""


class Service:
    """The scheduler, its jobs, and the signal handling around them.

    ``clock`` gives "now" to everything that consults the ledger or the retention cut-off; tests
    inject a fake one to step through days, DST changes and outages (see ``check_due``).
    """

    def __init__(
        self,
        config_dir: str | Path | None = None,
        *,
        options: ServiceOptions | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = load_config(config_dir)
        self.config_dir = self.config.directory
        self.database = Path(self.config.settings.database).resolve()
        self.options = options or ServiceOptions()
        self.clock = clock
        self.scheduler = BlockingScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={
                "default": ThreadPoolExecutor(4),
                CRAWL_EXECUTOR: ThreadPoolExecutor(self._crawl_processes(self.config)),
            },
            job_defaults=JOB_DEFAULTS,
            timezone=UTC,
        )
        self.scheduler.add_listener(self._on_job_trouble, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
        self.scheduler.add_listener(self._on_started, EVENT_SCHEDULER_STARTED)
        self._signals = SignalInbox()
        self._stopping = threading.Event()
        self._mail_lock = threading.Lock()  # one sender at a time: due, pending and instant
        self._active = 0
        self._active_changed = threading.Condition()
        self._scheduled: dict[str, tuple[Any, ...]] = {}  # job id -> what its trigger came from

    # ----------------------------------------------------------------------------------------
    # Running and stopping

    def run(self) -> int:
        """Run until SIGTERM or SIGINT; return the exit status (0 after a clean stop).

        :raises scheduler.lock.AlreadyRunning: when another service holds the database.
        :raises DatabaseDamaged: when the archive fails its integrity check.
        """
        with ServiceLock(self.database):
            self._check_database()
            if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
                # APScheduler logs two INFO lines per job run; the jobs log what matters.
                logging.getLogger("apscheduler").setLevel(logging.WARNING)
            self._signals.open()
            try:
                self.rematch()
                self._schedule_configured_jobs(self.config)
                self._schedule_housekeeping()
                self.scheduler.start()  # blocks until the control thread shuts it down
                return self._finish_stop()
            finally:
                self._signals.close()

    def _check_database(self) -> None:
        with contextlib.closing(open_database(self.database)) as db:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise DatabaseDamaged(
                f"the database {self.database} failed its integrity check ({verdict}); restore a "
                "backup, or recover it with the sqlite3 shell's .recover command"
            )
        logger.info("database %s: integrity ok", self.database)
        self._close_abandoned_crawl_runs()

    def _close_abandoned_crawl_runs(self) -> None:
        from scheduler.crawl import GRACE_SECONDS, TIME_LIMIT_MARGIN

        # Twice the longest a supervised crawl can last: any run older is certainly dead.
        longest = self.config.settings.crawl.cycle_timeout.total_seconds() + TIME_LIMIT_MARGIN
        cutoff = utcnow() - timedelta(seconds=2 * (longest + GRACE_SECONDS))
        with contextlib.closing(open_database(self.database)) as db:
            closed = crawlstate.close_abandoned_runs(db, started_before=cutoff, now=utcnow())
        if closed:
            logger.warning("%d crawl runs left 'running' by a killed process marked failed", closed)

    def _on_started(self, _event: SchedulerEvent) -> None:
        threading.Thread(target=self._control_loop, name="control", daemon=True).start()
        threading.Thread(target=self._watch_clock, name="clock-watch", daemon=True).start()
        logger.info(
            "presswatch service started (pid %d): %d sources, %d watch lists, database %s",
            os.getpid(),
            len(self._job_ids("crawl:")),
            len(self.config.watchlists),
            self.database,
        )

    def _control_loop(self) -> None:
        while (signum := self._signals.receive()) is not None:
            if signum not in SignalInbox.HANDLED:
                continue
            name = signal.Signals(signum).name
            if signum == signal.SIGHUP:
                if self._stopping.is_set():
                    logger.info("received SIGHUP while stopping: ignored")
                else:
                    logger.info("received SIGHUP: reloading the configuration")
                    self.reload()
                continue
            logger.info("received %s: stopping", name)
            self.stop()
            return

    def stop(self) -> None:
        """Stop starting jobs and make :meth:`run` return (it then ends the running crawls)."""
        self._stopping.set()
        if self.scheduler.state == STATE_RUNNING:
            self.scheduler.shutdown(wait=False)

    def _finish_stop(self) -> int:
        """Stop crawl children, let other running jobs finish, and give up at ``stop_timeout``."""
        deadline = time.monotonic() + self.options.stop_timeout
        signalled: dict[int, float] = {}  # crawl child pid -> when it got SIGTERM
        with self._active_changed:
            while self._active and time.monotonic() < deadline:
                self._stop_crawl_children(signalled)
                self._active_changed.wait(min(0.5, max(0.0, deadline - time.monotonic())))
            unfinished = self._active
        if signalled:
            logger.info("stopped %d running crawl processes", len(signalled))
        if unfinished:
            # A send still talking to a stalled server: leaving now is safe, the ledger row stays
            # pending and is sent again (same Message-ID) after the restart.
            logger.error(
                "%d jobs still running after %.0f s; exiting without them",
                unfinished,
                self.options.stop_timeout,
            )
            logging.shutdown()
            os._exit(0)
        logger.info("presswatch service stopped")
        return 0

    def _stop_crawl_children(self, signalled: dict[int, float]) -> None:
        """SIGTERM each crawl child's process group, and SIGKILL it after a grace period.

        Checked again on every pass, because a crawl job that was starting when the stop came
        may start its child afterwards. The children are never waited for here: the crawl
        job's own ``run_crawl`` reaps its child and records the run as killed.
        """
        own_group = os.getpgrp()
        now = time.monotonic()
        for child in psutil.Process().children():
            first = signalled.setdefault(child.pid, now)
            if first == now:
                _signal_process_group(child.pid, own_group, signal.SIGTERM)
            elif now - first > CRAWL_STOP_GRACE:
                _signal_process_group(child.pid, own_group, signal.SIGKILL)

    @contextlib.contextmanager
    def _activity(self) -> Iterator[bool]:
        """Count a running job; yields False once stopping, so the job does nothing."""
        with self._active_changed:
            self._active += 1
        try:
            yield not self._stopping.is_set()
        finally:
            with self._active_changed:
                self._active -= 1
                self._active_changed.notify_all()

    # ----------------------------------------------------------------------------------------
    # The schedule

    def _schedule_configured_jobs(self, config: Config) -> dict[str, list[str]]:
        """Make the crawl and digest jobs match ``config``; return the job ids touched."""
        wanted = self._wanted_jobs(config)
        changes: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
        for job_id in self._job_ids("crawl:") + self._job_ids("digest:"):
            if job_id not in wanted:
                self.scheduler.remove_job(job_id)
                del self._scheduled[job_id]
                changes["removed"].append(job_id)
        for job_id, (origin, make_trigger, func, kwargs, executor) in wanted.items():
            if self._scheduled.get(job_id) == origin:
                continue
            trigger = make_trigger()
            if job_id in self._scheduled:
                self.scheduler.reschedule_job(job_id, trigger=trigger)
                changes["changed"].append(job_id)
            else:
                self.scheduler.add_job(
                    func, trigger, id=job_id, name=job_id, kwargs=kwargs, executor=executor
                )
                changes["added"].append(job_id)
            self._scheduled[job_id] = origin
            logger.info(
                "scheduled %s: %s, next at %s",
                job_id,
                _describe_origin(origin),
                _format_time(trigger.get_next_fire_time(None, datetime.now(UTC))),
            )
        return changes

    def _wanted_jobs(self, config: Config) -> dict[str, tuple[Any, ...]]:
        """job id -> (origin, trigger factory, function, kwargs, executor) for ``config``."""
        now = datetime.now(UTC)
        with contextlib.closing(open_database(self.database)) as db:
            last_starts = last_crawl_starts(db)
        wanted: dict[str, tuple[Any, ...]] = {}
        for source in config.sources:
            if not source.enabled:
                continue
            origin = ("crawl", source.interval)
            first = next_crawl_time(last_starts.get(source.name), source.interval, now)
            wanted[f"crawl:{source.name}"] = (
                origin,
                lambda source=source, first=first: crawl_trigger(source, first, self.options),
                self.crawl_job,
                {"source_name": source.name},
                CRAWL_EXECUTOR,
            )
        for watchlist in config.watchlists:
            if not watchlist.digest.enabled:
                continue
            timezone = config.digest_timezone(watchlist)
            origin = ("digest", tuple(sorted(set(watchlist.digest.times))), timezone)
            wanted[f"digest:{watchlist.name}"] = (
                origin,
                lambda watchlist=watchlist, timezone=timezone: digest_trigger(watchlist, timezone),
                self.digest_job,
                {"watchlist_name": watchlist.name},
                "default",
            )
        return wanted

    def _schedule_housekeeping(self) -> None:
        now = datetime.now(UTC)
        options = self.options
        # next_run_time=now: the ledger check runs first thing after a start (the catch-up).
        self.scheduler.add_job(
            self.due_check_job,
            CatchUpIntervalTrigger(seconds=options.due_check_every.total_seconds(), timezone=UTC),
            id="due-check",
            name="due-check",
            next_run_time=now,
        )
        self.scheduler.add_job(
            self.deliver_job,
            CatchUpIntervalTrigger(seconds=options.deliver_every.total_seconds(), timezone=UTC),
            id="deliver-pending",
            name="deliver-pending",
            next_run_time=now,
        )
        self.scheduler.add_job(
            self.retention_job,
            CatchUpIntervalTrigger(
                seconds=options.retention_every.total_seconds(),
                start_date=now + options.retention_first_after,
                timezone=UTC,
            ),
            id="retention",
            name="retention",
        )

    def _job_ids(self, prefix: str) -> list[str]:
        return sorted(job_id for job_id in self._scheduled if job_id.startswith(prefix))

    def _crawl_processes(self, config: Config) -> int:
        return self.options.max_crawl_processes or config.settings.crawl.parallel_sources

    def reload(self) -> bool:
        """Re-read the configuration and reschedule; keep the running one if it is invalid."""
        try:
            config = load_config(self.config_dir)
        except ConfigError as error:
            logger.error("configuration reload rejected, keeping the running one: %s", error)
            return False
        new_database = Path(config.settings.database).resolve()
        if new_database != self.database:
            logger.error(
                "configuration reload rejected: the database changed from %s to %s; "
                "restart the service to switch databases",
                self.database,
                new_database,
            )
            return False
        if self._crawl_processes(config) != self._crawl_processes(self.config):
            logger.warning(
                "crawl.parallel_sources changed to %d: it takes effect when the service restarts",
                config.settings.crawl.parallel_sources,
            )
        self.config = config
        self.rematch()
        changes = self._schedule_configured_jobs(config)
        logger.info(
            "configuration reloaded: %d sources, %d watch lists; added %s, changed %s, removed %s",
            len(config.sources),
            len(config.watchlists),
            ", ".join(changes["added"]) or "nothing",
            ", ".join(changes["changed"]) or "nothing",
            ", ".join(changes["removed"]) or "nothing",
        )
        self.scheduler.modify_job("due-check", next_run_time=datetime.now(UTC))
        return True

    # ----------------------------------------------------------------------------------------
    # Jobs

    @contextlib.contextmanager
    def _database(self) -> Iterator[Database]:
        # A connection per job: sqlite3 connections must not be shared by concurrent threads.
        db = open_database(self.database, migrate=False)
        try:
            yield db
        finally:
            db.close()

    def rematch(self) -> None:
        """Match the archive against new or edited watch lists, before their first digest."""
        from crawler.archive import rematch_archive

        try:
            with self._database() as db:
                rematch_archive(db, self.config, now=self.clock())
        except Exception:
            # The lists are still matched from the next crawl on; the service carries on.
            logger.exception("re-matching the archive against the watch lists failed")

    def crawl_job(self, source_name: str) -> None:
        """Crawl one source in a child process, then send instant alerts."""
        from scheduler.crawl import run_crawl

        with self._activity() as go:
            if not go:
                return
            config = self.config
            # run_crawl logs the outcome and records it in crawl_runs; it never raises for a
            # failed, hung or killed crawl. Its default wall-clock limit is the configured
            # cycle_timeout (where the child stops itself) plus a margin for the hard kill.
            run_crawl(self.config_dir, [source_name])
            if any(watchlist.instant for watchlist in config.watchlists):
                self._send_instant()

    def digest_job(self, watchlist_name: str) -> None:
        self.check_due(watchlists=[watchlist_name])

    def due_check_job(self) -> None:
        self.check_due()

    def check_due(self, watchlists: list[str] | None = None) -> Any:
        """Send every digest the ledger says is due now (all lists, or only ``watchlists``)."""
        import alerts

        with self._activity() as go:
            if not go:
                return None
            with self._mail_lock, self._database() as db:
                report = alerts.send_due(db, self.config, now=self.clock(), watchlists=watchlists)
            _log_report("due digests", report)
            return report

    def deliver_job(self) -> None:
        import alerts

        with self._activity() as go:
            if not go:
                return
            with self._mail_lock, self._database() as db:
                report = alerts.deliver_pending(db, self.config, now=self.clock())
            _log_report("pending deliveries", report)

    def _send_instant(self) -> None:
        import alerts

        if self._stopping.is_set():
            return
        with self._mail_lock, self._database() as db:
            report = alerts.send_instant(db, self.config, now=self.clock())
        _log_report("instant alerts", report)

    def retention_job(self) -> None:
        from scheduler.retention import prune

        with self._activity() as go:
            if not go:
                return
            with self._database() as db:
                prune(db, now=self.clock(), retention_days=self.config.settings.retention_days)

    # ----------------------------------------------------------------------------------------
    # Clock jumps and job events

    def _watch_clock(self) -> None:
        watch = ClockWatch()
        while not self._stopping.wait(self.options.clock_watch_every):
            jump = watch.look()
            if jump is not None:
                self.on_clock_jump(jump)

    def on_clock_jump(self, jump: ClockJump) -> None:
        """Re-check the ledger now, and pull in interval jobs a backward step pushed away."""
        logger.warning("%s: checking for due digests now", jump.describe())
        if self._stopping.is_set() or self.scheduler.state != STATE_RUNNING:
            return
        now = datetime.now(UTC)
        for job in self.scheduler.get_jobs():
            if not isinstance(job.trigger, IntervalTrigger) or job.next_run_time is None:
                continue
            if job.next_run_time > now + job.trigger.interval:
                job.modify(next_run_time=now + job.trigger.interval)
        self.scheduler.modify_job("due-check", next_run_time=now)

    def _on_job_trouble(self, event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            logger.warning(
                "job %s missed its run at %s", event.job_id, _format_time(event.scheduled_run_time)
            )
        else:
            logger.error(
                "job %s failed: %s: %s",
                event.job_id,
                type(event.exception).__name__,
                event.exception,
            )


def run_service(config_dir: str | Path | None = None, options: ServiceOptions | None = None) -> int:
    """Build and run the service (``presswatch run``); returns the exit status."""
    return Service(config_dir, options=options).run()


def _signal_process_group(pid: int, own_group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        group = os.getpgid(pid)
        if group != own_group:
            os.killpg(group, signum)
        else:
            os.kill(pid, signum)


def _describe_origin(origin: tuple[Any, ...]) -> str:
    if origin[0] == "crawl":
        seconds = int(origin[1].total_seconds())
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds >= size and seconds % size == 0:
                return f"every {seconds // size}{unit}"
        return f"every {seconds}s"
    times = ", ".join(moment.strftime("%H:%M") for moment in origin[1])
    return f"at {times} {origin[2]}"


def _format_time(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "never"


def _log_report(what: str, report: Any) -> None:
    # alerts logs each delivery itself; this line adds what was prepared, for debugging.
    if report.prepared or report.sent or report.retrying or report.failed:
        logger.debug("%s: %s", what, report)
