"""End-to-end extraction quality: the corpus served over loopback, crawled, exported, scored.

Every page of ../shared/corpus is served, byte for byte, by a local HTTP server at its original
path and query. Each original host gets its own loopback address (127.0.0.2, 127.0.0.3, …) and
port, and becomes its own presswatch source whose one entry point is an RSS feed listing the
host's pages. The feed items carry a link and a guid only: no title, date, author or language,
so every field presswatch stores comes from the page itself. Pages are served as
``Content-Type: text/html`` without a charset (the corpus stores no HTTP headers), so the crawler
has to detect the encoding from the bytes, as it must for many real servers.

A fresh temporary directory holds the configuration and the archive. The crawl runs as the
crawler's own child process (``python -m crawler.run``'s ``main``, as ``presswatch crawl`` starts
it), then ``presswatch export`` writes the archive as JSON lines, and the records are matched to
pages by their local URL and scored with bench/corpus_score.py. A page with no exported record
(judged not an article, failed, never fetched) scores 0 on every field it has ground truth for.

The crawl is ``presswatch crawl`` in a subprocess, with ``crawl.lookback_days`` set to a century
(the most the configuration allows, for backfilling an archive): the crawler skips articles whose
newest date is older than the window, and most corpus pages are years old. ``--lookback-days
365`` shows the crawl under a year's window instead.

In the same run, on the same served bytes, the baseline ``trafilatura.bare_extraction`` is scored,
and presswatch's ``extract_article`` is called directly twice, with the original URL (what
bench/extraction_quality.py measures) and with the local URL, so that a difference between the
crawl and the direct call can be traced to the URL's host or to the crawl path.

    .venv/bin/python bench/extraction_e2e.py [--corpus DIR] [--lookback-days N] [--keep-dir]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura
from corpus_score import (
    DEFAULT_CORPUS_DIR,
    CorpusPage,
    Scores,
    fold_title,
    load_corpus,
    match_records,
    score_records,
    token_prf,
    utc_day,
)
from extraction_quality import extra_figures, print_table

from crawler.extract import NotAnArticle, extract_article
from tests.crawl_support import write_config

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FEED_PATH = "/presswatch-mirror-feed.xml"
# Long enough for every page of the corpus (the oldest are from the 2010s).
CORPUS_LOOKBACK_DAYS = 36_500
CRAWL_TIME_LIMIT_SECONDS = 1200.0
E2E_CRAWL_SETTINGS: dict[str, Any] = {
    "allow_private_addresses": ["127.0.0.0/8"],
    "delay": 0,
    "timeout": "20s",
    "retries": 1,
    "concurrency": 16,
    "concurrency_per_domain": 2,
    "lookback_days": CORPUS_LOOKBACK_DAYS,
    "max_pages_per_source": 1000,
    "cycle_timeout": "20m",
}

Record = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# The mirror: one loopback server per original host


def request_target(url: str) -> str:
    """The path and query of ``url`` as sent in an HTTP request line (no fragment)."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def target_key(target: str) -> str:
    """Compare request targets after percent-decoding: a client may re-encode a path."""
    path, _, query = target.partition("?")
    return f"{unquote(path)}?{unquote(query)}"


def url_key(url: str) -> str:
    """Host, port, path and query of a local URL, for matching exported records to pages."""
    parts = urlsplit(url.strip())
    return f"{parts.netloc.lower()}{target_key(request_target(url))}"


@dataclass
class MirroredHost:
    """One original host: its pages and the loopback address they are served on."""

    original_host: str
    address: str
    pages: list[CorpusPage]
    port: int = 0

    @property
    def origin(self) -> str:
        return f"http://{self.address}:{self.port}"

    @property
    def feed_url(self) -> str:
        return self.origin + FEED_PATH

    def local_url(self, page: CorpusPage) -> str:
        return self.origin + request_target(page.url)

    def feed_bytes(self) -> bytes:
        """RSS 2.0 listing the local URLs; items have a link and a guid and nothing else."""
        items = "".join(
            f"<item><link>{escape(self.local_url(page))}</link>"
            f'<guid isPermaLink="true">{escape(self.local_url(page))}</guid></item>'
            for page in self.pages
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>corpus mirror</title><link>{escape(self.origin)}/</link>"
            f"<description>served pages</description>{items}</channel></rss>\n"
        ).encode()


