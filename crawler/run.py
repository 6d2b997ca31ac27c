"""One crawl cycle in this process: the entry point of the crawl child.

    python -m crawler.run --config DIR [--source NAME ...]

Crawls the named sources (default: every enabled source) with one Scrapy crawler each, in one
Twisted reactor that runs once and ends with the process: the service starts this module as a
child process for every cycle (:func:`scheduler.crawl.run_crawl`), so a reactor is never
restarted and a leak or a hang cannot outlive the cycle.

Sources run side by side, at most ``crawl.concurrency // crawl.concurrency_per_domain`` at a
time, so that the total number of open requests (and so the memory held by response bodies)
stays near ``crawl.concurrency``. Each crawler stops at what is left of ``crawl.cycle_timeout``.
SIGTERM or SIGINT closes the crawlers gracefully (their runs are recorded as ``killed``); a
second signal stops at once.

Exit status: 0 when the cycle ran (each source's outcome is in ``crawl_runs``), 1 on an
unexpected error, 2 for a configuration or usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings
from scrapy.utils.log import configure_logging
from scrapy.utils.reactor import install_reactor

from config import Config, ConfigError, load_config
from config.schema import Source
from crawler import crawlstate
from crawler.addresses import GuardedResolver
from crawler.settings import address_policy, scrapy_settings_for
from crawler.store import utcnow
from crawler.writebatch import acquire_batch, release_batch

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
STOP_GRACE_SECONDS = 2.0  # after SIGTERM, before the reactor is stopped regardless
_ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# For measurements only: a file name here makes the child write a cProfile of its cycle there.
PROFILE_ENV = "PRESSWATCH_CRAWL_PROFILE"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_arguments(argv)
    try:
        config = load_config(args.config)
        sources = select_sources(config, args.source)
        run_ids = _parse_run_ids(args.run_ids)
    except (ConfigError, ValueError) as error:
        sys.stderr.write(f"presswatch crawl: {error}\n")
        return EXIT_USAGE
    settings = crawl_settings(config, log_level=args.log_level)
    try:
        _profiled(run_cycle, os.environ.get(PROFILE_ENV))(config, settings, sources, run_ids)
    except Exception:
        logger.exception("the crawl cycle failed")
        return EXIT_ERROR
    return EXIT_OK


def _profiled(function: Callable[..., None], output: str | None) -> Callable[..., None]:
    if not output:
        return function

    @functools.wraps(function)
    def profiled(*args: Any) -> None:
        profiler = cProfile.Profile(time.process_time)  # CPU, not time spent waiting
        try:
            profiler.runcall(function, *args)
        finally:
            profiler.dump_stats(output)

    return profiled


def _parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.run", description="Run one presswatch crawl cycle."
    )
    parser.add_argument(
        "--config", help="configuration directory (default: $PRESSWATCH_CONFIG or ./config)"
    )
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME",
        help="crawl this source (repeatable; default: all enabled sources)",
    )
    parser.add_argument(
        "--run-ids",
        default=None,
        metavar="JSON",
        help="crawl run ids created by the caller, as {source: id}",
    )
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def select_sources(config: Config, names: Sequence[str]) -> list[Source]:
    """The sources to crawl: the named ones (enabled or not), else every enabled one."""
    if not names:
        return [source for source in config.sources if source.enabled]
    selected = []
    for name in names:
        try:
            selected.append(config.source(name))
        except KeyError:
            known = ", ".join(repr(source.name) for source in config.sources)
            raise ValueError(f"unknown source {name!r}; configured: {known}") from None
    return selected


def _parse_run_ids(text: str | None) -> dict[str, int]:
    if not text:
        return {}
    try:
        mapping = json.loads(text)
        return {str(name): int(run_id) for name, run_id in mapping.items()}
    except (ValueError, AttributeError, TypeError) as error:
        raise ValueError(f"--run-ids must be a JSON object of source name to id: {error}") from None


def crawl_settings(config: Config, *, log_level: str = "INFO") -> Settings:
    """The project settings with the configuration applied, as the crawl command would build."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(scrapy_settings_for(config.settings.crawl), priority="project")
    settings.set("PRESSWATCH_CONFIG", str(config.directory), priority="cmdline")
    settings.set("LOG_LEVEL", log_level.upper(), priority="cmdline")
    return settings


