"""Story-linking cost with a large archive: time per new article and resident memory.

Fills an archive with ``--articles`` synthetic articles through the real API (article row, then
``StoryLinker.link``), using the local news web's text generator (tests/newsweb) for short
bodies of every topic, with ``--copy-share`` of them syndicated copies of earlier ones. Then
links ``--new`` further articles of realistic length (half new stories, half copies of stored
articles) and times each:

* ``link()`` alone, inside the caller's write transaction (as ingest calls it);
* the whole store step: article row, ``link()`` and the ``BEGIN IMMEDIATE``/``COMMIT`` with
  ``synchronous=FULL``.

The resident memory (RSS) of this process is read after the fill and after the timed links.
The baseline, in a separate process so that its memory is its own: datasketch's in-memory
``MinHashLSH`` holding the same number of signatures, with the same band layout.

    .venv/bin/python bench/dedup_cost.py [--articles 100000] [--new 500] [--db PATH]
    .venv/bin/python bench/dedup_cost.py --articles 10000 --new 200   # a quick run
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.dedup import minhash
from crawler.dedup.identity import content_hash
from crawler.dedup.stories import StoryLinker
from crawler.store import open_database, to_db_time, write_transaction
from tests.newsweb import stories, text, words

START = datetime(2026, 1, 1, tzinfo=UTC)
FILL_BATCH = 1000
TOPICS = sorted(words.TOPICS)
STYLE = text.TextStyle()


def body_for(number: int, paragraphs: int) -> tuple[str, str]:
    spec = text.TextSpec(
        seed=text.derive_seed("cost", number),
        topic=TOPICS[number % len(TOPICS)],
        language="en",
        style=STYLE,
        paragraphs=paragraphs,
        weekday=number % 7,
    )
    return text.title_for(spec), "\n\n".join(text.paragraphs_for(spec))


def copy_of(rng: random.Random, body: str) -> str:
    paragraphs = body.split("\n\n")
    edited = stories.edit_copy(rng, paragraphs, 2)
    return "\n\n".join(stories.dateline(rng.choice(words.CITIES), edited))


def insert_article(db, number: int, title: str, body: str, seen: str) -> int:
    url = f"https://outlet{number % 50}.example/news/{number}"
    return int(
        db["articles"]
        .insert(
            {
                "url_key": url,
                "url": url,
                "canonical_url": url,
                "title": title,
                "body": body,
                "content_hash": content_hash(body),
                "source": f"Outlet {number % 50}",
                "language": "en",
                "fetched_at": seen,
                "first_seen_at": seen,
            }
        )
        .last_pk
    )


def fill(db, linker: StoryLinker, articles: int, copy_share: float, rng: random.Random) -> float:
    """Store and link ``articles`` short articles; return the seconds it took."""
    started = time.perf_counter()
    recent: list[str] = []
    for batch_start in range(0, articles, FILL_BATCH):
        with write_transaction(db):
            for number in range(batch_start, min(articles, batch_start + FILL_BATCH)):
                seen = to_db_time(START + timedelta(seconds=number * 30))
                if recent and rng.random() < copy_share:
                    title, body = "Copy", copy_of(rng, rng.choice(recent))
                else:
                    title, body = body_for(number, rng.randint(2, 3))
                    recent = [*recent[-200:], body]
                article_id = insert_article(db, number, title, body, seen)
                linker.link(article_id, title, body, "en", None, seen)
        if (batch_start // FILL_BATCH) % 10 == 9:
            print(f"  {batch_start + FILL_BATCH:,} stored ({time.perf_counter() - started:.0f} s)")
    return time.perf_counter() - started


def timed_links(
    db, linker: StoryLinker, first_number: int, count: int, rng: random.Random
) -> dict[str, dict[str, list[float]]]:
    """Link ``count`` articles, one transaction each: half new stories of realistic length,
    half copies of stored articles. Returns seconds per kind: link() alone, and row + link() +
    commit."""
    timings: dict[str, dict[str, list[float]]] = {
        kind: {"link": [], "store": []} for kind in ("new story", "copy")
    }
    stored = db.execute("SELECT max(id) FROM articles").fetchone()[0]
    for offset in range(count):
        number = first_number + offset
        seen = to_db_time(START + timedelta(days=400, seconds=offset))
        if offset % 2:
            kind = "copy"
            row = db.execute(
                "SELECT title, body FROM articles WHERE id = ?", [rng.randint(1, stored)]
            ).fetchone()
            title, body = row[0], copy_of(rng, row[1])
        else:
            kind = "new story"
            title, body = body_for(number, rng.randint(6, 12))
        started = time.perf_counter()
        with write_transaction(db):
            article_id = insert_article(db, number, title, body, seen)
            link_started = time.perf_counter()
            story_id = linker.link(article_id, title, body, "en", None, seen)
            timings[kind]["link"].append(time.perf_counter() - link_started)
        timings[kind]["store"].append(time.perf_counter() - started)
        joined = db["stories"].get(story_id)["articles"] > 1
        if joined != (kind == "copy"):
            print(f"  note: {kind} article {article_id} {'joined' if joined else 'did not join'}")
    return timings


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def baseline_in_memory(articles: int) -> dict[str, float]:
    """datasketch's in-memory MinHashLSH with the same signatures, in a child process."""
    code = f"""
import json, sys, time, psutil
sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
from datasketch import LeanMinHash, MinHash, MinHashLSH
from crawler.dedup import minhash
from bench.dedup_cost import body_for
before = psutil.Process().memory_info().rss
rows = minhash.ROWS_PER_BAND
lsh = MinHashLSH(num_perm=minhash.NUM_PERM, params=(minhash.NUM_PERM // rows, rows))
started = time.perf_counter()
for number in range({articles}):
    values = minhash.text_signature(body_for(number, 2)[1])
    if values is None:
        continue
    sketch = LeanMinHash(seed=1, hashvalues=values.astype("uint64"), scheme="affine32")
    lsh.insert(number, sketch)
fill = time.perf_counter() - started
after = psutil.Process().memory_info().rss
probe = LeanMinHash(seed=1, hashvalues=minhash.text_signature(body_for(10**9, 8)[1])
                    .astype("uint64"), scheme="affine32")
started = time.perf_counter()
for _ in range(200):
    lsh.query(probe)
query = (time.perf_counter() - started) / 200
print(json.dumps({{"rss_mb": after / 2**20, "index_mb": (after - before) / 2**20,
                  "fill_s": fill, "query_ms": query * 1000}}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=3600
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=500)
    parser.add_argument("--copy-share", type=float, default=0.1)
    parser.add_argument("--db", type=Path, help="archive file (default: a temporary one)")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    directory = tempfile.TemporaryDirectory()
    path = args.db or Path(directory.name) / "cost.db"
    db = open_database(path)
    linker = StoryLinker(db)
    stored = db["articles"].count
    print(
        f"word {minhash.WORD_SHINGLE}-shingles, {minhash.NUM_PERM} permutations, "
        f"{linker.bands} bands x {linker.rows_per_band} rows, threshold {linker.threshold}"
    )
    if stored < args.articles:
        print(f"filling {path} with {args.articles - stored:,} articles ...")
        fill_seconds = fill(db, linker, args.articles - stored, args.copy_share, rng)
        print(
            f"fill: {fill_seconds:.0f} s, {fill_seconds / (args.articles - stored) * 1000:.2f} ms"
            " per article (short bodies, 1,000 per transaction)"
        )
    gc.collect()
    rss_after_fill = rss_mb()
    counts = {
        table: db[table].count
        for table in ("articles", "stories", "article_signatures", "lsh_buckets")
    }
    print("rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))

    timings = timed_links(db, linker, 10**8 + counts["articles"], args.new, rng)
    rss_after_links = rss_mb()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size_mb = os.path.getsize(path) / 2**20
    print(f"\n{args.new} more articles, one transaction each:")
    for kind, measured in timings.items():
        words_per_article = (
            "6-12 paragraphs" if kind == "new story" else "short, a stored one's copy"
        )
        print(f"  {kind} ({words_per_article}):")
        for name, label in (
            ("link", "link() in a transaction"),
            ("store", "row + link() + commit"),
        ):
            milliseconds = [value * 1000 for value in measured[name]]
            print(
                f"    {label:24s} mean {statistics.fmean(milliseconds):6.2f} ms  "
                f"median {statistics.median(milliseconds):6.2f} ms  "
                f"p95 {percentile(milliseconds, 0.95):6.2f} ms  max {max(milliseconds):6.2f} ms"
            )
    print(f"  RSS after fill {rss_after_fill:.0f} MB, after timed links {rss_after_links:.0f} MB")
    print(
        f"  database file {size_mb:.0f} MB ({size_mb * 2**20 / counts['articles']:.0f} B per "
        "article, with bodies, full-text index, signatures and bands)"
    )
    if not args.no_baseline:
        print(f"\nbaseline: datasketch MinHashLSH in memory with {counts['articles']:,} signatures")
        baseline = baseline_in_memory(counts["articles"])
        print(
            f"  RSS {baseline['rss_mb']:.0f} MB (index {baseline['index_mb']:.0f} MB, "
            f"{baseline['index_mb'] * 2**20 / counts['articles'] / 1024:.1f} KB per article), "
            f"query {baseline['query_ms']:.3f} ms, fill {baseline['fill_s']:.0f} s"
        )
        print(f"  presswatch RSS / in-memory RSS: {rss_after_links / baseline['rss_mb']:.2f}")
    db.close()
    directory.cleanup()


if __name__ == "__main__":
    main()
