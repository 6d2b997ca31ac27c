"""CPU time per article of a whole crawl cycle, against trafilatura.bare_extraction alone.

Serves a local news web (tests/newsweb; default 10 sites x 1,000 articles) on 127.0.0.1 and runs
one crawl cycle through ``scheduler.crawl.run_crawl``: discovery (feeds, sitemaps, home and
section pages), fetching, extraction, matching, deduplication and storage in a fresh SQLite
archive. Then, in the same run, it fetches every stored article page once more and times
``trafilatura.bare_extraction`` on each, alone: the baseline.

How the CPU is measured:

* crawl: user + system CPU time of the crawl child, from ``os.wait4`` when it is reaped (the
  ``cpu_seconds`` of the CrawlResult); the child does all the crawl work;
* servers: CPU time of this process during the crawl (``time.process_time``): the news web's
  server threads, plus run_crawl's supervision loop (a poll every 0.1 s, negligible);
* baseline: ``time.thread_time`` around each ``bare_extraction`` call only (page download and
  decoding excluded). For orientation the same is measured for presswatch's own extractor
  (``crawler.extract.extract_article``, which runs trafilatura plus metadata readers), so the
  figures show how much of the crawl's cost is extraction and how much the rest of the pipeline.

    .venv/bin/python bench/crawl_cost.py [--sites 10] [--articles 1000] [--page-weight real]
    .venv/bin/python bench/crawl_cost.py --sites 2 --articles 200      # a quick run

``--page-weight real`` (the default) serves article pages padded to the weight of real news
pages (about 140 KB and 800 elements, the median of the real-page corpus, where
bare_extraction takes 10-15 ms a page); ``light`` serves the test web's ~11 KB pages, on which
extraction is so cheap that the rest of the pipeline dominates. ``both`` runs one after the
other and prints both.

To see where the crawl child's CPU goes, set ``PRESSWATCH_CRAWL_PROFILE=/tmp/crawl.prof``: the
child then writes a cProfile (CPU time) of its cycle there (``python -m pstats``). cProfile's
own overhead inflates small, frequently called functions; a sampling profiler attached to the
child (py-spy) gives truer shares.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura

from crawler.extract import NotAnArticle, extract_article
from scheduler.crawl import run_crawl
from tests.crawl_support import rows, write_config
from tests.newsweb import generate_web, serve

GOAL_RATIO = 1.3


def bench_sources(running, web) -> list[dict]:
    sources = []
    for site in web.sites:
        base = running.base_url(site.name)
        sources.append(
            {
                "name": site.name,
                "feeds": [f"{base}/rss.xml"],
                "sitemaps": [f"{base}/sitemap.xml"],
                "start_urls": [f"{base}/"],
            }
        )
    return sources


BENCH_CRAWL = {
    "max_pages_per_source": 100_000,
    "concurrency": 32,
    "concurrency_per_domain": 8,
    "timeout": "30s",
    "retries": 1,
}


def extraction_cpu(urls: list[str]) -> tuple[float, float, int, int]:
    """CPU seconds of bare_extraction and of extract_article on the pages at ``urls``.

    Returns both totals, the number of pages trafilatura extracted something from, and the
    pages' total size in bytes.
    """
    connections: dict[str, http.client.HTTPConnection] = {}
    trafilatura_total = presswatch_total = 0.0
    done = page_bytes = 0
    for url in urls:
        parts = urlsplit(url)
        connection = connections.get(parts.netloc)
        if connection is None:
            connection = connections[parts.netloc] = http.client.HTTPConnection(parts.netloc)
        connection.request("GET", parts.path or "/")
        body = connection.getresponse().read()
        page_bytes += len(body)
        html = body.decode("utf-8", "replace")
        started = time.thread_time()
        result = trafilatura.bare_extraction(html, url=url)
        trafilatura_total += time.thread_time() - started
        done += result is not None
        started = time.thread_time()
        with contextlib.suppress(NotAnArticle):
            extract_article(body, url, encoding="utf-8")
        presswatch_total += time.thread_time() - started
    for connection in connections.values():
        connection.close()
    return trafilatura_total, presswatch_total, done, page_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--articles", type=int, default=1000, help="articles per site")
    parser.add_argument("--page-weight", choices=("light", "real", "both"), default="real")
    args = parser.parse_args()
    weights = ("light", "real") if args.page_weight == "both" else (args.page_weight,)
    for number, page_weight in enumerate(weights):
        if number:
            print()
        run(args.sites, args.articles, page_weight)


def run(sites: int, articles_per_site: int, page_weight: str) -> None:
    web = generate_web(
        seed=0,
        sites=sites,
        articles_per_site=articles_per_site,
        hostile=False,
        page_weight=page_weight,
    )
    with tempfile.TemporaryDirectory() as folder, serve(web) as running:
        config = write_config(
            Path(folder) / "config", bench_sources(running, web), crawl=BENCH_CRAWL
        )
        server_before = time.process_time()
        wall_before = time.monotonic()
        result = run_crawl(config, time_limit=3600)
        wall = time.monotonic() - wall_before
        server_cpu = time.process_time() - server_before
        requests = len(running.requests)
        stored = rows(config / "db.sqlite", "SELECT url FROM articles")
        baseline_cpu, extractor_cpu, baseline_pages, page_bytes = extraction_cpu(
            [row["url"] for row in stored]
        )

    articles = len(stored)
    crawl_cpu = result.cpu_seconds or 0.0
    per_article = crawl_cpu / max(articles, 1)
    per_page = baseline_cpu / max(len(stored), 1)
    print(
        f"news web: {sites} sites x {articles_per_site} articles, {page_weight} pages "
        f"({sum(not a.too_old for a in web.articles)} inside the lookback window); article "
        f"pages {page_bytes / max(articles, 1) / 1024:.0f} KB on average"
    )
    print(
        f"crawl: status {result.status}, {articles} articles stored, {requests} requests, "
        f"{wall:.1f} s wall, {requests / wall:.0f} pages/s, peak RSS "
        f"{result.peak_rss_mb:.0f} MB"
    )
    print(
        f"crawl child CPU: {crawl_cpu:.1f} s = {per_article * 1000:.2f} ms per article "
        "(discover, fetch, extract, match, dedup, store)"
    )
    print(f"news web servers CPU (this process, during the crawl): {server_cpu:.1f} s")
    print(
        f"baseline trafilatura.bare_extraction: {baseline_cpu:.1f} s on {len(stored)} pages "
        f"({baseline_pages} extracted) = {per_page * 1000:.2f} ms per page"
    )
    print(
        f"for orientation, crawler.extract.extract_article alone: {extractor_cpu:.1f} s = "
        f"{extractor_cpu / max(len(stored), 1) * 1000:.2f} ms per page"
    )
    ratio = per_article / per_page if per_page else float("inf")
    verdict = "meets" if ratio <= GOAL_RATIO else "misses"
    print(f"ratio crawl / trafilatura per article: {ratio:.2f}x ({verdict} the {GOAL_RATIO}x goal)")


if __name__ == "__main__":
    main()
