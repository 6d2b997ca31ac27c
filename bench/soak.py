"""Soak the service: hundreds of crawl cycles against a local news web that keeps publishing.

    .venv/bin/python bench/soak.py [--cycles 500] [--max-minutes 90] [--retention]
                                   [--match-every N]

Starts the real service (``Service.run``, as ``presswatch run`` does) in a subprocess against the
local news web (tests/newsweb) and an aiosmtpd sink. Two sources are crawled every second (one
crawl child per source, two at a time), and after every finished crawl run the web publishes
three new articles; on every run (or every ``--match-every`` runs) one of them matches a watch
list. "Gaza ceasefire" gets a digest every two minutes, "Rafah crossing" instant alerts. Every
50 crawl runs the bench prints the service's resident memory and open file descriptors (the
service process only, not its crawl children), the database size and the article count. At the
end it checks that every matching article found up to the last digest is in exactly one digest
per recipient and reached the sink.

``--retention``: the service runs with its wall clock one day minus RETENTION_AGE seconds ahead
(time-machine, in the service process only; crawl children keep the real clock) and prunes every
minute, with ``retention_days = 1``. Unmatched articles older than RETENTION_AGE real seconds
are then past retention and pruned, so the database should level off within the soak.

It stops by itself after ``--cycles`` crawl runs or ``--max-minutes``, whichever comes first.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.store import open_database  # noqa: E402
from tests.newsweb import GAZA, RAFAH, WATCHLISTS, generate_web, serve  # noqa: E402
from tests.service_support import write_config  # noqa: E402
from tests.smtp_faults import RecordingHandler, smtp_server  # noqa: E402

SAMPLE_EVERY = 50
RETENTION_AGE = 300  # seconds
NEW_PER_RUN = 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode")
    parser.add_argument("--cycles", type=int, default=500, help="crawl runs to wait for")
    parser.add_argument("--max-minutes", type=float, default=90)
    parser.add_argument("--retention", action="store_true")
    parser.add_argument(
        "--match-every", type=int, default=1, help="one matching article every N crawl runs"
    )
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    serve_parser = sub.add_parser("serve", help="(internal) the service process")
    serve_parser.add_argument("--config", required=True)
    serve_parser.add_argument("--clock-ahead", type=float, default=0.0)
    serve_parser.add_argument("--retention-every", type=float)
    args = parser.parse_args()
    if args.mode == "serve":
        return serve_service(args.config, args.clock_ahead, args.retention_every)
    return soak(args.cycles, args.max_minutes, args.retention, args.match_every, args.keep)


def serve_service(config: str, clock_ahead: float, retention_every: float | None) -> int:
    """The service process: Service.run with bench options (and a moved clock if asked)."""
    if clock_ahead:
        import time_machine

        time_machine.travel(datetime.now(UTC) + timedelta(seconds=clock_ahead), tick=True).start()
    from scheduler.cli import configure_logging
    from scheduler.service import Service, ServiceOptions

    configure_logging("INFO")
    options = ServiceOptions()
    if retention_every:
        every = timedelta(seconds=retention_every)
        options = ServiceOptions(retention_every=every, retention_first_after=every)
    return Service(config, options=options).run()


def soak(cycles: int, max_minutes: float, retention: bool, match_every: int, keep: bool) -> int:
    folder = Path(tempfile.mkdtemp(prefix="presswatch-soak-"))
    web = generate_web(seed=11, sites=2, articles_per_site=20, hostile=False)
    handler = RecordingHandler()
    every_two_minutes = [
        f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in range(0, 60, 2)
    ]
    with serve(web) as running, smtp_server(handler) as port:
        config = write_config(
            folder,
            sources=[
                {
                    "name": site.name,
                    "feeds": [running.base_url(site.name) + "/rss.xml"],
                    "interval": "1s",
                }
                for site in web.sites
            ],
            watchlists=[
                {
                    "name": GAZA,
                    "query": WATCHLISTS[GAZA],
                    "recipients": ["desk@example.org", "analyst@example.org"],
                    "digest": {"times": every_two_minutes},
                },
                {
                    "name": RAFAH,
                    "query": WATCHLISTS[RAFAH],
                    "recipients": ["border@example.org"],
                    "instant": True,
                    "digest": {"enabled": False},
                },
            ],
            smtp_port=port,
            extra_settings="retention_days = 1" if retention else "",
        )
        command = [sys.executable, __file__, "serve", "--config", str(config)]
        if retention:
            command += ["--clock-ahead", str(86400 - RETENTION_AGE), "--retention-every", "60"]
        log_path = folder / "service.log"
        with log_path.open("w") as log:
            service = subprocess.Popen(
                command,
                cwd=folder,
                stdout=log,
                stderr=log,
                env=dict(os.environ, PYTHONPATH=str(ROOT)),
            )
        database = folder / "data" / "presswatch.db"
        mode = "on" if retention else "off"
        print(
            f"soak: {cycles} crawl runs (max {max_minutes} min), retention {mode}, "
            f"{NEW_PER_RUN} new articles per run, one matching every {match_every} runs"
        )
        print(f"working folder {folder}; service pid {service.pid}")
        columns = (
            "runs",
            "minutes",
            "rss MB",
            "fds",
            "used MB",
            "file MB",
            "stored",
            "kept",
            "matched",
            "digests",
        )
        print(" ".join(f"{column:>8}" for column in columns))
        samples = []
        started = time.monotonic()
        seen_runs = 0
        try:
            while True:
                time.sleep(0.5)
                if service.poll() is not None:
                    print(f"the service exited with {service.returncode}; see {log_path}")
                    return 1
                runs = _finished_runs(database)
                for _ in range(runs - seen_runs):
                    _publish(web, seen_runs, match_every)
                    seen_runs += 1
                minutes = (time.monotonic() - started) / 60
                if runs // SAMPLE_EVERY > len(samples) or runs >= cycles or minutes > max_minutes:
                    sample = _sample(service.pid, database, runs, minutes)
                    samples.append(sample)
                    _print_sample(sample)
                if runs >= cycles or minutes > max_minutes:
                    break
            time.sleep(125)  # one more digest slot, so the last matches are sent
        finally:
            service.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                print(f"service stopped with status {service.wait(timeout=40)}")
            if service.poll() is None:
                service.kill()
                service.wait()
        _report(samples, database, handler, log_path)
    if not keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 0


def _publish(web, run: int, match_every: int) -> None:
    """NEW_PER_RUN new articles; on every ``match_every``-th run one of them matches a list."""
    matching = 0
    if run % match_every == 0:
        matching = 1
        web.add_articles(1, watchlist=RAFAH if (run // match_every) % 3 == 2 else GAZA)
    web.add_articles(NEW_PER_RUN - matching)


def _print_sample(sample: dict) -> None:
    values = (
        f"{sample['runs']}",
        f"{sample['minutes']:.1f}",
        f"{sample['rss_mb']:.1f}",
        f"{sample['fds']}",
        f"{sample['db_mb']:.2f}",
        f"{sample['file_mb']:.2f}",
        f"{sample['stored']}",
        f"{sample['articles']}",
        f"{sample['matched']}",
        f"{sample['digests']}",
    )
    print(" ".join(f"{value:>8}" for value in values), flush=True)


def _finished_runs(database: Path) -> int:
    if not database.exists():
        return 0
    db = open_database(database, read_only=True)
    try:
        # Not count(*): retention prunes old crawl runs. Ids only grow (the latest is kept).
        row = db.execute("SELECT max(id) FROM crawl_runs WHERE status != 'running'").fetchone()
        return row[0] or 0
    except Exception:
        return 0
    finally:
        db.close()


def _sample(pid: int, database: Path, runs: int, minutes: float) -> dict:
    process = psutil.Process(pid)
    db = open_database(database, read_only=True)
    try:
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        # Articles ever stored (ids only grow; the newest article is never pruned).
        stored = db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
        matched = db.execute("SELECT count(DISTINCT article_id) FROM matches").fetchone()[0]
        digests = db.execute("SELECT count(*) FROM digests WHERE status = 'sent'").fetchone()[0]
        # Pages in use, WAL included: the file size itself jumps with each checkpoint.
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        free = db.execute("PRAGMA freelist_count").fetchone()[0]
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
    finally:
        db.close()
    size = sum(
        path.stat().st_size
        for path in (database, database.with_name(database.name + "-wal"))
        if path.exists()
    )
    return {
        "runs": runs,
        "minutes": minutes,
        "rss_mb": process.memory_info().rss / 2**20,
        "fds": process.num_fds(),
        "db_mb": (pages - free) * page_size / 1e6,
        "file_mb": size / 1e6,
        "articles": articles,
        "stored": stored,
        "matched": matched,
        "digests": digests,
    }


def _report(samples: list[dict], database: Path, handler: RecordingHandler, log_path: Path) -> None:
    if len(samples) >= 2:
        first, last = samples[0], samples[-1]
        rss_growth = (last["rss_mb"] / first["rss_mb"] - 1) * 100
        fds = [sample["fds"] for sample in samples]
        print(
            f"\nservice RSS {first['rss_mb']:.1f} MB at run {first['runs']} -> "
            f"{last['rss_mb']:.1f} MB at run {last['runs']} ({rss_growth:+.1f} %); "
            f"open fds {min(fds)}-{max(fds)} over all samples (each running crawl child adds "
            "its log file and process handles)"
        )
        if last["stored"] > first["stored"]:
            growth = (last["db_mb"] - first["db_mb"]) * 1e6 / (last["stored"] - first["stored"])
            print(f"database growth: {growth:.0f} bytes per article stored (first to last sample)")
    db = open_database(database, read_only=True)
    try:
        last_digest = db.execute(
            "SELECT max(created_at) FROM digests WHERE watchlist = ? AND status = 'sent'", [GAZA]
        ).fetchone()[0]
        due = {
            row[0]
            for row in db.execute(
                "SELECT article_id FROM matches WHERE watchlist = ? AND matched_at <= ?",
                [GAZA, last_digest],
            )
        }
        received = Counter(handler.message_ids())
        for recipient in ("desk@example.org", "analyst@example.org"):
            carried = Counter(
                row[0]
                for row in db.execute(
                    "SELECT d.article_id FROM digest_articles d"
                    " JOIN digests g ON g.id = d.digest_id"
                    " WHERE d.watchlist = ? AND d.recipient = ? AND g.status = 'sent'",
                    [GAZA, recipient],
                )
            )
            missing = due - set(carried)
            twice = [article for article, count in carried.items() if count > 1]
            print(
                f"{recipient}: {len(due)} matching articles up to the last digest, "
                f"{len(missing)} not in a sent digest, {len(twice)} in two"
            )
        sent = [
            row[0] for row in db.execute("SELECT message_id FROM digests WHERE status = 'sent'")
        ]
        print(
            f"sent digests and alerts: {len(sent)}; received {sum(received.values())}; "
            f"not received {len(set(sent) - set(received))}; received twice "
            f"{sum(1 for count in received.values() if count > 1)}"
        )
        tables = db.execute(
            "SELECT CASE WHEN name LIKE 'articles%' OR name LIKE 'idx_articles%' THEN 'articles'"
            " WHEN name LIKE '%article_urls%' THEN 'article_urls'"
            " ELSE 'other' END, sum(pgsize) FROM dbstat GROUP BY 1"
        ).fetchall()
        print(
            "space by table (with indexes and full-text rows): "
            + ", ".join(f"{name} {size / 1e6:.2f} MB" for name, size in tables)
        )
        statuses = dict(
            db.execute("SELECT status, count(*) FROM crawl_runs GROUP BY status").fetchall()
        )
        print(f"crawl runs by status: {statuses}")
    finally:
        db.close()
    errors = [line for line in log_path.read_text().splitlines() if " ERROR " in line]
    print(f"service log: {len(errors)} ERROR lines" + (f", first: {errors[0]}" if errors else ""))


if __name__ == "__main__":
    sys.exit(main())
