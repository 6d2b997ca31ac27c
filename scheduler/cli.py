"""The ``presswatch`` command line.

Each subcommand is a small function ``cmd_<name>(args) -> int`` that loads the configuration,
does one thing and returns the exit status: 0 ok, 1 runtime failure, 2 usage or config error.
A configuration problem is one line naming the file, the key and what is wrong, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from config import Config, ConfigError, load_config

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.log_level, json_logs=getattr(args, "log_json", False))
    try:
        return args.handler(args)
    except ConfigError as error:
        _say(f"presswatch: configuration error: {error}", stream=sys.stderr)
        return EXIT_USAGE
    except UsageError as error:
        _say(f"presswatch: {error}", stream=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, OSError) as error:
        _say(f"presswatch: {error}", stream=sys.stderr)
        return EXIT_FAILURE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="presswatch",
        description="Media monitoring: crawl news sources, match watch lists, e-mail digests.",
    )
    parser.add_argument(
        "--config",
        metavar="DIR",
        help="configuration directory (default: $PRESSWATCH_CONFIG or ./config)",
    )
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def command(name: str, handler: Callable[[argparse.Namespace], int], help: str):
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(handler=handler)
        return sub

    command("check", cmd_check, "validate the configuration and print a summary")
    crawl = command("crawl", cmd_crawl, "run one crawl cycle now, then exit")
    crawl.add_argument("--source", action="append", metavar="NAME", help="only this source")
    digest = command("digest", cmd_digest, "send the digests that are due now")
    digest.add_argument("--watchlist", metavar="NAME", help="only this watch list")
    digest.add_argument(
        "--preview", metavar="FILE", help="write the HTML to FILE; send and record nothing"
    )
    search = command("search", cmd_search, "search the archive with the watch-list query language")
    search.add_argument("query")
    search.add_argument("--json", action="store_true", help="one JSON object per line")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--days", type=float, default=None, help="only the last N days")
    export = command("export", cmd_export, "write stored articles as JSON lines or CSV")
    export.add_argument("--since", type=float, metavar="DAYS", help="only the last N days")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export.add_argument("--output", "-o", metavar="FILE", help="default: standard output")
    status = command("status", cmd_status, "show crawl, match and digest health")
    status.add_argument("--json", action="store_true")
    run = command("run", cmd_run, "run the service: scheduled crawls, digests and alerts")
    run.add_argument("--log-json", action="store_true", help="log JSON lines to stderr")
    backup = command("backup", cmd_backup, "copy the live database safely to FILE")
    backup.add_argument("file")
    browse = command("browse", cmd_browse, "serve a read-only web view of the archive")
    browse.add_argument("--host")
    browse.add_argument("--port", type=int)
    return parser


def configure_logging(level: str, *, json_logs: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_logs:
        from scheduler.logformat import JsonFormatter

        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _say(text: str, *, stream=None) -> None:
    """Command output for people (the CLI's product, not a log line)."""
    (stream or sys.stdout).write(text + "\n")


def _load(args: argparse.Namespace) -> Config:
    return load_config(args.config)


def cmd_check(args: argparse.Namespace) -> int:
    config = _load(args)
    from apscheduler.triggers.cron import CronTrigger

    now = datetime.now(ZoneInfo("UTC"))
    _say(f"configuration: {config.directory}")
    _say(f"database: {config.settings.database}")
    smtp = config.settings.mail.smtp
    _say(
        f"mail: SMTP {smtp.host}:{smtp.effective_port} ({smtp.security})"
        if smtp
        else f"mail: no SMTP configured, digests go to {config.settings.mail.outbox}/"
    )
    _say(f"\n{len(config.sources)} sources:")
    for source in config.sources:
        paths = [
            f"{len(urls)} {kind}"
            for kind, urls in (
                ("feeds", source.feeds),
                ("sitemaps", source.sitemaps),
                ("start URLs", source.start_urls),
            )
            if urls
        ]
        every = _format_duration(source.interval.total_seconds())
        state = "" if source.enabled else " (disabled)"
        _say(f"  {source.name}: {', '.join(paths)}, every {every}{state}")
    _say(f"\n{len(config.watchlists)} watch lists:")
    for watchlist in config.watchlists:
        _say(f"  {watchlist.name} ({watchlist.path.name if watchlist.path else ''})")
        _say(f"    query: {watchlist.query}")
        _say(f"    recipients: {', '.join(watchlist.recipients) or '(none)'}")
        if watchlist.digest.enabled:
            timezone = config.digest_timezone(watchlist)
            next_times = [
                CronTrigger(hour=t.hour, minute=t.minute, timezone=timezone).get_next_fire_time(
                    None, now
                )
                for t in watchlist.digest.times
            ]
            upcoming = min(t for t in next_times if t is not None)
            times = ", ".join(t.strftime("%H:%M") for t in watchlist.digest.times)
            _say(f"    digest: {times} {timezone}; next {upcoming.isoformat(timespec='minutes')}")
        else:
            _say("    digest: off")
        if watchlist.instant:
            _say("    instant alerts: on")
    _say("\nconfiguration ok")
    return EXIT_OK


def _format_duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.archive import rematch_archive
    from scheduler.crawl import run_crawl

    config = _load(args)
    names = _known_names(args.source, [source.name for source in config.sources], "source")
    db = _open_archive(config)
    rematch_archive(db, config)
    result = run_crawl(
        config.directory, names, time_limit=config.settings.crawl.cycle_timeout.total_seconds()
    )
    for name, run in sorted(result.sources.items()):
        errors = ", ".join(f"{kind} {count}" for kind, count in sorted(run.errors.items()))
        _say(
            f"{name}: {run.status}; {run.new} new, {run.updated} updated, {run.skipped} skipped,"
            f" {run.requests} requests ({run.not_modified} not modified)"
            + (f"; errors: {errors}" if errors else "")
        )
    _say(f"crawl {result.status} in {result.duration:.1f} s: {result.new} new articles")
    if result.message:
        _say(result.message, stream=sys.stderr)
    return EXIT_OK if result.status == "ok" else EXIT_FAILURE


def cmd_digest(args: argparse.Namespace) -> int:
    import alerts
    from crawler.archive import rematch_archive
    from crawler.store import utcnow

    config = _load(args)
    names = _known_names(
        [args.watchlist] if args.watchlist else None,
        [watchlist.name for watchlist in config.watchlists],
        "watch list",
    )
    db = _open_archive(config)
    rematch_archive(db, config)
    now = utcnow()
    if args.preview:
        if names is None and len(config.watchlists) > 1:
            _say("presswatch digest: --preview needs --watchlist NAME", stream=sys.stderr)
            return EXIT_USAGE
        watchlist = names[0] if names else config.watchlists[0].name
        html = alerts.preview(db, config, watchlist, now=now)
        with open(args.preview, "w", encoding="utf-8") as output:
            output.write(html)
        _say(f"preview of {watchlist!r} written to {args.preview}; nothing was sent")
        return EXIT_OK
    report = alerts.deliver_pending(db, config, now=now, watchlists=names)
    report.merge(alerts.send_instant(db, config, now=now))
    report.merge(alerts.send_due(db, config, now=now, watchlists=names))
    _say(f"digests: {report}")
    return EXIT_OK if not report.failed else EXIT_FAILURE


def _known_names(requested: list[str] | None, known: list[str], kind: str) -> list[str] | None:
    """Check names given on the command line; an unknown one is a usage error."""
    import difflib

    for name in requested or []:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UsageError(f"unknown {kind} {name!r}{hint}")
    return requested or None


class UsageError(Exception):
    """A command-line argument that names nothing configured."""


def cmd_search(args: argparse.Namespace) -> int:
    import json

    from crawler.archive import search_archive
    from crawler.matching import QuerySyntaxError

    config = _load(args)
    db = _open_archive(config, read_only=True)
    try:
        hits = search_archive(db, args.query, limit=args.limit, days=args.days)
    except QuerySyntaxError as error:
        _say(f"presswatch search: invalid query:\n{error}", stream=sys.stderr)
        return EXIT_USAGE
    for hit in hits:
        if args.json:
            record = {
                "id": hit.article_id,
                "title": hit.title,
                "url": hit.url,
                "source": hit.source,
                "published_at": hit.published_at,
                "story": hit.story_id,
                "snippet": hit.match.snippet,
                "highlights": [list(span) for span in hit.match.highlights],
                "fields": sorted(hit.match.fields),
            }
            _say(json.dumps(record, ensure_ascii=False))
        else:
            published = (hit.published_at or "")[:16].replace("T", " ")
            _say(f"{published}  {hit.source}: {hit.title}\n  {hit.url}\n  {hit.match.snippet}\n")
    if not args.json:
        _say(f"{len(hits)} article{'s' if len(hits) != 1 else ''} found")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from crawler.archive import export_articles

    config = _load(args)
    db = _open_archive(config, read_only=True)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as output:
            count = export_articles(db, output, since_days=args.since, fmt=args.format)
    else:
        count = export_articles(db, sys.stdout, since_days=args.since, fmt=args.format)
    logger.info("exported %d articles", count)
    return EXIT_OK


def _open_archive(config: Config, *, read_only: bool = False):
    """The archive named by the config; a read-only command on a missing file is an error."""
    from crawler.store import open_database

    path = config.settings.database
    if read_only:
        if not path.exists():
            raise RuntimeError(f"no archive at {path}: run `presswatch crawl` first")
        # Make sure the schema is current before opening the read-only connection.
        open_database(path).close()
    return open_database(path, read_only=read_only)


def cmd_status(args: argparse.Namespace) -> int:
    from scheduler.status import NoDatabase, format_json, format_text, status_report

    config = _load(args)
    try:
        report = status_report(config, now=datetime.now(ZoneInfo("UTC")))
    except NoDatabase as error:
        _say(f"presswatch status: {error}", stream=sys.stderr)
        return EXIT_FAILURE
    _say(format_json(report) if args.json else format_text(report))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from scheduler.lock import AlreadyRunning
    from scheduler.service import DatabaseDamaged, Service

    service = Service(args.config)
    try:
        return service.run()
    except (AlreadyRunning, DatabaseDamaged) as error:
        _say(f"presswatch run: {error}", stream=sys.stderr)
        return EXIT_FAILURE


def cmd_backup(args: argparse.Namespace) -> int:
    from scheduler.backup import BackupError, backup_database

    config = _load(args)
    try:
        result = backup_database(config.settings.database, args.file)
    except BackupError as error:
        _say(f"presswatch backup: {error}", stream=sys.stderr)
        return EXIT_FAILURE
    _say(
        f"backed up {config.settings.database} to {result.target}: "
        f"{result.bytes / 1e6:.1f} MB in {result.seconds:.1f} s"
    )
    return EXIT_OK


def cmd_browse(args: argparse.Namespace) -> int:
    from scheduler.browse import run_browse

    return run_browse(_load(args), host=args.host, port=args.port)


if __name__ == "__main__":
    sys.exit(main())
