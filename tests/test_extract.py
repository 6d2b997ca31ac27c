"""Article extraction on hand-written pages (tests/fixtures/extract/)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from crawler.discovery import FeedEntry
from crawler.extract import ExtractedArticle, NotAnArticle, extract_article
from crawler.extraction.body import _reconcile_with_article_body
from crawler.extraction.dates import to_utc
from crawler.extraction.decoding import decode_html
from crawler.extraction.language import detect_language
from crawler.extraction.text import join_paragraphs
from crawler.extraction.titles import choose_title, clean_title, site_keys

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
COURIER = "https://www.northport-courier.example"
BRIDGE_URL = f"{COURIER}/news/2024/harbour-bridge-reopens"
VALLEY_URL = "https://valley-daily.example/travel/night-trains-return"
LIBRARY_URL = "https://valley-daily.example/lokales/stadtbibliothek-sonntags-offen"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="module")
def bridge() -> ExtractedArticle:
    return extract_article(fixture_bytes("article_jsonld.html"), BRIDGE_URL + "?utm_source=feed")


@pytest.fixture(scope="module")
def night_trains() -> ExtractedArticle:
    return extract_article(fixture_bytes("article_og_only.html"), VALLEY_URL, source="valley")


# --- titles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "site_names", "url", "headings", "expected"),
    [
        ("Bridge reopens | The Courier", ["The Courier"], COURIER, [], "Bridge reopens"),
        ("Bridge reopens - The Courier", ["The Courier"], COURIER, [], "Bridge reopens"),
        ("Bridge reopens — The Courier", ["The Courier"], COURIER, [], "Bridge reopens"),
        ("The Courier: Bridge reopens", ["The Courier"], COURIER, [], "Bridge reopens"),
        ("The Courier | Bridge reopens", ["The Courier"], COURIER, [], "Bridge reopens"),
        # No declared site name: the host name identifies the suffix.
        ("Bridge reopens | Northport-Courier.example", [], COURIER, [], "Bridge reopens"),
        # A section between headline and site: the <h1> shows where the headline ends.
        (
            "Bridge reopens | Local news | The Courier",
            ["The Courier"],
            COURIER,
            ["Bridge reopens"],
            "Bridge reopens",
        ),
        # Full-width colon before a Japanese site name.
        ("橋が再開通\u3000市が発表：北港新聞", ["北港新聞"], COURIER, [], "橋が再開通 市が発表"),
        # Dashes inside a headline stay when nothing names the site.
        (
            "Ceasefire talks - what we know so far",
            ["The Courier"],
            COURIER,
            [],
            "Ceasefire talks - what we know so far",
        ),
        (
            "Rafah crossing: aid trucks wait",
            ["The Courier"],
            COURIER,
            [],
            "Rafah crossing: aid trucks wait",
        ),
    ],
)
def test_clean_title_removes_site_names_only(
    raw: str, site_names: list[str], url: str, headings: list[str], expected: str
) -> None:
    assert clean_title(raw, site_keys(site_names, url), headings) == expected


def test_title_without_letters_is_unusable() -> None:
    assert clean_title(" | - | ", set(), []) == ""


@pytest.mark.parametrize(
    ("jsonld", "og", "h1", "expected"),
    [
        ("SEO headline", "Social headline", "Social headline", "Social headline"),
        ("SEO headline", "Social headline", "SEO headline", "SEO headline"),
        ("SEO headline", "Social headline", "Third headline", "SEO headline"),
    ],
)
def test_title_sources_that_agree_win(jsonld: str, og: str, h1: str, expected: str) -> None:
    assert choose_title([jsonld, og, None, h1], set(), [h1]) == expected


def test_title_tag_only_when_nothing_else() -> None:
    keys = site_keys(["The Courier"], COURIER)
    assert choose_title([None], keys, [], fallbacks=["Bridge reopens | The Courier"]) == (
        "Bridge reopens"
    )


def test_title_lengthened_when_first_choice_is_truncated() -> None:
    keys = site_keys(["The Courier"], COURIER)
    full = (
        "Harbour bridge reopens after a repair that took two years and cost far more than planned"
    )
    chosen = choose_title([full[:60] + "…", full + " | The Courier"], keys, [])
    assert chosen == full


def test_jsonld_headline_beats_og_title_and_title_tag(bridge: ExtractedArticle) -> None:
    assert bridge.title == "Harbour bridge reopens after two-year repair"


def test_og_title_is_cleaned_when_there_is_no_jsonld(night_trains: ExtractedArticle) -> None:
    assert night_trains.title == "Night trains return to the valley line"


# --- URLs -----------------------------------------------------------------------------------


def test_relative_canonical_on_same_site_is_resolved(bridge: ExtractedArticle) -> None:
    assert bridge.url == BRIDGE_URL + "?utm_source=feed"
    assert bridge.canonical_url == BRIDGE_URL
    assert not bridge.is_amp


def test_canonical_on_another_domain_is_ignored(night_trains: ExtractedArticle) -> None:
    assert night_trains.canonical_url == VALLEY_URL


def test_canonical_to_the_site_root_is_ignored() -> None:
    page = fixture_bytes("article_jsonld.html").replace(
        b'href="/news/2024/harbour-bridge-reopens"', b'href="/"'
    )
    article = extract_article(page, BRIDGE_URL + "?ref=home")
    # og:url, the next candidate, names the article itself.
    assert article.canonical_url == BRIDGE_URL


def test_non_http_canonical_is_never_returned() -> None:
    page = fixture_bytes("article_og_only.html").replace(
        b"https://syndication-partner.example/stories/night-trains", b"javascript:alert(1)"
    )
    article = extract_article(page, VALLEY_URL)
    assert article.canonical_url == VALLEY_URL


def test_amp_page_is_detected_and_points_to_its_canonical() -> None:
    article = extract_article(
        fixture_bytes("amp_article.html"), f"{COURIER}/amp/news/2024/cycle-lanes"
    )
    assert article.is_amp
    assert article.canonical_url == f"{COURIER}/news/2024/cycle-lanes"
    assert article.title == "Council approves new cycle lanes"


def test_non_http_page_url_is_refused() -> None:
    with pytest.raises(NotAnArticle):
        extract_article(fixture_bytes("article_jsonld.html"), "ftp://example.org/a.html")


# --- dates ----------------------------------------------------------------------------------


def test_jsonld_dates_win_and_are_converted_to_utc(bridge: ExtractedArticle) -> None:
    # JSON-LD says 08:15+02:00; the article:published_time meta (06:00Z) comes second.
    assert bridge.published_at == datetime(2024, 5, 2, 6, 15, tzinfo=UTC)
    assert bridge.modified_at == datetime(2024, 5, 2, 8, 40, tzinfo=UTC)


def test_meta_date_with_negative_offset_moves_to_next_utc_day(
    night_trains: ExtractedArticle,
) -> None:
    assert night_trains.published_at == datetime(2024, 3, 11, 4, 30, tzinfo=UTC)
    assert night_trains.published_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-10T23:30:00-05:00", datetime(2024, 3, 11, 4, 30, tzinfo=UTC)),
        ("2024-03-10T23:30:00+0530", datetime(2024, 3, 10, 18, 0, tzinfo=UTC)),
        ("2024-03-10 23:30:00Z", datetime(2024, 3, 10, 23, 30, tzinfo=UTC)),
        ("2024-03-10T23:30:00.123456789+00:00", datetime(2024, 3, 10, 23, 30, 0, 123456, UTC)),
        ("2024-03-10T23:30:00", datetime(2024, 3, 10, 23, 30, tzinfo=UTC)),  # naive = UTC
        ("2024-03-10", datetime(2024, 3, 10, tzinfo=UTC)),
        ("Sun, 10 Mar 2024 23:30:00 -0500", datetime(2024, 3, 11, 4, 30, tzinfo=UTC)),
        (
            time.struct_time((2024, 3, 10, 23, 30, 0, 6, 70, 0)),
            datetime(2024, 3, 10, 23, 30, tzinfo=UTC),
        ),
        (date(2024, 3, 10), datetime(2024, 3, 10, tzinfo=UTC)),
        ("1970-01-01T00:00:00Z", None),
        ("2999-01-01T00:00:00Z", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_to_utc(value: object, expected: datetime | None) -> None:
    assert to_utc(value) == expected


# --- body, authors, language ----------------------------------------------------------------


def test_body_keeps_article_paragraphs_and_drops_boilerplate(bridge: ExtractedArticle) -> None:
    paragraphs = bridge.body.split("\n\n")
    assert len(paragraphs) == 6
    assert paragraphs[0].startswith("The swing bridge across Northport harbour opened")
    assert paragraphs[-1].endswith("before the road deck begins to swing.")
    for boilerplate in ("cookies", "Related stories", "All rights reserved", "Privacy policy"):
        assert boilerplate not in bridge.body
    assert "Harbour bridge reopens after two-year repair" not in bridge.body


def test_authors_from_jsonld_with_entities_decoded(bridge: ExtractedArticle) -> None:
    assert bridge.authors == ["Mara Lindqvist", "Tom O'Hara"]


def test_author_urls_skipped_and_byline_prefix_removed(night_trains: ExtractedArticle) -> None:
    assert night_trains.authors == ["Jonas Berg"]


def test_declared_language_and_description(bridge: ExtractedArticle) -> None:
    assert bridge.language == "en"
    assert bridge.description is not None
    assert bridge.description.startswith("The swing bridge over Northport harbour")


def test_language_detected_when_page_declares_none() -> None:
    article = extract_article(fixture_bytes("article_plain.html"), LIBRARY_URL)
    assert article.language == "de"
    assert detect_language(article.body)[0] == "de"


def test_source_is_passed_through(night_trains: ExtractedArticle) -> None:
    assert night_trains.source == "valley"


# --- feed entry -----------------------------------------------------------------------------


def test_feed_entry_fills_what_the_page_lacks() -> None:
    entry = {
        "title": "Library to open on Sundays",
        "link": LIBRARY_URL,
        "published_parsed": time.struct_time((2024, 4, 3, 7, 45, 0, 2, 94, 0)),
        "authors": [{"name": "Lena Vogt"}],
        "language": "de-AT",
    }
    article = extract_article(fixture_bytes("article_plain.html"), LIBRARY_URL, feed_entry=entry)
    # The feed's title outranks the page's <h1> and <title>.
    assert article.title == "Library to open on Sundays"
    assert article.published_at == datetime(2024, 4, 3, 7, 45, tzinfo=UTC)
    assert article.authors == ["Lena Vogt"]
    assert article.language == "de"


def test_crawler_feed_entry_type_is_read() -> None:
    entry = FeedEntry(
        url=LIBRARY_URL,
        title="Library to open on Sundays",
        published=datetime(2024, 4, 3, 9, 45, tzinfo=timezone(timedelta(hours=2))),
        authors=("Lena Vogt", "Jan Kurz"),
    )
    article = extract_article(fixture_bytes("article_plain.html"), LIBRARY_URL, feed_entry=entry)
    assert article.published_at == datetime(2024, 4, 3, 7, 45, tzinfo=UTC)
    assert article.authors == ["Lena Vogt", "Jan Kurz"]


def test_feed_entry_as_object_and_page_metadata_wins() -> None:
    entry = SimpleNamespace(
        title="Sleeper service is back", published="2024-03-01T00:00:00Z", authors=["Feed Author"]
    )
    article = extract_article(fixture_bytes("article_og_only.html"), VALLEY_URL, feed_entry=entry)
    assert article.title == "Night trains return to the valley line"
    assert article.published_at == datetime(2024, 3, 11, 4, 30, tzinfo=UTC)
    assert article.authors == ["Jonas Berg"]


# --- pages that are not articles ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "url", "reason"),
    [
        (fixture_bytes("home.html"), f"{COURIER}/", "home page"),
        (fixture_bytes("tag_listing.html"), f"{COURIER}/tag/ceasefire/", "listing url"),
        (fixture_bytes("tag_listing.html"), f"{COURIER}/search?q=ceasefire", "/search/"),
        (fixture_bytes("tag_listing.html"), f"{COURIER}/news?s=ceasefire", "search page"),
        (fixture_bytes("tag_listing.html"), f"{COURIER}/world/page/3", "pagination page"),
        (fixture_bytes("tag_listing.html"), f"{COURIER}/world/middleeast", "section page"),
        (
            b"<html><head><title>Nothing</title></head><body></body></html>",
            BRIDGE_URL,
            "too little",
        ),
        (b"", BRIDGE_URL, "not HTML"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, BRIDGE_URL, "binary"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>", BRIDGE_URL, "binary"),
        (b"Just a plain text file, no markup at all.\n" * 20, BRIDGE_URL, "not HTML"),
    ],
)
def test_not_articles_raise(body: bytes, url: str, reason: str) -> None:
    with pytest.raises(NotAnArticle) as raised:
        extract_article(body, url)
    assert reason in raised.value.reason


def test_page_with_too_many_elements_is_refused() -> None:
    page = fixture_bytes("article_jsonld.html").replace(b"<main>", b"<main>" + b"<p>x</p>" * 12_000)
    with pytest.raises(NotAnArticle, match="too large"):
        extract_article(page, BRIDGE_URL)


def test_jsonld_collection_page_is_a_listing() -> None:
    page = fixture_bytes("tag_listing.html").replace(
        b"</head>",
        b'<script type="application/ld+json">{"@type": "CollectionPage", "name": "x"}</script>'
        b"</head>",
    )
    with pytest.raises(NotAnArticle, match="listing page"):
        extract_article(page, f"{COURIER}/world/ceasefire-coverage")


@pytest.mark.parametrize("path", ["/archive/2024/bridge", "/news/bridge"])
def test_declared_article_is_not_taken_for_a_listing_by_its_url(path: str) -> None:
    article = extract_article(fixture_bytes("article_jsonld.html"), COURIER + path)
    assert article.title == "Harbour bridge reopens after two-year repair"


def test_undeclared_article_with_a_slug_is_kept() -> None:
    article = extract_article(fixture_bytes("article_plain.html"), LIBRARY_URL)
    assert article.title == "Stadtbibliothek verlängert ihre Öffnungszeiten"


# --- decoding and hygiene -------------------------------------------------------------------


def test_utf8_bytes_with_a_latin1_header_decode_as_utf8() -> None:
    page = fixture_bytes("article_plain.html")
    article = extract_article(page, LIBRARY_URL, encoding="iso-8859-1")
    assert article.title == "Stadtbibliothek verlängert ihre Öffnungszeiten"
    assert "Schüler und Studenten vor Prüfungen" in article.body


def test_legacy_bytes_with_a_utf8_header_use_the_meta_charset() -> None:
    text = (FIXTURES / "article_plain.html").read_text(encoding="utf-8")
    page = text.replace("<head>", '<head><meta charset="windows-1252">').encode("cp1252")
    article = extract_article(page, LIBRARY_URL, encoding="utf-8")
    assert article.title == "Stadtbibliothek verlängert ihre Öffnungszeiten"


def test_meta_charset_beats_a_generic_latin1_header() -> None:
    text = "<html><head><meta charset='windows-1251'></head><body><p>Прекращение огня</p></body>"
    decoded, codec_name = decode_html(text.encode("cp1251"), "ISO-8859-1")
    assert "Прекращение огня" in decoded
    assert codec_name == "cp1251"


def test_undeclared_legacy_bytes_are_detected() -> None:
    sentence = "Die Brücke über den Hafen ist wieder für Fußgänger und Radfahrer geöffnet. "
    decoded, _ = decode_html(("<p>" + sentence * 10 + "</p>").encode("cp1252"), None)
    assert "Brücke über den Hafen" in decoded


def test_control_and_bidi_characters_are_stripped() -> None:
    page = (
        fixture_bytes("article_jsonld.html")
        .replace(b'"headline": "Harbour bridge', b'"headline": "\\u0007Harbour\\u202e bridge')
        .replace(b'"name": "Mara Lindqvist"', b'"name": "Mara\\u0000 Lind\\u001bqvist"')
    )
    article = extract_article(page, BRIDGE_URL)
    assert article.title == "Harbour bridge reopens after two-year repair"
    assert article.authors[0] == "Mara Lindqvist"


def test_body_is_capped_at_a_paragraph_boundary() -> None:
    paragraphs = ["a" * 40, "b" * 40, "c" * 40]
    assert join_paragraphs(paragraphs, 90) == "a" * 40 + "\n\n" + "b" * 40
    assert join_paragraphs(["x" * 500], 100) == "x" * 100


# --- articleBody reconciliation -------------------------------------------------------------


ARTICLE_WORDS = " ".join(f"word{number}" for number in range(120))


def test_article_body_replaces_an_extraction_that_missed_half() -> None:
    first_half = " ".join(ARTICLE_WORDS.split()[:60])
    assert _reconcile_with_article_body([first_half], ARTICLE_WORDS) == [ARTICLE_WORDS]


def test_article_body_drops_paragraphs_it_does_not_contain() -> None:
    junk = "Subscribe now for unlimited access to all our journalism and newsletters today"
    kept = _reconcile_with_article_body([ARTICLE_WORDS, junk * 3], ARTICLE_WORDS)
    assert kept == [ARTICLE_WORDS]


def test_teaser_article_body_and_repeated_article_body_are_ignored() -> None:
    teaser = " ".join(ARTICLE_WORDS.split()[:35])
    assert _reconcile_with_article_body([ARTICLE_WORDS], teaser) == [ARTICLE_WORDS]
    first_half = " ".join(ARTICLE_WORDS.split()[:60])
    doubled = f"{ARTICLE_WORDS} {ARTICLE_WORDS}"
    assert _reconcile_with_article_body([first_half], doubled) == [first_half]