def run_cycle(
    config: Config, settings: Settings, sources: Sequence[Source], run_ids: dict[str, int]
) -> None:
    """Crawl ``sources`` in a reactor that this call starts and stops (once per process)."""
    install_reactor(_ASYNCIO_REACTOR)
    from twisted.internet import reactor

    configure_logging(settings)
    _drop_records_below(settings.get("LOG_LEVEL"))
    GuardedResolver(reactor, address_policy(settings)).install_on_reactor()
    reactor.getThreadPool().adjustPoolsize(maxthreads=settings.getint("REACTOR_THREADPOOL_MAXSIZE"))
    runner = AsyncCrawlerRunner(settings)
    cycle = _Cycle(config, settings, runner, run_ids)
    _install_signal_handlers(reactor, runner)
    loop = asyncio.get_event_loop()
    task = loop.create_task(cycle.crawl_all(sources))
    task.add_done_callback(lambda _: reactor.callLater(0, _stop_reactor, reactor))
    reactor.run(installSignalHandlers=False)
    if task.done() and not task.cancelled() and task.exception() is not None:
        raise task.exception()  # type: ignore[misc]


def _drop_records_below(level_name: str) -> None:
    # Scrapy sets its loggers to DEBUG and lets the handler drop what is below LOG_LEVEL, so
    # every debug message of Scrapy, trafilatura and presswatch (several per page) still builds
    # a LogRecord. Nothing in the child below LOG_LEVEL is ever shown: drop it at the call.
    level = logging.getLevelName(level_name.upper())
    if isinstance(level, int) and level > logging.NOTSET:
        logging.disable(level - 1)


class _Cycle:
    """Runs the sources' crawlers under one deadline and at most N at a time."""

    def __init__(
        self,
        config: Config,
        settings: Settings,
        runner: AsyncCrawlerRunner,
        run_ids: dict[str, int],
    ) -> None:
        crawl = config.settings.crawl
        self.config = config
        self.settings = settings
        self.runner = runner
        self.run_ids = run_ids
        self.deadline = time.monotonic() + crawl.cycle_timeout.total_seconds()
        self.parallel = max(1, crawl.concurrency // crawl.concurrency_per_domain)

    async def crawl_all(self, sources: Sequence[Source]) -> None:
        slots = asyncio.Semaphore(self.parallel)
        await asyncio.gather(*(self._crawl_one(source, slots) for source in sources))

    async def _crawl_one(self, source: Source, slots: asyncio.Semaphore) -> None:
        # Imported here: the service imports this module (select_sources) and must not load
        # the extractor and the matcher along with it.
        from crawler.spiders.source import SourceSpider

        async with slots:
            remaining = self.deadline - time.monotonic()
            run_id = self.run_ids.get(source.name)
            if remaining <= 1:
                self._record_not_run(source, run_id, "timeout", "not started: cycle_timeout")
                return
            settings = self.settings.copy()
            settings.set("CLOSESPIDER_TIMEOUT", remaining, priority="cmdline")
            crawler = Crawler(SourceSpider, settings)
            try:
                await self.runner.crawl(crawler, source=source.name, run_id=run_id)
            except Exception as error:
                logger.exception("crawl of %s could not run", source.name)
                self._record_not_run(source, run_id, "failed", f"could not run: {error!r}")

    def _record_not_run(
        self, source: Source, run_id: int | None, status: crawlstate.RunStatus, message: str
    ) -> None:
        # The spiders' connection: a connection of its own would wait, in this very thread, for
        # the write lock that a running spider's open batch holds.
        batch = acquire_batch(self.config.settings.database)
        try:
            batch.commit()
            now = utcnow()
            if run_id is None:
                run_id = crawlstate.start_run(batch.db, source.name, now)
            crawlstate.close_unfinished_runs(
                batch.db, [run_id], status=status, message=message[:500], now=now
            )
        finally:
            release_batch(batch)


def _install_signal_handlers(reactor: Any, runner: AsyncCrawlerRunner) -> None:
    def graceful(signum: int, _frame: Any) -> None:
        signal.signal(signal.SIGTERM, immediate)
        signal.signal(signal.SIGINT, immediate)
        reactor.callFromThread(_stop_crawlers, reactor, runner)

    def immediate(signum: int, _frame: Any) -> None:
        reactor.callFromThread(_stop_reactor, reactor)

    signal.signal(signal.SIGTERM, graceful)
    signal.signal(signal.SIGINT, graceful)


def _stop_crawlers(reactor: Any, runner: AsyncCrawlerRunner) -> None:
    logger.info("stopping the crawl: closing every crawler")
    for crawler in list(runner.crawlers):
        record_progress = getattr(crawler.spider, "record_progress", None)
        if record_progress is not None:
            record_progress("killed", "stopped by a signal")
    asyncio.get_event_loop().create_task(runner.stop())
    # A graceful close waits for downloads in flight, up to DOWNLOAD_TIMEOUT: do not wait that
    # long, the counts are already recorded.
    reactor.callLater(STOP_GRACE_SECONDS, _stop_reactor, reactor)


def _stop_reactor(reactor: Any) -> None:
    if reactor.running:
        reactor.stop()


if __name__ == "__main__":
    sys.exit(main())