def plan_hosts(pages: Iterable[CorpusPage]) -> list[MirroredHost]:
    """Group pages by original host and give each host its own 127.x.y.z address."""
    by_host: dict[str, list[CorpusPage]] = defaultdict(list)
    for page in pages:
        by_host[(urlsplit(page.url).hostname or "").lower()].append(page)
    hosts = []
    for number, (host, host_pages) in enumerate(sorted(by_host.items())):
        # 127.0.0.1 stays free for whatever else runs on the machine.
        address = f"127.0.{number // 250}.{number % 250 + 2}"
        hosts.append(MirroredHost(host, address, host_pages))
    return hosts


class _MirrorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: MirroredHost, log: list[tuple[str, str, int]]) -> None:
        super().__init__((host.address, 0), _MirrorHandler)
        self.mirrored = host
        self.pages_by_target = {target_key(request_target(page.url)): page for page in host.pages}
        # A client that drops the query (tracking parameters, say) still finds a unique path.
        paths = Counter(key.partition("?")[0] for key in self.pages_by_target)
        self.pages_by_path = {
            key.partition("?")[0]: page
            for key, page in self.pages_by_target.items()
            if paths[key.partition("?")[0]] == 1
        }
        self.request_log = log


class _MirrorHandler(BaseHTTPRequestHandler):
    server: _MirrorServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        mirror = self.server
        if self.path == FEED_PATH:
            self._send(200, "application/rss+xml", mirror.mirrored.feed_bytes(), "feed")
            return
        key = target_key(self.path)
        page = mirror.pages_by_target.get(key) or mirror.pages_by_path.get(key.partition("?")[0])
        if page is None:
            self._send(404, "text/plain", b"not found\n", "")
            return
        # The stored bytes, with no charset: the crawler must find the encoding itself.
        self._send(200, "text/html", page.html_path.read_bytes(), page.page_id)

    def _send(self, status: int, content_type: str, body: bytes, what: str) -> None:
        self.server.request_log.append((self.path, what, status))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log above is what the bench reads


class CorpusMirror:
    """Serves every host of ``hosts`` while the ``with`` block runs."""

    def __init__(self, hosts: list[MirroredHost]) -> None:
        self.hosts = hosts
        self.request_log: list[tuple[str, str, int]] = []
        self._servers: list[_MirrorServer] = []

    def __enter__(self) -> CorpusMirror:
        try:
            for host in self.hosts:
                server = _MirrorServer(host, self.request_log)
                host.port = server.server_address[1]
                threading.Thread(target=server.serve_forever, daemon=True).start()
                self._servers.append(server)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def local_urls(self) -> dict[str, str]:
        """Page id to local URL."""
        return {page.page_id: host.local_url(page) for host in self.hosts for page in host.pages}

    def pages_fetched(self) -> set[str]:
        """Ids of the pages served with 200 at least once."""
        return {what for _, what, status in self.request_log if status == 200 and what != "feed"}


def mirror_sources(hosts: Iterable[MirroredHost]) -> list[dict[str, Any]]:
    return [{"name": f"{host.original_host} mirror", "feeds": [host.feed_url]} for host in hosts]


# ---------------------------------------------------------------------------------------------
# The crawl and the export, as subprocesses


def run_presswatch_crawl(config_dir: Path, log_path: Path) -> float:
    """``presswatch crawl`` over every source; returns the wall-clock seconds."""
    started = time.monotonic()
    with log_path.open("wb") as log:
        completed = subprocess.run(
            [*presswatch_command(), "--config", str(config_dir), "crawl"],
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=CRAWL_TIME_LIMIT_SECONDS + 120,
        )
    if completed.returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"presswatch crawl exited with {completed.returncode}:\n{tail}")
    return time.monotonic() - started


def presswatch_command() -> list[str]:
    console_script = Path(sys.executable).with_name("presswatch")
    if console_script.exists():
        return [str(console_script)]
    return [sys.executable, "-m", "scheduler.cli"]


