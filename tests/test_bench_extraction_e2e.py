"""bench/extraction_e2e.py on a tiny hand-written corpus: the mirror, a real crawl, the scoring."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from bench.corpus_score import load_corpus, score_records
from bench.extraction_e2e import CorpusMirror, plan_hosts, run_e2e

FERRY_URL = "https://harbour-gazette.example/news/2024/ferry-timetable-changes?edition=north"
TAG_URL = "https://harbour-gazette.example/tag/ferries"
MARKET_URL = "https://valley-post.example/2023/05/02/market-hall-opens.html"

FERRY_PARAGRAPHS = [
    "The harbour authority will change the winter ferry timetable from the first of December, "
    "with the early crossing moved forty minutes later.",
    "Commuters from the north shore said the café at the pier would open earlier to match the "
    "new departures, and the authority promised extra buses on market days.",
    "A spokeswoman said the changes follow a survey in which most passengers asked for fewer "
    "but more reliable sailings during the storm season.",
]
MARKET_PARAGRAPHS = [
    "The restored market hall in the valley opened on Tuesday after two years of building work, "
    "with forty stalls selling cheese, bread and vegetables from nearby farms.",
    "The mayor thanked the carpenters who rebuilt the roof beams by hand and announced a small "
    "festival for the first Saturday of June with music from the town band.",
]


def article_html(title: str, published: str, paragraphs: list[str], charset: str) -> bytes:
    jsonld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "datePublished": published,
        }
    )
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="{charset}"><title>{title}</title>'
        f'<script type="application/ld+json">{jsonld}</script></head><body><nav><a href="/">Home'
        f"</a></nav><article><h1>{title}</h1>{body}</article><footer>Contact us</footer>"
        "</body></html>"
    ).encode(charset)


def listing_html() -> bytes:
    links = "".join(f'<li><a href="/news/2024/story-{n}">Story {n}</a></li>' for n in range(30))
    return f"<html><head><title>Ferries</title></head><body><ul>{links}</ul></body></html>".encode()


def write_page(folder: Path, page_id: str, url: str, html_bytes: bytes, truth: dict) -> None:
    (folder / f"{page_id}.html").write_bytes(html_bytes)
    fields = ["url", *(name for name in ("title", "published", "body") if truth.get(name))]
    record = {"url": url, "language": "en", "ground_truth_fields": fields, **truth}
    (folder / f"{page_id}.json").write_text(json.dumps(record), encoding="utf-8")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    ferry_title = "Winter ferry timetable changes"
    write_page(
        folder,
        "0001",
        FERRY_URL,
        # windows-1252 bytes, declared only in the page: the mirror sends no charset.
        article_html(ferry_title, "2024-11-03T08:00:00Z", FERRY_PARAGRAPHS, "windows-1252"),
        {
            "title": ferry_title,
            "published": "2024-11-03T08:00:00Z",
            "body": "\n".join(FERRY_PARAGRAPHS),
        },
    )
    write_page(folder, "0002", TAG_URL, listing_html(), {"body": "Ferry news in one place."})
    market_title = "Market hall opens again"
    write_page(
        folder,
        "0003",
        MARKET_URL,
        article_html(market_title, "2023-05-02T10:30:00+02:00", MARKET_PARAGRAPHS, "utf-8"),
        {
            "title": market_title,
            "published": "2023-05-02T10:30:00+02:00",
            "body": "\n".join(MARKET_PARAGRAPHS),
        },
    )
    return folder


def get(url: str) -> tuple[bytes, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return response.read(), response.headers["Content-Type"]


def test_mirror_serves_pages_at_their_original_path_and_query(corpus: Path) -> None:
    pages = {page.page_id: page for page in load_corpus(corpus)}
    hosts = plan_hosts(pages.values())
    assert sorted(host.original_host for host in hosts) == [
        "harbour-gazette.example",
        "valley-post.example",
    ]
    assert len({host.address for host in hosts}) == 2
    with CorpusMirror(hosts) as mirror:
        local_urls = mirror.local_urls()
        assert local_urls["0001"].endswith("/news/2024/ferry-timetable-changes?edition=north")
        body, content_type = get(local_urls["0001"])
        assert body == (corpus / "0001.html").read_bytes()
        assert content_type == "text/html"
        gazette = next(host for host in hosts if host.original_host == "harbour-gazette.example")
        feed, _ = get(gazette.feed_url)
        items = feed.decode().split("<item>")[1:]
        assert len(items) == 2
        assert all("<title>" not in item and "pubDate" not in item for item in items)
        assert local_urls["0002"] in feed.decode()
        assert mirror.pages_fetched() == {"0001"}


def test_crawl_stores_articles_and_counts_the_skipped_listing_as_a_miss(
    corpus: Path, tmp_path: Path
) -> None:
    result = run_e2e(corpus, tmp_path / "work", with_side=False)
    assert result.fetched == {"0001", "0002", "0003"}
    assert sorted(result.crawled) == ["0001", "0003"]
    assert result.misses["0002"].startswith("skipped: not an article: listing url")
    ferry = result.crawled["0001"]
    assert "café" in ferry["body"]  # decoded as windows-1252 without an HTTP charset
    scores = score_records(result.crawled, corpus)
    assert scores.missing_records == 1
    assert scores.body_pages == 3
    assert scores.per_page_body_f1["0002"] == 0.0
    assert scores.per_page_body_f1["0001"] > 0.95
    assert scores.title_exact == 1.0
    assert scores.date_same_day == 1.0
