"""How fast presswatch prepares, renders and sends digests, against bare smtplib in the same run.

    .venv/bin/python bench/digest_throughput.py [--recipients 1000] [--articles 200]

One watch list with N recipients and M matched articles (about a third of them syndicated
copies grouped into stories) in a fresh SQLite archive; an aiosmtpd server in a child process on
127.0.0.1 counts what it receives. Measured:

- render: context + Jinja (HTML, text, compact) + CSS inlining + MIME parts for one digest;
- prepare: the ledger transactions for every recipient (``alerts.prepare.prepare_due``);
- deliver: ``alerts.deliver_pending``, which renders once per distinct content, builds one
  message per recipient, sends them on one SMTP connection and commits each 250;
- baseline: the same messages, pre-built as bytes, sent with bare ``smtplib.sendmail`` on one
  connection. The goal is >= 50 messages per second end to end (prepare + deliver).
"""

from __future__ import annotations

import argparse
import os
import random
import smtplib
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from alerts import deliver_pending, ledger  # noqa: E402
from alerts.compose import Composer  # noqa: E402
from alerts.content import DigestScope  # noqa: E402
from alerts.prepare import prepare_due  # noqa: E402
from config.loader import Config  # noqa: E402
from config.schema import Settings, WatchList  # noqa: E402
from crawler.store import open_database, to_db_time, write_transaction  # noqa: E402

NOW = datetime(2026, 11, 25, 6, 5, tzinfo=UTC)
OUTLETS = ["Wire One", "Daily Two", "Times Three", "Courier Four", "Gazette Five", "Post Six"]
WORDS = [
    "ceasefire", "talks", "crossing", "aid", "convoy", "border", "negotiators", "hostage",
    "release", "envoy", "truce", "humanitarian", "corridor", "fuel", "shipment", "hospital",
    "power", "water", "council", "resolution", "vote",
]  # fmt: skip

SINK = """
import sys
from aiosmtpd.controller import Controller

class Counting:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"

handler = Counting()
controller = Controller(handler, hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
for _line in sys.stdin:
    print(handler.count, flush=True)
controller.stop()
"""


class SinkProcess:
    """The aiosmtpd server in its own process, so that it does not share our GIL."""

    def __init__(self, port: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SINK, str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout and self.process.stdout.readline().strip() == "ready"

    def received(self) -> int:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def stop(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait(timeout=10)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fill_archive(db, articles: int, rng: random.Random) -> None:
    with write_transaction(db):
        for number in range(1, articles + 1):
            seen = NOW - timedelta(minutes=5 * number)
            words = rng.sample(WORDS, 12)
            title = " ".join(words[:8]).capitalize()
            snippet = " ".join(["Officials said the Gaza", *words, "would continue."])
            story = (number % 60) + 1 if number % 3 == 0 else None
            db["articles"].insert(
                {
                    "id": number,
                    "url_key": f"k{number}",
                    "url": f"https://news{number % 6}.example/2026/{number}-{'-'.join(words[:3])}",
                    "canonical_url": f"https://news{number % 6}.example/2026/11/{number}",
                    "title": title,
                    "body": snippet,
                    "content_hash": f"h{number}",
                    "source": OUTLETS[number % len(OUTLETS)],
                    "fetched_at": to_db_time(seen),
                    "first_seen_at": to_db_time(seen),
                    "published_at": to_db_time(seen - timedelta(minutes=20)),
                    "story_id": story,
                }
            )
            db["matches"].insert(
                {
                    "article_id": number,
                    "watchlist": "Gaza",
                    "matched_at": to_db_time(seen),
                    "clauses": "[]",
                    "fields": '["body"]',
                    "snippet": snippet,
                    "highlights": "[[19, 23]]",
                }
            )


def make_config(folder: Path, port: int, recipients: int) -> Config:
    settings = Settings.model_validate(
        {
            "timezone": "Europe/Berlin",
            "mail": {
                "from": "presswatch <alerts@example.org>",
                "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": "30s"},
            },
            "browse": {"url": "https://archive.example.org/gaza"},
        }
    )
    watchlist = WatchList.model_validate(
        {
            "name": "Gaza",
            "query": "gaza",
            "recipients": [f"reader{n:04d}@example.org" for n in range(recipients)],
        }
    )
    return Config(folder, settings, (), (watchlist,))


def time_render(db, config: Config, articles: int, repeat: int = 10) -> float:
    ids = tuple(range(1, articles + 1))
    started = time.perf_counter()
    for number in range(repeat):
        scope = DigestScope(
            config.watchlists[0], "digest", ids, NOW - timedelta(days=1, seconds=number), NOW
        )
        Composer(db, config).render_scope(scope)
    return (time.perf_counter() - started) / repeat


def baseline(port: int, messages: list[tuple[str, bytes]]) -> float:
    """Seconds for bare smtplib to send pre-built messages on one connection."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as connection:
        for recipient, data in messages:
            connection.sendmail("alerts@example.org", [recipient], data)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--articles", type=int, default=200)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pw-bench-") as folder_name:
        folder = Path(folder_name)
        port = free_port()
        sink = SinkProcess(port)
        try:
            db = open_database(folder / "presswatch.db")
            fill_archive(db, options.articles, random.Random(7))
            config = make_config(folder, port, options.recipients)
            render_seconds = time_render(db, config, options.articles)

            started = time.perf_counter()
            prepared = prepare_due(db, config, now=NOW)
            prepare_seconds = time.perf_counter() - started
            started = time.perf_counter()
            report = deliver_pending(db, config, now=NOW)
            deliver_seconds = time.perf_counter() - started
            assert len(report.sent) == len(prepared.pending) == options.recipients, report

            composer = Composer(db, config)
            rows = [row for row in (ledger.get(db, d) for d in prepared.pending) if row]
            watchlist = config.watchlists[0]
            prebuilt = [(row.recipient, composer.compose(row, watchlist).message) for row in rows]
            size = sum(len(data) for _r, data in prebuilt) / len(prebuilt)
            baseline_seconds = baseline(port, prebuilt)
            received = sink.received()
        finally:
            sink.stop()

    count = options.recipients
    end_to_end = prepare_seconds + deliver_seconds
    print(
        f"digests: {count} recipients x {options.articles} articles, "
        f"{size / 1024:.0f} KiB per message, {os.cpu_count()} CPUs"
    )
    print(f"render one digest (context+Jinja+css-inline+MIME): {render_seconds * 1000:8.1f} ms")
    print(
        f"prepare (ledger, all recipients):       {prepare_seconds:6.2f} s "
        f"({count / prepare_seconds:7.0f} digests/s)"
    )
    print(
        f"deliver (render, build, send, commit):  {deliver_seconds:6.2f} s "
        f"({count / deliver_seconds:7.1f} msgs/s)"
    )
    print(
        f"end to end (prepare + deliver):         {end_to_end:6.2f} s "
        f"({count / end_to_end:7.1f} msgs/s)  goal >= 50 msgs/s"
    )
    print(
        f"baseline: bare smtplib, pre-built:      {baseline_seconds:6.2f} s "
        f"({count / baseline_seconds:7.1f} msgs/s)"
    )
    print(f"end to end / baseline throughput:       {baseline_seconds / end_to_end:6.2f}")
    print(f"messages counted by the server:         {received} (expected {2 * count})")


if __name__ == "__main__":
    main()