def export_records(config_dir: Path, output: Path) -> list[Record]:
    """``presswatch export`` of the archive, read back."""
    command = [
        *presswatch_command(),
        "--config",
        str(config_dir),
        "--log-level",
        "WARNING",
        "export",
        "--output",
        str(output),
    ]
    subprocess.run(command, cwd=PROJECT_ROOT, check=True, timeout=300)
    lines = output.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# ---------------------------------------------------------------------------------------------
# What the crawl recorded


@dataclass
class CrawlRecords:
    """Counts from ``crawl_runs`` and the skipped URLs from ``article_urls``."""

    run_statuses: Counter[str] = field(default_factory=Counter)
    totals: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    skip_reasons: dict[str, str] = field(default_factory=dict)  # url key -> reason
    articles: int = 0


def read_crawl_records(database: Path) -> CrawlRecords:
    records = CrawlRecords()
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        connection.row_factory = sqlite3.Row
        for run in connection.execute("SELECT * FROM crawl_runs"):
            records.run_statuses[run["status"]] += 1
            for column in ("requests", "responses", "new", "updated", "skipped"):
                records.totals[column] += run[column] or 0
            records.errors.update(json.loads(run["errors"] or "{}"))
        for row in connection.execute(
            "SELECT url, reason FROM article_urls WHERE status = 'skipped'"
        ):
            records.skip_reasons[url_key(row["url"])] = row["reason"] or ""
        records.articles = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        connection.close()
    return records


def match_to_pages(
    records: Iterable[Mapping[str, Any]], local_urls: Mapping[str, str]
) -> dict[str, Record]:
    """Exported records keyed by page id, matched on the local URL (fetched, else canonical)."""
    return match_records(records, local_urls, url_key)


def miss_reasons(
    pages: Iterable[CorpusPage],
    matched: Mapping[str, Record],
    local_urls: Mapping[str, str],
    crawl: CrawlRecords,
    fetched: set[str],
) -> dict[str, str]:
    """Why each page without an exported record has none."""
    reasons = {}
    for page in pages:
        if page.page_id in matched:
            continue
        skip = crawl.skip_reasons.get(url_key(local_urls[page.page_id]))
        if skip is not None:
            reasons[page.page_id] = f"skipped: {skip}"
        elif page.page_id in fetched:
            reasons[page.page_id] = "fetched, neither stored nor recorded as skipped"
        else:
            reasons[page.page_id] = "never fetched"
    return reasons


# ---------------------------------------------------------------------------------------------
# The same pages outside the crawl: baseline and direct calls


def fetch(url: str) -> bytes:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=30) as response:
        return response.read()


def baseline_record(html_bytes: bytes, url: str) -> Record | None:
    document = trafilatura.bare_extraction(html_bytes, url=url, with_metadata=True)
    if document is None:
        return None
    return {
        "url": url,
        "title": document.title,
        "body": document.text,
        "published_at": document.date,
        "authors": [name.strip() for name in (document.author or "").split(";") if name.strip()],
        "language": document.language,
    }


def direct_record(html_bytes: bytes, url: str) -> tuple[Record | None, str | None]:
    """``extract_article`` as the crawler calls it for a response without a charset."""
    try:
        article = extract_article(html_bytes, url)
    except NotAnArticle as verdict:
        return None, verdict.reason
    published = article.published_at.isoformat() if article.published_at else None
    record = {
        "url": article.url,
        "title": article.title,
        "body": article.body,
        "published_at": published,
        "authors": article.authors,
        "language": article.language,
    }
    return record, None


@dataclass
class SidePages:
    """Records of the extractions outside the crawl, keyed by page id."""

    baseline: dict[str, Record] = field(default_factory=dict)
    direct_original: dict[str, Record] = field(default_factory=dict)
    direct_local: dict[str, Record] = field(default_factory=dict)
    rejected_original: dict[str, str] = field(default_factory=dict)
    rejected_local: dict[str, str] = field(default_factory=dict)
    bytes_differ: list[str] = field(default_factory=list)


