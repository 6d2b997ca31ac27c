"""A second crawl cycle over an unchanged news web: article fetches and time, against the first.

Serves a local news web (tests/newsweb; default 10 sites x 1,000 articles) on 127.0.0.1 and runs
two crawl cycles through ``scheduler.crawl.run_crawl`` (feeds, sitemaps and home pages of every
site), then a third after publishing one article per site. Counts, from the servers' request log,
how many article pages each cycle fetched and how the feeds and sitemaps answered.

Goal: the second cycle fetches 0 article pages and takes at most 5% of the first cycle's time.

    .venv/bin/python bench/crawl_incremental.py [--sites 10] [--articles 1000]
    .venv/bin/python bench/crawl_incremental.py --sites 2 --articles 200    # a quick run
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from crawl_cost import BENCH_CRAWL, bench_sources

from scheduler.crawl import run_crawl
from tests.crawl_support import write_config
from tests.newsweb import generate_web, serve

GOAL_SHARE = 0.05


def article_requests(requests, web) -> int:
    paths = {(a.site, unquote(urlsplit(a.path).path)) for a in (*web.articles, *web.private)}
    return sum((r.site, unquote(urlsplit(r.path).path)) in paths for r in requests)


def listing_statuses(requests) -> Counter:
    listings = (
        "/rss.xml",
        "/atom.xml",
        "/sitemap.xml",
        "/sitemap-news.xml",
        "/sitemap-articles.xml",
    )
    return Counter(r.status for r in requests if r.path in listings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--articles", type=int, default=1000, help="articles per site")
    args = parser.parse_args()

    web = generate_web(seed=0, sites=args.sites, articles_per_site=args.articles, hostile=False)
    cycles = []
    with tempfile.TemporaryDirectory() as folder, serve(web) as running:
        config = write_config(
            Path(folder) / "config", bench_sources(running, web), crawl=BENCH_CRAWL
        )
        for cycle in range(3):
            if cycle == 2:
                web.add_articles(args.sites)  # one new article on every site
            running.clear_log()
            started = time.monotonic()
            result = run_crawl(config, time_limit=3600)
            seconds = time.monotonic() - started
            requests = running.requests
            cycles.append((result, seconds, requests))

    print(f"news web: {args.sites} sites x {args.articles} articles")
    for number, (result, seconds, requests) in enumerate(cycles, start=1):
        label = {1: "first", 2: "unchanged", 3: "one new article per site"}[number]
        print(
            f"cycle {number} ({label}): status {result.status}, {seconds:.1f} s wall, "
            f"{result.cpu_seconds:.1f} s child CPU, {len(requests)} requests, "
            f"{article_requests(requests, web)} article pages fetched, {result.new} new, "
            f"feeds/sitemaps {dict(listing_statuses(requests))}"
        )
    first, second = cycles[0][1], cycles[1][1]
    share = second / first
    fetched = article_requests(cycles[1][2], web)
    verdict = "meets" if fetched == 0 and share <= GOAL_SHARE else "misses"
    print(
        f"second cycle: {fetched} article pages, {share:.1%} of the first cycle's time "
        f"({verdict} the goal: 0 pages and at most {GOAL_SHARE:.0%})"
    )


if __name__ == "__main__":
    main()
