"""The local news web: ground truth, and every kind of page fetched over real HTTP."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import unicodedata
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.newsweb import (
    GAZA,
    HOSTILE_SITE,
    OFFSITE,
    RAFAH,
    WATCHLISTS,
    GroundTruthArticle,
    NewsWeb,
    RunningWeb,
    generate_web,
    serve,
)
from tests.newsweb.stories import VARIANTS

ROOT = Path(__file__).resolve().parent.parent
FIXED_NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "atom": "http://www.w3.org/2005/Atom",
    "dc": "http://purl.org/dc/elements/1.1/",
}


# --- helpers ----------------------------------------------------------------------------------


class Fetched:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> Fetched:
    """GET with urllib, following redirects; HTTP errors are returned, not raised."""
    return fetch_request(urllib.request.Request(url, headers=headers or {}), timeout)


def fetch_request(request: urllib.request.Request, timeout: float = 10) -> Fetched:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Fetched(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Fetched(error.code, error.headers, error.read())


def connect(url: str, timeout: float = 10) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return connection, path


def head_only(url: str, timeout: float = 10) -> tuple[int, dict[str, str]]:
    """Status and headers of a GET without following redirects or reading the body."""
    connection, path = connect(url, timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [value or "" for name, value in attrs if name == "href"]


def hrefs(page: str) -> list[str]:
    parser = Links()
    parser.feed(page)
    return parser.hrefs


def json_ld_article(page: str) -> dict[str, object] | None:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    if match is None:
        return None
    data = json.loads(match.group(1))
    nodes = data.get("@graph", [data])
    return next(node for node in nodes if node.get("@type") == "NewsArticle")


def json_ld_authors(node: dict[str, object]) -> list[str]:
    author = node["author"]
    people = author if isinstance(author, list) else [author]
    return [person if isinstance(person, str) else person["name"] for person in people]


def shingles(text: str, size: int = 5) -> set[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text.casefold())
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def jaccard(first: str, second: str) -> float:
    a, b = shingles(first), shingles(second)
    return len(a & b) / len(a | b)


# A deliberately loose reading of the watch-list semantics (punctuation and paragraph breaks
# ignored, every trailing "s" optional, compounds joined): if it finds no match, no careful
# matcher can; if the ground truth says "match", this must find one.
_HARAKAT = re.compile("[\u064b-\u065f\u0670\u0640]")
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d-]")


def loose_tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _HARAKAT.sub("", text).translate(str.maketrans("أإآٱ", "اااا"))
    text = re.sub(r"['’]s\b", "", _DASHES.sub(" ", text)).replace("'", "").replace("’", "")
    return [w[:-1] if w.endswith("s") and len(w) > 3 else w for w in re.findall(r"\w+", text)]


def loose_contains(tokens: list[str], phrase: str) -> bool:
    target = "".join(loose_tokens(phrase))
    for start in range(len(tokens)):
        joined = ""
        for token in tokens[start:]:
            joined += token
            if joined == target:
                return True
            if not target.startswith(joined):
                break
    return False


def loose_match(text: str) -> set[str]:
    tokens = loose_tokens(text)
    return {
        name
        for name, query in WATCHLISTS.items()
        if any(loose_contains(tokens, phrase) for phrase in re.findall(r'"([^"]+)"', query))
    }


def by_form(web: NewsWeb, form: str) -> list[GroundTruthArticle]:
    return [a for a in web.articles if a.form == form]


# --- ground truth -----------------------------------------------------------------------------


def test_generation_is_deterministic_per_seed() -> None:
    first = generate_web(seed=7, sites=4, articles_per_site=40, now=FIXED_NOW)
    again = generate_web(seed=7, sites=4, articles_per_site=40, now=FIXED_NOW)
    other = generate_web(seed=8, sites=4, articles_per_site=40, now=FIXED_NOW)
    assert [a.fingerprint() for a in first.articles] == [a.fingerprint() for a in again.articles]
    assert first.copies() == again.copies()
    assert [a.title for a in first.articles] != [a.title for a in other.articles]


def test_sizes_ids_and_paths(news_web: NewsWeb) -> None:
    ordinary = [site for site in news_web.sites if not site.hostile]
    assert len(ordinary) == 3
    for site in ordinary:
        assert len(news_web.articles_for(site.name)) == 30
    ids = [a.id for a in news_web.articles]
    assert len(ids) == len(set(ids))
    paths = {(a.site, a.path) for a in news_web.articles}
    assert len(paths) == len(news_web.articles)
    for article in news_web.articles:
        site = news_web.site(article.site)
        assert article.section in site.sections
        assert article.language == site.section_language(article.section)
        arabic_letters = len(re.findall("[\u0621-\u064a]", article.body))
        assert (arabic_letters > len(article.body) / 2) == (article.language == "ar"), article.id
    # URL patterns differ between sites.
    shapes = {re.sub(r"[^/]+", "x", news_web.articles_for(s.name)[0].path) for s in ordinary}
    assert len(shapes) == 3


@pytest.mark.parametrize(("seed", "sites", "per_site"), [(0, 3, 30), (3, 5, 60)])
def test_ground_truth_agrees_with_a_reference_matcher(seed: int, sites: int, per_site: int) -> None:
    web = generate_web(seed=seed, sites=sites, articles_per_site=per_site, now=FIXED_NOW)
    for article in [*web.articles, *web.private]:
        assert loose_match(article.text) == article.watchlists, (article.id, article.form)


def test_every_form_of_mention_and_near_miss_is_present(news_web: NewsWeb) -> None:
    forms = {a.form for a in news_web.articles}
    assert {variant.form for variant in VARIANTS} <= forms
    assert {
        "syndicated",
        "translation",
        "same-template",
        "same-event-shared-quote",
        "too-old",
        "charset:cp1252-declared-utf8",
        "charset:undeclared-utf8",
    } <= forms
    near = [a for a in news_web.articles if a.near_miss]
    assert len(near) >= 9 and all(not a.watchlists for a in near)
    assert {a.language for a in news_web.matching(GAZA)} == {"en", "ar"}
    assert {a.language for a in news_web.matching(RAFAH)} == {"en", "ar"}
    title_only = by_form(news_web, "title-only")[0]
    assert "Gaza ceasefire" in title_only.title
    assert not loose_match(title_only.body)
    body_only = by_form(news_web, "body-only-late")[0]
    assert not loose_match(body_only.title)
    assert loose_match(body_only.body) == {GAZA}


def test_filler_never_mentions_watch_words(news_web: NewsWeb) -> None:
    big = generate_web(seed=11, sites=5, articles_per_site=80, now=FIXED_NOW, hostile=False)
    words = {"gaza", "rafah", "ceasefire", "غزة", "رفح"}
    for article in [*news_web.articles, *big.articles]:
        if article.form == "filler":
            tokens = set(loose_tokens(article.text))
            assert not tokens & words, article.id
            assert not loose_contains(loose_tokens(article.text), "cease fire")


def test_matching_excludes_too_old_unless_asked(news_web: NewsWeb) -> None:
    old = [a for a in news_web.articles if a.too_old]
    assert old and all(a.published <= news_web.now - timedelta(days=9) for a in old)
    fresh = [a for a in news_web.articles if not a.too_old]
    assert all(news_web.now - timedelta(days=2) <= a.published <= news_web.now for a in fresh)
    too_old_match = by_form(news_web, "too-old")[0]
    assert too_old_match not in news_web.matching(GAZA)
    assert too_old_match in news_web.matching(GAZA, include_too_old=True)
    with pytest.raises(KeyError):
        news_web.matching("Unknown list")


def test_syndicated_copies_share_a_story_and_differ_in_details(news_web: NewsWeb) -> None:
    groups = news_web.copies()
    assert len(groups) >= 2
    for group in groups:
        members = [news_web.article(article_id) for article_id in group]
        assert len({a.story for a in members}) == 1
        assert len({a.site for a in members}) == len(members)  # one copy per outlet
    wire = [
        news_web.article(i)
        for g in groups
        for i in g
        if news_web.article(i).story == "story-wire-gaza"
    ]
    assert len(wire) == 3
    assert len({a.title for a in wire}) == 2  # one desk changed the headline
    assert len({len(a.paragraphs) for a in wire}) == 3  # one dropped, one added a paragraph
    assert len({a.body for a in wire}) == 3
    for first, second in itertools.pairwise(wire):
        assert jaccard(first.body, second.body) > 0.6
        assert first.watchlists == second.watchlists == {GAZA}
    translation = by_form(news_web, "translation")[0]
    assert translation.language == "ar" and translation.story not in {a.story for a in wire}


def test_hard_negatives_are_different_stories(news_web: NewsWeb) -> None:
    template = by_form(news_web, "same-template")
    assert len(template) == 2 and template[0].story != template[1].story
    # Same template: a sizeable share of wording in common, yet different facts.
    assert 0.05 < jaccard(template[0].body, template[1].body) < 0.6
    event = by_form(news_web, "same-event-shared-quote")
    assert len(event) == 2 and event[0].story != event[1].story
    shared = set(event[0].paragraphs) & set(event[1].paragraphs)
    assert len(shared) == 1 and "transport minister" in shared.pop()
    grouped = {i for g in news_web.copies() for i in g}
    assert not grouped & {a.id for a in [*template, *event]}


def test_discovery_paths_are_recorded(news_web: NewsWeb) -> None:
    for site in news_web.sites:
        articles = news_web.articles_for(site.name)
        in_feed = [a for a in articles if a.in_feed]
        assert in_feed == articles[: site.style.feed_size]
        assert all(a.in_sitemap for a in articles)
    courier = news_web.articles_for("courier")
    assert any(not a.in_sections for a in courier)  # courier caps its section pagination
    assert all(a.in_sections for a in news_web.articles_for("ledger"))


# --- pages over HTTP --------------------------------------------------------------------------


def test_home_page_links_sections_articles_and_the_private_page(
    news_web: NewsWeb, served_web: RunningWeb
) -> None:
    for site in news_web.sites:
        page = fetch(served_web.base_url(site.name) + "/")
        assert page.status == 200
        links = hrefs(page.text)
        assert {f"/section/{name}/" for name in site.sections} <= set(links)
        assert any("utm_source=" in link and "utm_medium=" in link for link in links)
        assert any(link.endswith("#comments") for link in links)
        private = [a for a in news_web.private if a.site == site.name]
        assert private and private[0].path in links
        assert 'type="application/rss+xml"' in page.text and "cookie-banner" in page.text
        latest = {a.path for a in news_web.articles_for(site.name)[:10]}
        assert latest <= {link.split("?")[0].split("#")[0] for link in links}


def test_section_pages_paginate(news_web: NewsWeb, served_web: RunningWeb) -> None:
    site = news_web.site("ledger")
    base = served_web.base_url("ledger")
    world = [a for a in news_web.articles_for("ledger") if a.section == "world"]
    assert len(world) > site.style.page_size
    first = fetch(base + "/section/world/")
    second = fetch(base + "/section/world/?page=2")
    assert first.status == second.status == 200
    # Only the listing inside <main>: the "Latest" ticker above it may also show world articles.
    first_links = hrefs(first.text.split("<main", 1)[1].split("</main>", 1)[0])
    second_links = hrefs(second.text.split("<main", 1)[1].split("</main>", 1)[0])
    assert [a.path for a in world[: site.style.page_size]] == [
        link for link in first_links if link in {a.path for a in world}
    ][: site.style.page_size]
    assert world[site.style.page_size].path in second_links
    assert "/section/world/?page=2" in first_links and 'rel="next"' in first.text
    assert fetch(base + "/section/world/?page=99").status == 404
    assert fetch(base + "/section/world/?page=x").status == 404
    assert fetch(base + "/section/nonexistent/").status == 404
    # Capped pagination: the courier's older articles are not on any section page.
    courier = served_web.base_url("courier")
    hidden = [a for a in news_web.articles_for("courier") if not a.in_sections]
    section = hidden[0].section
    listed: set[str] = set()
    for page in range(1, 10):
        response = fetch(f"{courier}/section/{section}/?page={page}")
        if response.status == 404:
            break
        listed |= set(hrefs(response.text))
    assert hidden[0].path not in listed


def test_tag_author_and_search_pages(news_web: NewsWeb, served_web: RunningWeb) -> None:
    article = news_web.articles_for("post")[0]
    base = served_web.base_url("post")
    tag_page = fetch(f"{base}/tag/{article.tags[0]}/")
    assert tag_page.status == 200 and article.path in hrefs(tag_page.text)
    author_page = fetch(
        base + re.search(r'href="(/author/[^"]+)"', fetch(served_web.url(article)).text).group(1)
    )
    assert author_page.status == 200 and article.authors[0] in author_page.text
    word = article.title.split()[-1]
    search = fetch(f"{base}/search?q={urllib.request.quote(word)}")
    assert search.status == 200 and article.path in hrefs(search.text)
    hostile_query = fetch(base + "/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)" not in hostile_query.text
    assert fetch(base + "/tag/no-such-tag/").status == 404
    assert fetch(base + "/author/nobody/").status == 404
    for static in ("/about/", "/privacy/", "/contact/", "/static/site.css"):
        assert fetch(base + static).status == 200


def check_article_pages(web: NewsWeb, running: RunningWeb) -> None:
    """Boilerplate, canonical, OpenGraph and JSON-LD of a few articles of every site."""
    for site in web.sites:
        for article in web.articles_for(site.name)[:4] + by_form(web, "exact"):
            if article.site != site.name:
                continue
            page = fetch(running.url(article))
            assert page.status == 200
            html = page.body.decode("utf-8") if article.charset_trap is None else None
            if html is None:
                continue
            canonical = running.base_url(site.name) + article.canonical_path
            assert f"<title>{escape(article.title)}{site.style.title_separator}" in html
            assert f'<link rel="canonical" href="{canonical}">' in html
            assert f'<meta property="og:title" content="{escape(article.title)}">' in html
            assert '<meta property="og:type" content="article">' in html
            assert "article:published_time" in html
            for marker in (
                "cookie-banner",
                "main-nav",
                "ad-inline",
                'class="related"',
                'id="comments"',
                "site-footer",
            ):
                assert marker in html, (site.name, marker)
            for paragraph in article.paragraphs:
                assert f"<p>{escape(paragraph)}</p>" in html
            node = json_ld_article(html)
            if site.style.json_ld == "none":
                assert node is None
                assert f"By {escape(article.authors[0])}" in html  # authors only in the byline
                assert '<meta name="author"' not in html
                continue
            assert node is not None
            assert node["headline"] == article.title
            assert datetime.fromisoformat(node["datePublished"]) == article.published
            assert datetime.fromisoformat(node["dateModified"]) == article.modified
            assert json_ld_authors(node) == article.authors
            assert node["inLanguage"] == article.language
            assert page.headers["Last-Modified"] == format_datetime(article.modified, usegmt=True)


def test_article_pages_carry_boilerplate_and_metadata(
    news_web: NewsWeb, served_web: RunningWeb
) -> None:
    check_article_pages(news_web, served_web)


def test_all_five_house_styles_serve_valid_metadata(make_served_web) -> None:
    running = make_served_web(seed=9, sites=5, articles_per_site=12, hostile=False)
    assert {site.style.json_ld for site in running.web.sites} == {"full", "graph", "names", "none"}
    check_article_pages(running.web, running)


def test_arabic_articles_are_served_right_to_left(
    news_web: NewsWeb, served_web: RunningWeb
) -> None:
    article = by_form(news_web, "ar-harakat")[0]
    assert "%" in article.path  # Arabic slugs are percent-encoded
    page = fetch(served_web.url(article)).text
    assert 'lang="ar" dir="rtl"' in page
    assert escape(article.paragraphs[0]) in page


def test_amp_variant_points_to_the_canonical_page(
    news_web: NewsWeb, served_web: RunningWeb
) -> None:
    for site in news_web.sites:
        article = news_web.articles_for(site.name)[1]
        amp = fetch(served_web.base_url(site.name) + article.amp_path)
        assert amp.status == 200
        assert "<html ⚡" in amp.text
        canonical = served_web.base_url(site.name) + article.canonical_path
        assert f'<link rel="canonical" href="{canonical}">' in amp.text
        assert escape(article.paragraphs[-1]) in amp.text
        main = fetch(served_web.url(article)).body.decode("utf-8", "replace")
        assert (
            f'<link rel="amphtml" href="{served_web.base_url(site.name)}{article.amp_path}">'
            in main
        )


def test_rss_and_atom_list_the_latest_articles(news_web: NewsWeb, served_web: RunningWeb) -> None:
    for site in news_web.sites:
        base = served_web.base_url(site.name)
        expected = [a for a in news_web.articles_for(site.name) if a.in_feed]
        rss = ET.fromstring(fetch(base + "/rss.xml").body)
        items = rss.findall("./channel/item")
        urls = [item.findtext("link").split("?")[0] for item in items]
        assert urls[: len(expected)] == [a.url for a in expected]
        first = items[0]
        assert first.findtext("guid") and first.findtext("description")
        assert parsedate_to_datetime(first.findtext("pubDate")) == expected[0].published
        assert first.findtext("dc:creator", namespaces=NS) == ", ".join(expected[0].authors)
        atom = ET.fromstring(fetch(base + "/atom.xml").body)
        entries = atom.findall("atom:entry", NS)
        assert len(entries) == len(expected)
        links = [e.find("atom:link", NS).get("href").split("?")[0] for e in entries]
        assert links == [a.url for a in expected]
        published = datetime.fromisoformat(entries[0].findtext("atom:published", namespaces=NS))
        assert published == expected[0].published
    post_feed = fetch(served_web.base_url("post") + "/rss.xml").text
    assert "utm_source=rss" in post_feed  # one outlet tags its feed links


def test_sitemap_index_news_sitemap_and_robots(news_web: NewsWeb, served_web: RunningWeb) -> None:
    for site in news_web.sites:
        base = served_web.base_url(site.name)
        index = ET.fromstring(fetch(base + "/sitemap.xml").body)
        locations = [loc.text for loc in index.findall("sm:sitemap/sm:loc", NS)]
        assert (
            base + "/sitemap-news.xml" in locations and base + "/sitemap-articles.xml" in locations
        )
        articles = news_web.articles_for(site.name)
        news = ET.fromstring(fetch(base + "/sitemap-news.xml").body)
        listed = {
            url.findtext("sm:loc", namespaces=NS): url.findtext(
                "news:news/news:publication_date", namespaces=NS
            )
            for url in news.findall("sm:url", NS)
        }
        assert set(listed) == {a.url for a in articles if not a.too_old}
        for article in articles:
            if not article.too_old:
                assert datetime.fromisoformat(listed[article.url]) == article.published
        full = ET.fromstring(fetch(base + "/sitemap-articles.xml").body)
        lastmods = {
            url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS)
            for url in full.findall("sm:url", NS)
        }
        assert {a.url for a in articles} <= set(lastmods)
        assert datetime.fromisoformat(lastmods[articles[0].url]) == articles[0].modified
        robots = fetch(base + "/robots.txt").text
        assert "Disallow: /private/" in robots and f"Sitemap: {base}/sitemap.xml" in robots
        private = next(a for a in news_web.private if a.site == site.name)
        assert private.path.startswith("/private/")


def test_conditional_get_answers_304(news_web: NewsWeb, served_web: RunningWeb) -> None:
    base = served_web.base_url("ledger")
    article = news_web.articles_for("ledger")[0]
    for path in ("/rss.xml", "/atom.xml", "/sitemap.xml", "/sitemap-news.xml", article.path):
        first = fetch(base + path)
        etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert etag and last_modified
        assert fetch(base + path, {"If-None-Match": etag}).status == 304
        assert fetch(base + path, {"If-Modified-Since": last_modified}).status == 304
        earlier = parsedate_to_datetime(last_modified) - timedelta(seconds=1)
        assert (
            fetch(base + path, {"If-Modified-Since": format_datetime(earlier, usegmt=True)}).status
            == 200
        )
        assert fetch(base + path, {"If-None-Match": '"stale"'}).status == 200
    head = urllib.request.Request(base + "/rss.xml", method="HEAD")
    with urllib.request.urlopen(head, timeout=10) as response:
        assert int(response.headers["Content-Length"]) > 1000 and response.read() == b""


def test_request_log_records_site_method_path_headers_status(served_web: RunningWeb) -> None:
    served_web.clear_log()
    base = served_web.base_url("courier")
    fetch(base + "/robots.txt", {"User-Agent": "presswatch-test"})
    fetch(base + "/no-such-page?x=1")
    post = urllib.request.Request(base + "/newsletter", data=b"email=a%40b.example")
    assert fetch_request(post).status == 405
    log = served_web.requests
    assert [(r.site, r.method, r.path, r.status) for r in log] == [
        ("courier", "GET", "/robots.txt", 200),
        ("courier", "GET", "/no-such-page?x=1", 404),
        ("courier", "POST", "/newsletter", 405),
    ]
    assert log[0].headers["user-agent"] == "presswatch-test"
    served_web.clear_log()
    assert served_web.requests == []


def test_gzip_sites_compress_when_asked(news_web: NewsWeb, served_web: RunningWeb) -> None:
    article = news_web.articles_for("post")[0]
    connection, path = connect(served_web.url(article))
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        assert response.getheader("Content-Encoding") == "gzip"
        page = gzip.decompress(response.read()).decode()
    finally:
        connection.close()
    assert escape(article.paragraphs[0]) in page


# --- mutations ---------------------------------------------------------------------------------


def test_add_articles_changes_feeds_and_their_validators(make_served_web) -> None:
    running = make_served_web(seed=4, sites=2, articles_per_site=25, hostile=False)
    web = running.web
    base = running.base_url("ledger")
    before = fetch(base + "/rss.xml")
    oldest_in_feed = [a for a in web.articles_for("ledger") if a.in_feed][-1]
    added = web.add_articles(2, site="ledger", watchlist=RAFAH)
    assert all(a.url.startswith(base) and RAFAH in a.watchlists for a in added)
    assert set(added) <= set(web.matching(RAFAH))
    after = fetch(base + "/rss.xml", {"If-None-Match": before.headers["ETag"]})
    assert after.status == 200 and after.headers["ETag"] != before.headers["ETag"]
    ims = fetch(base + "/rss.xml", {"If-Modified-Since": before.headers["Last-Modified"]})
    assert ims.status == 200
    links = [item.findtext("link") for item in ET.fromstring(after.body).findall("./channel/item")]
    assert links[:2] == [added[1].url, added[0].url]
    assert not oldest_in_feed.in_feed and oldest_in_feed.url not in links
    assert fetch(added[0].url).status == 200
    spread = web.add_articles(2)
    assert {a.site for a in spread} == {"ledger", "post"}


def test_update_article_changes_the_served_page(make_served_web) -> None:
    running = make_served_web(seed=5, sites=2, articles_per_site=40, hostile=False)
    web = running.web
    article = next(a for a in web.articles_for("post") if a.form == "filler")
    before = fetch(running.url(article))
    assert article.revisions == 0 and not article.watchlists
    web.update_article(article.id, mention=GAZA)
    assert article.revisions == 1 and article.watchlists == {GAZA}
    assert article.modified > article.published
    assert loose_match(article.text) == {GAZA}
    after = fetch(running.url(article), {"If-None-Match": before.headers["ETag"]})
    assert after.status == 200
    assert after.text != before.text and escape(article.paragraphs[-1]) in after.text
    assert parsedate_to_datetime(after.headers["Last-Modified"]) == article.modified
    assert datetime.fromisoformat(json_ld_article(after.text)["dateModified"]) == article.modified
    web.update_article(article.id)
    assert article.revisions == 2
    preupdated = by_form(web, "exact")[0]
    assert preupdated.revisions == 1 and preupdated.modified > preupdated.published


# --- hostile endpoints --------------------------------------------------------------------------


def test_hostile_endpoints_are_linked_where_a_crawler_meets_them(
    news_web: NewsWeb, served_web: RunningWeb
) -> None:
    base = served_web.base_url(HOSTILE_SITE)
    home = set(hrefs(fetch(base + "/").text))
    for kind, path in news_web.hostile.items():
        if kind not in ("wrong_charset", "no_charset"):
            assert path in home, kind
    feed = fetch(base + "/rss.xml").text
    for kind in ("slow", "huge_page", "gzip_bomb", "redirect_loop", "offsite_redirect", "pdf"):
        assert base + news_web.hostile[kind] in feed
    index = fetch(base + "/sitemap.xml").text
    assert base + news_web.hostile["malformed_sitemap"] in index


def test_wrong_and_missing_charsets(news_web: NewsWeb, served_web: RunningWeb) -> None:
    wrong = fetch(served_web.hostile_url("wrong_charset"))
    assert wrong.headers["Content-Type"] == "text/html; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        wrong.body.decode("utf-8")
    article = news_web.lookup(HOSTILE_SITE, news_web.hostile["wrong_charset"])
    decoded = wrong.body.decode("cp1252")
    assert '<meta charset="windows-1252">' in decoded
    assert all(escape(p) in decoded for p in article.paragraphs) and "€" in article.body

    missing = fetch(served_web.hostile_url("no_charset"))
    assert missing.headers["Content-Type"] == "text/html"
    assert b"charset" not in missing.body.split(b"</head>")[0]
    article = news_web.lookup(HOSTILE_SITE, news_web.hostile["no_charset"])
    assert article in news_web.matching(RAFAH) and "café" in article.body
    assert all(escape(p) in missing.text for p in article.paragraphs)

    latin1 = fetch(served_web.hostile_url("wrong_charset_header"))
    assert latin1.headers["Content-Type"] == "text/html; charset=iso-8859-1"
    assert "المهرجان" in latin1.body.decode("utf-8")


def test_huge_page_announces_twenty_megabytes(served_web: RunningWeb) -> None:
    connection, path = connect(served_web.hostile_url("huge_page"))
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        assert int(response.getheader("Content-Length")) == 20 * 1024 * 1024
        start = response.read(65536)
    finally:
        connection.close()
    assert start.startswith(b"<!DOCTYPE html>") and len(start) == 65536


def test_gzip_bomb_is_small_on_the_wire_and_huge_inflated(served_web: RunningWeb) -> None:
    connection, path = connect(served_web.hostile_url("gzip_bomb"))
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        assert response.getheader("Content-Encoding") == "gzip"
        wire = response.read()
    finally:
        connection.close()
    assert 500_000 < len(wire) < 2_000_000
    inflater = zlib.decompressobj(31)
    first = inflater.decompress(wire, 8 * 1024 * 1024)
    assert first.startswith(b"<!DOCTYPE html>") and len(first) == 8 * 1024 * 1024
    assert not inflater.eof  # far more to come...
    assert int.from_bytes(wire[-4:], "little") == 1024**3  # ...1 GiB, says the gzip trailer


def test_redirect_loop_and_offsite_redirect(news_web: NewsWeb, served_web: RunningWeb) -> None:
    base = served_web.base_url(HOSTILE_SITE)
    status, headers = head_only(served_web.hostile_url("redirect_loop"))
    assert status == 302 and headers["location"] == "/hostile/loop-b.html"
    status, headers = head_only(base + headers["location"])
    assert status == 302 and headers["location"] == news_web.hostile["redirect_loop"]
    with pytest.raises(urllib.error.HTTPError) as loop:
        urllib.request.urlopen(served_web.hostile_url("redirect_loop"), timeout=10)
    loop.value.close()

    status, headers = head_only(served_web.hostile_url("offsite_redirect"))
    target = urlsplit(headers["location"])
    assert status == 302 and target.hostname == "localhost"
    assert target.port == urlsplit(served_web.offsite_base).port
    served_web.clear_log()
    landing = fetch(served_web.url("/landing.html", OFFSITE))
    assert landing.status == 200
    assert [r.site for r in served_web.requests] == [OFFSITE]


def test_calendar_trap_never_ends(news_web: NewsWeb, served_web: RunningWeb) -> None:
    base = served_web.base_url(HOSTILE_SITE)
    url = served_web.hostile_url("calendar_trap")
    seen = set()
    for _ in range(6):
        page = fetch(url)
        assert page.status == 200
        seen.add(url)
        following = re.search(r'rel="next" href="([^"]+)"', page.text).group(1)
        url = base + following.replace("&amp;", "&")
        assert "sid=" in url and url not in seen
    month = news_web.now.month % 12 + 1
    assert f"/{month:02d}/?sid=" in fetch(served_web.hostile_url("calendar_trap")).text
    assert fetch(base + "/calendar/2026/13/").status == 404


def test_error_statuses_and_non_html_content(served_web: RunningWeb) -> None:
    assert fetch(served_web.hostile_url("not_found")).status == 404
    assert fetch(served_web.hostile_url("server_error")).status == 500
    pdf = fetch(served_web.hostile_url("pdf"))
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.body.startswith(b"%PDF-")
    image = fetch(served_web.hostile_url("image_as_article"))
    assert served_web.hostile_url("image_as_article").endswith(".html")
    assert image.headers["Content-Type"] == "image/png"
    assert image.body.startswith(b"\x89PNG\r\n\x1a\n")


def test_malformed_feed_sitemap_and_entity_feed(served_web: RunningWeb) -> None:
    for kind in ("malformed_feed", "malformed_sitemap"):
        body = fetch(served_web.hostile_url(kind)).body
        with pytest.raises(ET.ParseError):
            ET.fromstring(body)
    entities = fetch(served_web.hostile_url("xxe_feed")).text
    assert entities.count("<!ENTITY") == 11 and 'SYSTEM "file:///etc/passwd"' in entities


def test_slow_responses_time_out_without_blocking_others(served_web: RunningWeb) -> None:
    # Body bytes trickle in every half second: shorter read timeouts fail, longer ones
    # never fire (only a total deadline protects a crawler).
    connection, path = connect(served_web.hostile_url("slow"), timeout=0.25)
    try:
        connection.request("GET", path)
        response = connection.getresponse()  # headers come at once...
        assert response.status == 200 and int(response.getheader("Content-Length")) > 1000
        with pytest.raises(TimeoutError):
            response.read()  # ...the body does not
    finally:
        connection.close()
    connection, path = connect(served_web.hostile_url("slow_headers"), timeout=0.5)
    try:
        connection.request("GET", path)
        with pytest.raises(TimeoutError):
            connection.getresponse()
        # Meanwhile the same server answers other requests.
        assert fetch(served_web.base_url(HOSTILE_SITE) + "/robots.txt", timeout=2).status == 200
    finally:
        connection.close()


def test_servers_stop_promptly_during_a_slow_response() -> None:
    web = generate_web(seed=1, sites=1, articles_per_site=3)
    outcome: list[object] = []
    with serve(web, slow_delay=30) as running:
        connection, path = connect(running.hostile_url("slow"), timeout=20)

        def read_slowly() -> None:
            try:
                connection.request("GET", path)
                outcome.append(connection.getresponse().read())
            except (OSError, http.client.HTTPException) as error:
                outcome.append(error)

        reader = threading.Thread(target=read_slowly)
        reader.start()
        deadline = time.monotonic() + 5
        while not running.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert running.requests
        started = time.monotonic()
    stopped_after = time.monotonic() - started
    reader.join(10)
    connection.close()
    assert not reader.is_alive() and outcome
    assert not isinstance(outcome[0], bytes) or len(outcome[0]) < 5000
    assert stopped_after < 10  # far less than the 30 s the response would take
    assert all(a.url == a.path for a in web.articles)  # URLs revert to paths after serving


# --- scale, import without pytest, CLI ---------------------------------------------------------


def test_ten_sites_of_a_thousand_articles(tmp_path: Path) -> None:
    web = generate_web(seed=2, sites=10, articles_per_site=1000, hostile=False)
    assert len(web.articles) == 10_000
    assert len({a.id for a in web.articles}) == 10_000
    assert len({(a.site, a.path) for a in web.articles}) == 10_000
    assert len(web.matching(GAZA)) > 100 and len(web.matching(RAFAH)) > 50
    assert len(web.copies()) > 30
    sample = web.articles[::997]
    assert all(len(a.paragraphs) >= 5 for a in sample if a.form == "filler")
    with serve(web) as running:
        site = web.sites[3]
        urls = ET.fromstring(fetch(running.base_url(site.name) + "/sitemap-articles.xml").body)
        assert len(urls.findall("sm:url", NS)) == 1000
        assert fetch(running.url(web.articles_for(site.name)[-1])).status == 200


def test_importable_without_pytest_deterministic_across_processes_and_cli_serves() -> None:
    # A different hash seed in the child: the ground truth must not depend on hash().
    script = (
        "import sys, hashlib; from datetime import datetime, UTC\n"
        "from tests.newsweb import generate_web, serve\n"
        "web = generate_web(seed=3, sites=4, articles_per_site=40,\n"
        "                   now=datetime(2026, 11, 24, 12, tzinfo=UTC))\n"
        "digest = repr([a.fingerprint() for a in web.articles] + [web.copies()])\n"
        "print('pytest' in sys.modules, hashlib.sha256(digest.encode()).hexdigest())\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    web = generate_web(seed=3, sites=4, articles_per_site=40, now=FIXED_NOW)
    digest = repr([a.fingerprint() for a in web.articles] + [web.copies()])
    assert child.stdout.split() == ["False", hashlib.sha256(digest.encode()).hexdigest()]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.newsweb",
            "--sites",
            "1",
            "--articles",
            "5",
            "--port-base",
            "0",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("serving"):
                break
        home = re.search(r"(http://127\.0\.0\.1:\d+)/", lines[0]).group(1)
        assert fetch(home + "/rss.xml").status == 200
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "stopping" in out