def extract_side(pages: list[CorpusPage], local_urls: Mapping[str, str]) -> SidePages:
    side = SidePages()
    for page in pages:
        local_url = local_urls[page.page_id]
        served = fetch(local_url)
        if served != page.html_path.read_bytes():
            side.bytes_differ.append(page.page_id)
        record = baseline_record(served, local_url)
        if record is not None:
            side.baseline[page.page_id] = record
        for url, records, rejected in (
            (page.url, side.direct_original, side.rejected_original),
            (local_url, side.direct_local, side.rejected_local),
        ):
            record, reason = direct_record(served, url)
            if record is None:
                rejected[page.page_id] = reason or ""
            else:
                records[page.page_id] = record
    return side


# ---------------------------------------------------------------------------------------------
# Comparing the crawl with the direct calls


def field_hits(record: Mapping[str, Any] | None, page: CorpusPage) -> dict[str, float | bool]:
    """Per-field results of one record on one page, for the fields with ground truth."""
    record = record or {}
    truth = page.truth
    hits: dict[str, float | bool] = {}
    if page.has_truth("body"):
        hits["body"] = token_prf(record.get("body"), truth["body"])[2]
    if page.has_truth("title") and truth.get("title"):
        hits["title"] = fold_title(record.get("title")) == fold_title(truth["title"])
    if page.has_truth("published") and truth.get("published"):
        expected = utc_day(truth["published"])
        hits["date"] = expected is not None and utc_day(record.get("published_at")) == expected
    return hits


def same_extraction(first: Mapping[str, Any] | None, second: Mapping[str, Any] | None) -> bool:
    """Whether two records hold the same title, body and publication day."""
    if first is None or second is None:
        return first is second
    return (
        (first.get("title") or "") == (second.get("title") or "")
        and (first.get("body") or "").split() == (second.get("body") or "").split()
        and utc_day(first.get("published_at")) == utc_day(second.get("published_at"))
    )


def explain_differences(
    pages: list[CorpusPage],
    crawled: Mapping[str, Record],
    side: SidePages,
    misses: Mapping[str, str],
) -> list[str]:
    """One line per page where the crawl scores differently from the direct call."""
    lines = []
    for page in pages:
        crawl_hits = field_hits(crawled.get(page.page_id), page)
        direct_hits = field_hits(side.direct_original.get(page.page_id), page)
        changed = [
            f"{name} {_shown(direct_hits[name])}->{_shown(crawl_hits[name])}"
            for name in crawl_hits
            if abs(float(crawl_hits[name]) - float(direct_hits[name])) > 1e-9
        ]
        if not changed:
            continue
        if page.page_id in misses:
            cause = misses[page.page_id]
        elif same_extraction(crawled.get(page.page_id), side.direct_local.get(page.page_id)):
            cause = "the local URL: the direct call with it gives the same"
        else:
            cause = "the crawl path: differs from the direct call with the same URL"
        lines.append(f"  {page.page_id} ({urlsplit(page.url).hostname}): {', '.join(changed)}")
        lines.append(f"        cause: {cause}")
    return lines


def _shown(value: float | bool) -> str:
    return str(value) if isinstance(value, bool) else f"{value:.3f}"


# ---------------------------------------------------------------------------------------------
# The run


@dataclass
class E2EResult:
    pages: list[CorpusPage]
    hosts: list[MirroredHost]
    local_urls: dict[str, str]
    crawled: dict[str, Record]
    exported: int
    crawl: CrawlRecords
    fetched: set[str]
    misses: dict[str, str]
    crawl_seconds: float
    side: SidePages | None


