"""Page times of ``presswatch browse`` over a large archive, measured over real HTTP.

    .venv/bin/python bench/browse_pages.py                   # 100,000 articles, 20 requests a page
    .venv/bin/python bench/browse_pages.py --articles 20000 --requests 5
    .venv/bin/python bench/browse_pages.py --keep /tmp/browse-bench   # reuse the filled archive

The archive is filled with synthetic articles by bulk insert (the FTS triggers index them as the
crawler's inserts would): about 4% mention "Gaza ceasefire" and 2% "Rafah crossing", and a third
of those are syndicated (two copies follow on other outlets, in the same story); first seen over
the last 30 days; their matches (snippets, highlights) come from the real matcher. Then
``presswatch browse`` runs as a subprocess and every page is fetched ``--requests`` times on a
fresh connection each, after two warm-up fetches. The baseline is the watch-list index page
``/`` measured in the same run: it costs one small aggregate query, so the ratios show what each
page adds to the framework, the templates and the HTTP round trip. Goal: under 200 ms for the
watch-list page and a search.

``--recency-index`` adds, to the bench's own archive, the index proposed for crawler/store.py
(``coalesce(published_at, first_seen_at)``, the order of archive search), so a search that FTS
cannot prefilter stops after its first hits instead of sorting every article first.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.matching import Matcher, parse_query  # noqa: E402
from crawler.store import open_database, to_db_time  # noqa: E402

WATCHLISTS = {
    "Gaza ceasefire": '"Gaza ceasefire" OR (Gaza AND (truce OR "hostage deal"))',
    "Rafah crossing": '"Rafah crossing" OR (Rafah AND (border OR convoy))',
}
SOURCES = [f"Outlet {number:02d}" for number in range(12)]
GAZA_SHARE, RAFAH_SHARE = 0.04, 0.02
COPIES_SHARE = 1 / 3  # of the matching articles: syndicated, with two copies after them
DAYS = 30
BATCH = 5_000
GOAL_MS = 200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20, help="timed fetches per page")
    parser.add_argument("--keep", type=Path, help="directory for the archive, reused if filled")
    parser.add_argument(
        "--recency-index", action="store_true", help="add the proposed search-order index first"
    )
    args = parser.parse_args()
    directory = args.keep or Path(tempfile.mkdtemp(prefix="browse-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    write_config(directory)
    database = directory / "archive.db"
    if not database.exists():
        started = time.perf_counter()
        matched = fill(database, args.articles)
        print(
            f"filled {args.articles:,} articles ({matched:,} matches) in "
            f"{time.perf_counter() - started:.1f} s: {database}"
        )
    else:
        print(f"reusing {database}")
    if args.recency_index:
        add_recency_index(database)
    print_plans(database)
    with browse_server(directory) as port:
        report(port, article_to_show(database), args.requests)
    return 0


# --- the archive ---------------------------------------------------------------------------


def write_config(directory: Path) -> None:
    (directory / "watchlists").mkdir(exist_ok=True)
    (directory / "presswatch.toml").write_text(f'database = "{directory / "archive.db"}"\n')
    (directory / "sources.toml").write_text(
        "".join(
            f'[[source]]\nname = "{name}"\nfeeds = ["https://outlet{i}.example/rss.xml"]\n\n'
            for i, name in enumerate(SOURCES)
        )
    )
    for number, (name, query) in enumerate(WATCHLISTS.items()):
        (directory / "watchlists" / f"list{number}.toml").write_text(
            f"name = {name!r}\nquery = '{query}'\n"
        )


def vocabulary(rng: random.Random, size: int = 3_000) -> list[str]:
    letters = "abcdefghiklmnoprstuvwy"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(size)]


def paragraph(rng: random.Random, words: list[str]) -> str:
    sentences = []
    for _ in range(rng.randint(2, 4)):
        sentence = " ".join(rng.choices(words, k=rng.randint(8, 20)))
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
    return " ".join(sentences)


def fill(database: Path, count: int) -> int:
    """Bulk-insert ``count`` articles with their stories and matches; returns the match count."""
    rng = random.Random(20261125)
    words = vocabulary(rng)
    now = datetime.now(UTC).replace(microsecond=0)
    db = open_database(database)
    db.execute("PRAGMA synchronous = OFF")
    matcher = Matcher({name: parse_query(query) for name, query in WATCHLISTS.items()})
    matches = 0
    copies_left, leader = 0, (0, "", "")  # the story, title and body that copies repeat
    with db.conn:
        for start in range(0, count, BATCH):
            article_rows, match_rows, story_rows = [], [], []
            for number in range(start, min(start + BATCH, count)):
                article_id = number + 1
                seen = to_db_time(now - timedelta(seconds=(count - number) * DAYS * 86400 / count))
                if copies_left:
                    copies_left -= 1
                    story_id, title, body = leader
                    mentions = True
                else:
                    title, body, mentions = article_text(rng, words)
                    story_id = article_id
                    story_rows.append((story_id, article_id, seen, seen))
                    if mentions and rng.random() < COPIES_SHARE:
                        copies_left, leader = 2, (story_id, title, body)
                source = SOURCES[number % len(SOURCES)]
                url = f"https://outlet{number % len(SOURCES)}.example/news/{article_id}"
                digest = hashlib.sha256(body.encode()).hexdigest()
                article_rows.append(
                    (
                        article_id,
                        url,
                        url,
                        url,
                        title,
                        "[]",
                        seen,
                        seen,
                        seen,
                        "en",
                        body,
                        digest,
                        source,
                        story_id,
                    )
                )
                if mentions:
                    match_rows += [
                        (
                            article_id,
                            result.watchlist,
                            seen,
                            json.dumps(result.clauses),
                            json.dumps(sorted(result.fields)),
                            result.snippet,
                            json.dumps([list(span) for span in result.highlights]),
                        )
                        for result in matcher.match(title=title, body=body)
                    ]
            db.conn.executemany(
                "INSERT INTO stories (id, first_article_id, first_seen_at, earliest_published_at,"
                " articles) VALUES (?, ?, ?, ?, 1)",
                story_rows,
            )
            db.conn.executemany(
                "INSERT INTO articles (id, url_key, url, canonical_url, title, authors,"
                " published_at, fetched_at, first_seen_at, language, body, content_hash, source,"
                " story_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                article_rows,
            )
            db.conn.executemany("INSERT INTO matches VALUES (?, ?, ?, ?, ?, ?, ?)", match_rows)
            matches += len(match_rows)
        db.execute(
            "UPDATE stories SET articles = (SELECT count(*) FROM articles a"
            " WHERE a.story_id = stories.id) WHERE id IN (SELECT story_id FROM articles"
            " GROUP BY story_id HAVING count(*) > 1)"
        )
    db.execute("ANALYZE")
    db.close()
    return matches


def article_text(rng: random.Random, words: list[str]) -> tuple[str, str, bool]:
    """Title, body, and whether the body mentions a watch term."""
    paragraphs = [paragraph(rng, words) for _ in range(rng.randint(4, 9))]
    title = " ".join(rng.choices(words, k=7)).capitalize()
    draw = rng.random()
    if draw >= GAZA_SHARE + RAFAH_SHARE:
        return title, "\n\n".join(paragraphs), False
    mention = (
        "Officials said the Gaza ceasefire was holding."
        if draw < GAZA_SHARE
        else "Aid lorries queued at the Rafah crossing for a second day."
    )
    where = rng.randrange(len(paragraphs))
    paragraphs[where] = f"{paragraphs[where]} {mention}"
    return title, "\n\n".join(paragraphs), True


def add_recency_index(database: Path) -> None:
    db = open_database(database)
    db.execute(
        "CREATE INDEX IF NOT EXISTS articles_recency"
        " ON articles (coalesce(published_at, first_seen_at))"
    )
    db.execute("ANALYZE")
    db.close()
    print("with the index articles_recency on coalesce(published_at, first_seen_at)")


def print_plans(database: Path) -> None:
    db = open_database(database, read_only=True)
    total = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    counts = db.execute("SELECT watchlist, count(*) FROM matches GROUP BY watchlist").fetchall()
    print(f"archive: {total:,} articles; matches: " + ", ".join(f"{n} {c:,}" for n, c in counts))
    db.close()


def article_to_show(database: Path) -> int:
    db = open_database(database, read_only=True)
    row = db.execute(
        "SELECT m.article_id FROM matches m JOIN stories s ON s.first_article_id = m.article_id"
        " WHERE s.articles > 1 ORDER BY m.matched_at DESC LIMIT 1"
    ).fetchone()
    db.close()
    return int(row[0])


# --- the server and the timings ----------------------------------------------------------------


class browse_server:
    """``presswatch browse --port 0`` as a subprocess; entering yields the port it listens on."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.log = directory / "browse.log"

    def __enter__(self) -> int:
        self.log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scheduler.cli",
                "--config",
                str(self.directory),
                "browse",
                "--port",
                "0",
            ],
            cwd=ROOT,
            stderr=self.log_file,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = re.search(
                r"serving the archive .* on http://127\.0\.0\.1:(\d+)/", self.log.read_text()
            )
            if found:
                return int(found.group(1))
            if self.process.poll() is not None:
                raise SystemExit(f"browse server exited: {self.log.read_text()}")
            time.sleep(0.1)
        raise SystemExit("browse server did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log_file.close()


def fetch(port: int, path: str) -> tuple[float, int, int]:
    """Seconds for one GET on a fresh connection, the status and the body size."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return time.perf_counter() - started, response.status, len(body)


def timed(port: int, path: str, requests: int) -> tuple[list[float], int, int]:
    for _ in range(2):
        fetch(port, path)
    results = [fetch(port, path) for _ in range(requests)]
    return [seconds * 1000 for seconds, _, _ in results], results[-1][1], results[-1][2]


def report(port: int, article_id: int, requests: int) -> None:
    gaza = quote("Gaza ceasefire", safe="")
    pages = [
        ("index (baseline)", "/"),
        ("watch list, 7 days", f"/watchlist/{gaza}"),
        ("watch list, 30 days", f"/watchlist/{gaza}?days=30"),
        ("search, phrase", "/search?q=" + quote('"Rafah crossing"')),
        ("search, watch-list query", "/search?q=" + quote(WATCHLISTS["Gaza ceasefire"])),
        ("search, rare word", "/search?q=" + quote("Rafah AND truce")),
        # An Arabic term leaves fts_expression nothing to filter on: every article is scanned.
        ("search, no FTS prefilter", "/search?q=" + quote('"Rafah crossing" OR "معبر رفح"')),
        ("article", f"/article/{article_id}"),
        ("sources", "/sources"),
    ]
    baseline = None
    print(f"\n{'page':<26} {'median':>8} {'p95':>8} {'max':>8} {'ratio':>6}  status, size")
    for label, path in pages:
        times, status, size = timed(port, path, requests)
        median = statistics.median(times)
        p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
        baseline = baseline or median
        flag = "" if median < GOAL_MS else f"  over the {GOAL_MS} ms goal"
        hits = ""
        if path.startswith("/search") or path.startswith("/watchlist"):
            hits = f", {summary(port, path)}"
        figures = f"{median:7.1f}ms {p95:7.1f}ms {max(times):7.1f}ms {median / baseline:5.1f}x"
        print(f"{label:<26} {figures}  {status}, {size / 1024:.0f} KiB{hits}{flag}")


def summary(port: int, path: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path)
    page = connection.getresponse().read().decode()
    connection.close()
    if path.startswith("/watchlist"):
        found = re.search(r"(\d+) stor(?:y|ies).*?(\d+) matched article", page, re.DOTALL)
        return f"{found.group(1)} stories / {found.group(2)} matches" if found else "?"
    hits = page.count('class="card hit"')
    return f"{hits} hits shown"


if __name__ == "__main__":
    sys.exit(main())
