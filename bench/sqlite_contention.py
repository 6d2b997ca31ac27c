"""Concurrent use of one archive: a crawl writing, alerts sending and readers searching at once.

    .venv/bin/python bench/sqlite_contention.py [--minutes 2] [--rate 50]
    .venv/bin/python bench/sqlite_contention.py --minutes 10      # the nightly length

Three processes share one SQLite archive (WAL, busy_timeout, BEGIN IMMEDIATE, as in production):

* writer: stores ``--rate`` articles a second through ``crawler.ingest.store_article`` (match,
  story linking, full-text index; every fifth article matches "Gaza ceasefire"), timing each
  write from the call to its commit;
* alerts: every second, instant alerts and due digests (``alerts.send_instant`` and
  ``alerts.send_due``, to the outbox: the ledger is written exactly as for SMTP);
* reader: ``crawler.archive.search_archive`` for the watch list in a loop, and the
  ``presswatch status --json`` command every 5 seconds.

It prints the write latency (p50 / p99 / max), every "database is locked" (or other SQLite
error) per process, the largest WAL file seen, the articles alerted against the articles
matched, and ``PRAGMA integrity_check`` at the end. RELIABILITY.md (T13) asks for 0 lock
errors, p99 write latency under 100 ms and a WAL under 64 MB.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.newsweb import GAZA, WATCHLISTS  # noqa: E402
from tests.service_support import write_config  # noqa: E402

WORDS = tuple(
    " ".join(
        (
            "officials said talks on aid convoys and the border continued through the night",
            "while residents waited for news of negotiations as ministers met again in the",
            "capital where diplomats from several countries discussed hostages prisoners trucks",
            "fuel water hospitals shelters schools roads crossings envoys mediators statements",
        )
    ).split(" ")
)


def article_text(number: int) -> tuple[str, str]:
    """A title and a body of ~300 words, different for every number; every fifth mentions the
    Gaza ceasefire."""
    rng = random.Random(number)
    words = [rng.choice(WORDS) for _ in range(300)]
    if number % 5 == 0:
        words[40:40] = ["Gaza", "ceasefire"]
    title = f"Report {number}: {' '.join(words[:6])}"
    paragraphs = [" ".join(words[start : start + 60]) + "." for start in range(0, 300, 60)]
    return title, "\n\n".join(paragraphs)


def writer(config_dir: str, seconds: float, rate: float, results: multiprocessing.Queue) -> None:
    from config import load_config
    from crawler.extract import ExtractedArticle
    from crawler.ingest import IngestContext, store_article
    from crawler.store import open_database, utcnow

    config = load_config(config_dir)
    db = open_database(config.settings.database)
    context = IngestContext.from_config(config)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    started = time.monotonic()
    number = 0
    while time.monotonic() - started < seconds:
        due = started + number / rate
        if (wait := due - time.monotonic()) > 0:
            time.sleep(wait)
        title, body = article_text(number)
        url = f"https://wire.example/{number // 1000}/report-{number}"
        article = ExtractedArticle(
            url=url,
            canonical_url=url,
            title=title,
            body=body,
            published_at=utcnow(),
            language="en",
            source="wire",
        )
        began = time.perf_counter()
        try:
            store_article(db, article, source="wire", fetched_url=url, context=context)
            latencies.append(time.perf_counter() - began)
        except sqlite3.Error as error:
            errors[str(error)] = errors.get(str(error), 0) + 1
        number += 1
    db.close()
    results.put(("writer", {"latencies": latencies, "errors": errors}))


def sender(config_dir: str, seconds: float, results: multiprocessing.Queue) -> None:
    import alerts
    from config import load_config
    from crawler.store import open_database, utcnow

    config = load_config(config_dir)
    db = open_database(config.settings.database)
    errors: dict[str, int] = {}
    rounds = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            alerts.send_instant(db, config, now=utcnow())
            alerts.send_due(db, config, now=utcnow())
        except sqlite3.Error as error:
            errors[str(error)] = errors.get(str(error), 0) + 1
        rounds += 1
        time.sleep(1)
    # A last round after the writer stopped: everything matched must be alerted.
    time.sleep(2)
    alerts.send_instant(db, config, now=utcnow())
    db.close()
    results.put(("alerts", {"rounds": rounds, "errors": errors}))


def reader(config_dir: str, seconds: float, results: multiprocessing.Queue) -> None:
    from config import load_config
    from crawler.archive import search_archive
    from crawler.store import open_database

    config = load_config(config_dir)
    db = open_database(config.settings.database, migrate=False)
    errors: dict[str, int] = {}
    searches = statuses = 0
    last_status = 0.0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            search_archive(db, WATCHLISTS[GAZA], limit=50)
            searches += 1
        except sqlite3.Error as error:
            errors[str(error)] = errors.get(str(error), 0) + 1
        if time.monotonic() - last_status >= 5:
            last_status = time.monotonic()
            status = subprocess.run(
                [sys.executable, "-m", "scheduler.cli", "--config", config_dir, "status", "--json"],
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            statuses += 1
            if status.returncode != 0:
                key = f"status exit {status.returncode}: {status.stderr.strip()[-200:]}"
                errors[key] = errors.get(key, 0) + 1
        time.sleep(0.05)
    db.close()
    results.put(("reader", {"searches": searches, "statuses": statuses, "errors": errors}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--rate", type=float, default=50.0, help="articles written per second")
    args = parser.parse_args()
    seconds = args.minutes * 60

    folder = Path(tempfile.mkdtemp(prefix="presswatch-contention-"))
    config_dir = write_config(
        folder,
        watchlists=[
            {
                "name": GAZA,
                "query": WATCHLISTS[GAZA],
                "recipients": ["desk@example.org"],
                "instant": True,
            }
        ],
    )
    database = folder / "data" / "presswatch.db"
    from crawler.store import open_database

    open_database(database).close()  # migrations before the processes start

    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    processes = [
        context.Process(target=writer, args=(str(config_dir), seconds, args.rate, results)),
        context.Process(target=sender, args=(str(config_dir), seconds, results)),
        context.Process(target=reader, args=(str(config_dir), seconds, results)),
    ]
    for process in processes:
        process.start()
    wal = Path(f"{database}-wal")
    largest_wal = 0
    outcome: dict[str, dict] = {}
    while len(outcome) < len(processes):
        if wal.exists():
            largest_wal = max(largest_wal, wal.stat().st_size)
        while not results.empty():
            name, figures = results.get()
            outcome[name] = figures
        time.sleep(0.5)
    for process in processes:
        process.join()

    connection = sqlite3.connect(database)
    integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
    articles = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
    matched = connection.execute(
        "SELECT count(DISTINCT article_id) FROM matches WHERE watchlist = ?", [GAZA]
    ).fetchone()[0]
    alerted = connection.execute(
        "SELECT count(DISTINCT d.article_id) FROM digest_articles d"
        " JOIN digests g ON g.id = d.digest_id WHERE g.kind = 'instant'"
    ).fetchone()[0]
    connection.close()

    latencies = sorted(outcome["writer"]["latencies"])
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan")
    print(f"{args.minutes:g} min, target {args.rate:g} articles/s")
    print(
        f"writer: {len(latencies)} articles stored ({len(latencies) / seconds:.1f}/s); write "
        f"latency p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"max {latencies[-1] * 1000:.1f} ms"
    )
    print(f"alerts: {outcome['alerts']['rounds']} rounds")
    print(
        f"reader: {outcome['reader']['searches']} searches, "
        f"{outcome['reader']['statuses']} `presswatch status --json` runs"
    )
    for name in ("writer", "alerts", "reader"):
        print(f"SQLite errors in {name}: {json.dumps(outcome[name]['errors']) or '{}'}")
    print(f"largest WAL file: {largest_wal / 2**20:.1f} MB")
    print(f"articles {articles}, matching {GAZA!r}: {matched}, in an instant alert: {alerted}")
    print(f"integrity_check: {integrity}")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