def run_e2e(
    corpus_dir: Path,
    work_dir: Path,
    *,
    lookback_days: float = CORPUS_LOOKBACK_DAYS,
    with_side: bool = True,
) -> E2EResult:
    """Serve, crawl and export the corpus in ``work_dir``, then (``with_side``) run the
    baseline and the direct calls on the same served pages; the mirror stops on return."""
    pages = load_corpus(corpus_dir)
    hosts = plan_hosts(pages)
    with CorpusMirror(hosts) as mirror:
        local_urls = mirror.local_urls()
        config_dir = write_config(
            work_dir / "config",
            mirror_sources(hosts),
            crawl={**E2E_CRAWL_SETTINGS, "lookback_days": lookback_days},
        )
        seconds = run_presswatch_crawl(config_dir, work_dir / "crawl.log")
        fetched = mirror.pages_fetched()
        records = export_records(config_dir, work_dir / "articles.jsonl")
        side = extract_side(pages, local_urls) if with_side else None
    crawl = read_crawl_records(config_dir / "db.sqlite")
    crawled = match_to_pages(records, local_urls)
    misses = miss_reasons(pages, crawled, local_urls, crawl, fetched)
    return E2EResult(
        pages, hosts, local_urls, crawled, len(records), crawl, fetched, misses, seconds, side
    )


def print_report(result: E2EResult, side: SidePages, corpus_dir: Path) -> None:
    pages = result.pages
    crawl = result.crawl
    rows: list[tuple[str, Scores, dict[str, float], float | None]] = []
    for name, records in (
        ("trafilatura bare_extraction", side.baseline),
        ("presswatch crawl + export", result.crawled),
        ("  direct, original URL", side.direct_original),
        ("  direct, local URL", side.direct_local),
    ):
        rows.append((name, score_records(records, corpus_dir), extra_figures(records, pages), None))
    print()
    print_table(rows)
    scores = rows[1][1]
    print()
    print(
        f"pages served: {len(pages)} on {len(result.hosts)} hosts (one source each); "
        f"fetched: {len(result.fetched)}; stored articles: {crawl.articles}; exported: "
        f"{result.exported}; matched to pages: {len(result.crawled)}"
    )
    print(
        f"scored on body {scores.body_pages}, title {scores.title_pages}, date "
        f"{scores.date_pages} pages; pages without a record count 0: {scores.missing_records}"
    )
    print(
        f"crawl: {result.crawl_seconds:.1f} s; runs {dict(crawl.run_statuses)}; "
        + ", ".join(f"{name} {count}" for name, count in crawl.totals.items())
    )
    print(f"crawl errors: {dict(crawl.errors) or 'none'}")
    reasons = Counter(_reason_class(reason) for reason in result.misses.values())
    print(f"pages without a record, by reason: {dict(reasons) or 'none'}")
    for page_id, reason in sorted(result.misses.items()):
        print(f"  {page_id} ({urlsplit(result.local_urls[page_id]).path[:60]}): {reason[:120]}")
    print(
        f"direct calls judging pages not an article: original URL {len(side.rejected_original)}"
        f" {sorted(side.rejected_original)}, local URL {len(side.rejected_local)}"
        f" {sorted(side.rejected_local)}"
    )
    stored_same = sum(
        same_extraction(record, side.direct_local.get(page_id))
        for page_id, record in result.crawled.items()
    )
    print(
        f"stored records identical (title, body tokens, day) to the direct call with the local "
        f"URL: {stored_same} of {len(result.crawled)}"
    )
    if side.bytes_differ:
        print(f"WARNING: served bytes differ from the files for {side.bytes_differ}")
    differences = explain_differences(pages, result.crawled, side, result.misses)
    print(
        f"pages where the crawl scores differently from the direct call (original URL): "
        f"{len(differences) // 2}"
    )
    for line in differences:
        print(line)
    print("* informational, not goals: language on all pages, author sets on pages with authors")


def _reason_class(reason: str) -> str:
    return reason.split(" (")[0][:80]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS_DIR)
    parser.add_argument(
        "--lookback-days",
        type=float,
        default=CORPUS_LOOKBACK_DAYS,
        help="crawl.lookback_days for the crawl (default: a century, the whole corpus)",
    )
    parser.add_argument("--keep-dir", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    work_dir = Path(tempfile.mkdtemp(prefix="presswatch-e2e-"))
    try:
        result = run_e2e(args.corpus, work_dir, lookback_days=args.lookback_days)
        assert result.side is not None
        print_report(result, result.side, args.corpus)
    finally:
        if args.keep_dir:
            print(f"work directory kept: {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
