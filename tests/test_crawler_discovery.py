"""Feed and sitemap parsing and the article-URL judgement (crawler/discovery.py), no network."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.discovery import (
    DiscoveryError,
    classify_link,
    is_recent,
    parse_feed,
    parse_sitemap,
    parse_w3c_datetime,
    without_session_parameters,
)

BASE = "http://news.example"

RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Example</title><link>{BASE}/</link><language>en-gb</language>
<item><title>Talks resume in Cairo</title><link>/2024/05/12/talks-resume.html</link>
<guid isPermaLink="false">ex-1</guid><pubDate>Sun, 12 May 2024 08:30:00 +0200</pubDate>
<dc:creator>Jane Roe</dc:creator><description>Negotiators met.</description></item>
<item><title>Local file</title><link>file:///etc/passwd</link></item>
<item><title>Script</title><link>javascript:alert(1)</link></item>
<item><title>Permalink guid only</title><guid isPermaLink="true">{BASE}/2024/05/11/x-y-z.html</guid>
</item>
</channel></rss>""".encode()

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Example</title>
<entry><title>Border reopens</title><id>tag:example,2024:2</id>
<link rel="alternate" href="{BASE}/world/border-reopens-123456"/>
<published>2024-05-12T06:00:00Z</published><updated>2024-05-12T09:15:00+01:00</updated>
<author><name>A. Writer</name></author><author><name>B. Writer</name></author></entry>
</feed>""".encode()

URLSET = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{BASE}/2024/05/12/a.html</loc><lastmod>2024-05-12</lastmod></url>
<url><loc> /2024/05/12/relative.html </loc></url>
<url><loc>{BASE}/news/b-1</loc><news:news><news:publication>
<news:name>Example</news:name><news:language>en</news:language></news:publication>
<news:publication_date>2024-05-12T10:00:00+02:00</news:publication_date>
<news:title>Headline B</news:title></news:news></url>
<url><loc>ftp://news.example/file</loc></url>
</urlset>""".encode()

INDEX = f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{BASE}/sitemap-2024-05.xml</loc><lastmod>2024-05-12T00:00:00Z</lastmod></sitemap>
<sitemap><loc>{BASE}/sitemap-news.xml.gz</loc></sitemap>
</sitemapindex>""".encode()

ENTITIES = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [
<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY secret SYSTEM "file:///etc/hostname">
]>
<ROOT><url><loc>http://news.example/&secret;</loc></url><url><loc>http://news.example/&d;</loc></url>
</ROOT>"""


def test_rss_entries_with_absolute_http_links_dates_and_authors():
    entries = parse_feed(RSS, f"{BASE}/rss.xml", "application/rss+xml").entries

    assert [entry.url for entry in entries] == [
        f"{BASE}/2024/05/12/talks-resume.html",
        f"{BASE}/2024/05/11/x-y-z.html",
    ]
    first = entries[0]
    assert first.guid == "ex-1"
    assert first.title == "Talks resume in Cairo"
    assert first.published == datetime(2024, 5, 12, 6, 30, tzinfo=UTC)
    assert first.authors == ("Jane Roe",)
    assert first.language == "en-gb"


def test_atom_entry_uses_alternate_link_and_newest_date():
    (entry,) = parse_feed(ATOM, f"{BASE}/atom.xml").entries

    assert entry.url == f"{BASE}/world/border-reopens-123456"
    assert entry.published == datetime(2024, 5, 12, 6, 0, tzinfo=UTC)
    assert entry.updated == datetime(2024, 5, 12, 8, 15, tzinfo=UTC)
    assert entry.date == entry.updated
    assert entry.authors == ("A. Writer", "B. Writer")


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body><p>Not a feed</p></body></html>", b"\x00\xff" * 100, b"<" * 5000],
    ids=["empty", "html", "binary", "angle-brackets"],
)
def test_non_feeds_raise_discovery_error(body):
    with pytest.raises(DiscoveryError):
        parse_feed(body, f"{BASE}/rss.xml")


def test_feed_entities_are_not_expanded_and_no_file_is_read():
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    feed = ENTITIES.replace(
        b"<ROOT>",
        b'<rss version="2.0"><channel><item><title>&d;</title>'
        b"<link>http://news.example/a-b-c-d-e</link><description>&secret;"
        b"</description></item></channel></rss><ROOT>",
    )
    started = time.monotonic()
    try:
        entries = parse_feed(feed, f"{BASE}/rss.xml").entries
    except DiscoveryError:
        entries = []
    assert time.monotonic() - started < 1
    for entry in entries:
        assert len(entry.title or "") < 10_000
        assert not hostname or hostname not in (entry.summary or "")


def test_urlset_with_news_dates_relative_locations_and_no_other_schemes():
    sitemap = parse_sitemap(URLSET, f"{BASE}/sitemap.xml")

    assert sitemap.kind == "urlset"
    assert [entry.url for entry in sitemap.entries] == [
        f"{BASE}/2024/05/12/a.html",
        f"{BASE}/2024/05/12/relative.html",
        f"{BASE}/news/b-1",
    ]
    first, relative, news = sitemap.entries
    assert first.date == datetime(2024, 5, 12, tzinfo=UTC)
    assert relative.date is None
    assert news.publication_date == datetime(2024, 5, 12, 8, 0, tzinfo=UTC)
    assert news.title == "Headline B"


def test_sitemap_index_lists_child_sitemaps():
    sitemap = parse_sitemap(INDEX, f"{BASE}/sitemap.xml")

    assert sitemap.kind == "index"
    assert [entry.url for entry in sitemap.entries] == [
        f"{BASE}/sitemap-2024-05.xml",
        f"{BASE}/sitemap-news.xml.gz",
    ]
    assert sitemap.entries[0].lastmod == datetime(2024, 5, 12, tzinfo=UTC)


def test_sitemap_entities_are_not_expanded():
    body = ENTITIES.replace(b"ROOT", b"urlset")
    started = time.monotonic()
    sitemap = parse_sitemap(body, f"{BASE}/sitemap.xml")
    assert time.monotonic() - started < 1
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    for entry in sitemap.entries:
        assert len(entry.url) < 1000
        assert not hostname or hostname not in entry.url


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body>no</body></html>", b"\x1f\x8b\x08garbage", b"\xff\xfe\x00<<<"],
    ids=["empty", "html", "gzip-garbage", "binary"],
)
def test_non_sitemaps_raise_discovery_error(body):
    with pytest.raises(DiscoveryError):
        parse_sitemap(body, f"{BASE}/sitemap.xml")


def test_deeply_nested_sitemap_yields_nothing_quickly():
    body = b"<urlset>" + b"<div>" * 100_000 + f"<url><loc>{BASE}/a-b-c-d-e</loc></url>".encode()
    started = time.monotonic()
    try:
        entries = parse_sitemap(body, f"{BASE}/sitemap.xml").entries
    except DiscoveryError:
        entries = ()
    assert time.monotonic() - started < 1
    assert entries == ()


def _mutations(document: bytes, rng: random.Random, count: int) -> list[bytes]:
    """Truncations, byte flips, garbage, brackets, charsets and encodings of ``document``."""
    mutated = []
    for number in range(count):
        kind = number % 8
        data = bytearray(document)
        if kind == 0:
            data = data[: rng.randrange(len(data))]
        elif kind == 1:
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 2:
            position = rng.randrange(len(data))
            data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))
        elif kind == 3:
            position = rng.randrange(len(data))
            data[position:position] = b"<" * 5000
        elif kind == 4:
            charset = rng.choice([b"bogus-8", b"utf-\xff", b"", b"x" * 300, b"ebcdic-cp-us"])
            data = bytearray(document.replace(b"UTF-8", charset).replace(b"utf-8", charset))
        elif kind == 5:
            data = bytearray(document.decode("utf-8").encode("utf-16"))
        elif kind == 6:
            data = bytearray(b"\xef\xbb\xbf" + document.replace(b"2024-05-12", b"9999-99-99"))
        else:
            start = rng.randrange(len(data))
            del data[start : start + rng.randint(1, 200)]
        mutated.append(bytes(data))
    return mutated


@pytest.mark.parametrize(
    "parse, document",
    [(parse_feed, RSS), (parse_feed, ATOM), (parse_sitemap, URLSET), (parse_sitemap, INDEX)],
    ids=["rss", "atom", "urlset", "index"],
)
def test_mutated_documents_only_ever_raise_discovery_error(parse, document):
    rng = random.Random(20241125)
    outcomes = {"parsed": 0, "rejected": 0}
    for body in _mutations(document, rng, 250):
        started = time.monotonic()
        try:
            parse(body, f"{BASE}/listing.xml")
        except DiscoveryError:
            outcomes["rejected"] += 1
        else:
            outcomes["parsed"] += 1
        assert time.monotonic() - started < 1
    # Both outcomes occur: the mutations are neither all harmless nor all fatal.
    assert outcomes["parsed"] > 0
    assert outcomes["rejected"] > 0


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://x.example/2024/05/12/ceasefire-holds.html", "article"),
        ("http://x.example/world/2024/05/border-crossing-reopens", "article"),
        ("http://x.example/news/world/talks-resume-500123", "article"),
        ("http://x.example/article/500123/talks-resume/", "article"),
        ("http://x.example/ar/2024/05/12/700001.html", "article"),
        ("http://x.example/opinion/why-the-ceasefire-talks-matter-now", "article"),
        ("http://x.example/world", "section"),
        ("http://x.example/section/world/", "section"),
        ("http://x.example/section/world/?page=3", "section"),
        ("http://x.example/world/page/2", "section"),
        ("http://x.example/", None),
        ("http://x.example/tag/gaza/", None),
        ("http://x.example/author/jane-roe/", None),
        ("http://x.example/search?q=gaza", None),
        ("http://x.example/world?sort=newest", None),
        ("http://x.example/calendar/2024/05/?sid=3f2a", None),
        ("http://x.example/2024/05/12/", None),
        ("http://x.example/images/photo-of-the-day.jpg", None),
        ("http://x.example/reports/annual-report-2024.pdf", None),
        ("http://x.example/about", None),
        ("mailto:desk@x.example", None),
    ],
)
def test_classify_link(url, expected):
    assert classify_link(url) == expected


def test_session_parameters_are_dropped_from_links():
    url = "http://x.example/calendar/2024/05/?sid=abc&month=5&PHPSESSID=1"
    assert without_session_parameters(url) == "http://x.example/calendar/2024/05/?month=5"


def test_lookback_window_takes_undated_entries():
    now = datetime(2024, 5, 12, 12, tzinfo=UTC)
    assert is_recent(None, now, timedelta(days=3))
    assert is_recent(now - timedelta(days=2, hours=23), now, timedelta(days=3))
    assert not is_recent(now - timedelta(days=3, seconds=1), now, timedelta(days=3))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-05-12", datetime(2024, 5, 12, tzinfo=UTC)),
        ("2024-05-12T10:00Z", datetime(2024, 5, 12, 10, tzinfo=UTC)),
        ("2024-05-12T10:00:00+02:00", datetime(2024, 5, 12, 8, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        ("9" * 100, None),
    ],
)
def test_w3c_datetimes(text, expected):
    assert parse_w3c_datetime(text) == expected
