"""URL keys: every address of one article gives one key, and the database enforces it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.dedup.urls import InvalidUrlError, preferred_url, same_site, site_of, url_key
from crawler.store import open_database, write_transaction

STORY = "https://example.com/world/2026/11/25/talks-resume"

# Each of these is the same article as STORY.
SAME_AS_STORY = [
    "https://example.com/world/2026/11/25/talks-resume",
    "http://example.com/world/2026/11/25/talks-resume",
    "HTTPS://EXAMPLE.COM/world/2026/11/25/talks-resume",
    "https://Example.Com./world/2026/11/25/talks-resume",
    "https://www.example.com/world/2026/11/25/talks-resume",
    "https://example.com:443/world/2026/11/25/talks-resume",
    "http://example.com:80/world/2026/11/25/talks-resume",
    "https://example.com/world/2026/11/25/talks-resume/",
    "https://example.com/world/2026/11/25/talks-resume#comments",
    "https://example.com/world/2026/11/25/talks-resume?",
    "https://example.com/world/2026/11/25/talks-resume?utm_source=rss&utm_medium=feed",
    "https://example.com/world/2026/11/25/talks-resume?UTM_Campaign=Morning",
    "https://example.com/world/2026/11/25/talks-resume?fbclid=IwAR0abc",
    "https://example.com/world/2026/11/25/talks-resume?gclid=xyz&dclid=1&msclkid=2",
    "https://example.com/world/2026/11/25/talks-resume?mc_cid=abc&mc_eid=def",
    "https://example.com/world/2026/11/25/talks-resume?mc_anything=1",
    "https://example.com/world/2026/11/25/talks-resume?ref=homepage&_ga=2.1",
    "https://example.com/world/2026/11/25/talks-resume;jsessionid=0A1B2C",
    "https://example.com/world/2026/11/25/talks-resume?PHPSESSID=abc123",
    "https://example.com/world/2026/11/25/talks-resume/amp",
    "https://example.com/world/2026/11/25/talks-resume/amp/",
    "https://example.com/amp/world/2026/11/25/talks-resume",
    "https://amp.example.com/world/2026/11/25/talks-resume",
    "https://example.com/world/2026/11/25/talks-resume?amp=1",
    "https://example.com/world/2026/11/25/talks-resume?amp",
    "https://example.com/world/2026/11/25/talks-resume?outputType=amp",
    "https://example.com/world/2026/11/25/talks-resume.amp",
    "https://example-com.cdn.ampproject.org/c/s/example.com/world/2026/11/25/talks-resume",
    "https://www.google.com/amp/s/example.com/world/2026/11/25/talks-resume/amp",
    "https://user:secret@example.com/world/2026/11/25/talks-resume",
    "https://example.com/world/2026/11/./25/talks-resume",
    "https://example.com/world/2026/11/x/../25/talks-resume",
    "https://example.com/world/2026/11/25/%74alks-resume",
    "  https://example.com/world/2026/11/25/talks-resume \n",
    "https://www.example.com/world/2026/11/25/talks-resume/?utm_source=x&amp=1#top",
]

# Pairs that name the same page although they are written differently.
EQUIVALENT_PAIRS = [
    ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
    ("https://example.com/news/1.amp.html", "https://example.com/news/1.html"),
    ("https://bücher.de/straße", "https://xn--bcher-kva.de/stra%C3%9Fe"),
    ("https://BÜCHER.de/x", "https://bücher.de/x"),
    ("https://example.com/caf%c3%a9", "https://example.com/café"),
    ("https://example.com/a%7eb", "https://example.com/a~b"),
    ("https://example.com/search?q=a+b", "https://example.com/search?q=a%20b"),
    ("http://[::1]:8080/a/", "https://[::1]:8080/a"),
    ("http://127.0.0.1:8001/news/1?utm_term=x", "https://127.0.0.1:8001/news/1"),
    ("https://example.co.uk/x", "https://www.example.co.uk/x/"),
]

# Pairs that must stay apart: another page, another site or a parameter that names content.
DIFFERENT_PAIRS = [
    ("https://example.com/world/talks", "https://example.com/World/Talks"),
    ("https://example.com/story?id=1", "https://example.com/story?id=2"),
    ("https://example.com/story?page=2", "https://example.com/story"),
    ("https://example.com/a", "https://example.org/a"),
    ("https://news.example.com/a", "https://example.com/a"),
    ("https://m.example.com/a", "https://example.com/a"),
    ("https://example.com:8443/a", "https://example.com/a"),
    ("http://127.0.0.1:8001/a", "http://127.0.0.1:8002/a"),
    ("https://example.com/a%2Fb", "https://example.com/a/b"),
    ("https://example.com/camp/1", "https://example.com/c/1"),
    ("https://example.com/amplifiers/1", "https://example.com/1"),
    ("https://example.com/x?output=html", "https://example.com/x"),
    ("https://www.co.uk/x", "https://co.uk/x"),
]


@pytest.mark.parametrize("url", SAME_AS_STORY)
def test_forms_of_one_article_share_its_key(url: str) -> None:
    assert url_key(url) == url_key(STORY) == STORY


def test_the_table_has_at_least_thirty_forms() -> None:
    assert len(SAME_AS_STORY) + len(EQUIVALENT_PAIRS) >= 30


@pytest.mark.parametrize(("url_a", "url_b"), EQUIVALENT_PAIRS)
def test_equivalent_spellings_share_a_key(url_a: str, url_b: str) -> None:
    assert url_key(url_a) == url_key(url_b)


@pytest.mark.parametrize(("url_a", "url_b"), DIFFERENT_PAIRS)
def test_different_pages_keep_different_keys(url_a: str, url_b: str) -> None:
    assert url_key(url_a) != url_key(url_b)


def test_idn_key_is_ascii() -> None:
    assert url_key("https://bücher.de/straße?q=ü") == (
        "https://xn--bcher-kva.de/stra%C3%9Fe?q=%C3%BC"
    )


def test_tracking_parameters_are_configurable_globs() -> None:
    url = "https://example.com/a?session_x=1&sessionfoo=2&keep=3&utm_source=rss"
    assert url_key(url, ["session*"]) == "https://example.com/a?keep=3&utm_source=rss"
    assert (
        url_key(url, []) == "https://example.com/a?keep=3&session_x=1&sessionfoo=2&utm_source=rss"
    )
    # Session identifiers go whatever the configuration says.
    assert url_key("https://example.com/a?jsessionid=1", []) == "https://example.com/a"


def test_other_parameters_keep_their_values_and_order_is_ignored() -> None:
    assert url_key("https://example.com/list?tag=b&tag=a&id=7") == (
        "https://example.com/list?id=7&tag=a&tag=b"
    )


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/a",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/html,hi",
        "mailto:someone@example.com",
        "/relative/path",
        "example.com/no-scheme",
        "http://",
        "http://[::1",
        "http://example.com:99999/",
        "http://\\/",
        "http://exa mple.com/a",
        "http://a..b/",
        "http://<script>/",
        "",
    ],
)
def test_non_article_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidUrlError):
        url_key(url)


URL_PARTS = st.builds(
    "{scheme}://{host}{port}/{path}{slash}{query}{fragment}".format,
    scheme=st.sampled_from(["http", "https", "HTTP"]),
    host=st.sampled_from(
        ["example.com", "WWW.Example.org", "amp.news.co.uk", "127.0.0.1", "bücher.de"]
    ),
    port=st.sampled_from(["", ":80", ":443", ":8080"]),
    path=st.lists(
        st.sampled_from(["amp", "news", "a b", "ü", "%7e", "x.amp.html", ".", "..", "A"]),
        max_size=5,
    ).map("/".join),
    slash=st.sampled_from(["", "/"]),
    query=st.lists(
        st.sampled_from(["utm_source=x", "id=1", "amp=1", "b=", "q=a+b", "Z=%41"]), max_size=4
    ).map(lambda pairs: "?" + "&".join(pairs) if pairs else ""),
    fragment=st.sampled_from(["", "#top", "#"]),
)


@settings(max_examples=300, deadline=None)
@given(URL_PARTS)
def test_key_of_a_key_is_the_key(url: str) -> None:
    key = url_key(url)
    assert url_key(key) == key
    assert key.startswith("https://")
    assert "#" not in key
    assert "utm_" not in key


def test_database_refuses_a_second_article_with_the_same_key(tmp_path: Path) -> None:
    db = open_database(tmp_path / "archive.db")
    first = "https://www.example.com/world/talks?utm_source=rss"
    second = "http://example.com/world/talks/amp/#x"

    def insert(url: str) -> None:
        with write_transaction(db):
            db["articles"].insert(
                {
                    "url_key": url_key(url),
                    "url": url,
                    "canonical_url": url,
                    "title": "Talks",
                    "body": "Body",
                    "content_hash": "h",
                    "source": "Example",
                    "fetched_at": "2026-11-25T10:00:00+00:00",
                    "first_seen_at": "2026-11-25T10:00:00+00:00",
                }
            )

    insert(first)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        insert(second)
    assert db["articles"].count == 1
    with write_transaction(db):
        db.execute(
            "INSERT INTO article_urls (url_key, url, status) VALUES (?, ?, 'skipped')",
            [url_key(first), first],
        )
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"), write_transaction(db):
        db.execute(
            "INSERT INTO article_urls (url_key, url, status) VALUES (?, ?, 'skipped')",
            [url_key(second), second],
        )


@pytest.mark.parametrize(
    ("url_a", "url_b", "same"),
    [
        ("https://news.example.co.uk/a", "https://www.example.co.uk/b", True),
        ("https://example.com/a", "http://EXAMPLE.com:8080/b", True),
        ("https://example.com/a", "https://example.org/a", False),
        ("https://alice.github.io/a", "https://bob.github.io/a", False),
        ("https://alice.github.io/a", "https://www.alice.github.io/b", True),
        ("https://example.co.uk/a", "https://other.co.uk/a", False),
        ("http://127.0.0.1:8001/a", "http://127.0.0.1:8001/b", True),
        ("http://127.0.0.1:8001/a", "http://127.0.0.1:8002/a", False),
        ("http://localhost:8001/a", "http://localhost:8001/b", True),
        ("http://site-a.test/a", "http://www.site-a.test/b", True),
        ("http://site-a.test/a", "http://site-b.test/a", False),
        ("https://bücher.de/a", "https://www.xn--bcher-kva.de/b", True),
        ("https://example.com/a", "ftp://example.com/a", False),
        ("https://example.com/a", "not a url", False),
        ("http://\\/a", "http://\\/b", False),
    ],
)
def test_same_site_compares_registrable_domains(url_a: str, url_b: str, same: bool) -> None:
    assert same_site(url_a, url_b) is same
    assert same_site(url_b, url_a) is same


def test_site_of_uses_the_bundled_suffix_list_offline() -> None:
    # blogspot.com is a private suffix: each blog is a site of its own.
    assert site_of("https://a.b.blogspot.com/x") == "b.blogspot.com"
    assert site_of("https://news.bbc.co.uk/x") == "bbc.co.uk"


@pytest.mark.parametrize(
    ("page", "rel_canonical", "og_url", "expected"),
    [
        # A usable rel=canonical wins, relative ones are resolved against the page.
        (
            "https://example.com/a?utm_source=x",
            "https://example.com/a",
            None,
            "https://example.com/a",
        ),
        ("https://m.example.com/a", "/news/a", None, "https://m.example.com/news/a"),
        (
            "https://example.com/amp/a",
            "https://www.example.com/a",
            "https://example.com/og",
            "https://www.example.com/a",
        ),
        # og:url is the fallback.
        ("https://example.com/print/a", None, "https://example.com/a", "https://example.com/a"),
        ("https://example.com/print/a", "  ", "https://example.com/a", "https://example.com/a"),
        # Another outlet, a non-http scheme or a home page from an article page are ignored.
        ("https://example.com/a", "https://wire.example.org/a", None, "https://example.com/a"),
        ("https://example.com/a", "javascript:alert(1)", None, "https://example.com/a"),
        (
            "https://example.com/a",
            "https://example.com/",
            "https://example.com/a2",
            "https://example.com/a2",
        ),
        ("https://example.com/", "https://example.com/", None, "https://example.com/"),
        ("https://example.com/a", None, None, "https://example.com/a"),
    ],
)
def test_preferred_url(
    page: str, rel_canonical: str | None, og_url: str | None, expected: str
) -> None:
    assert preferred_url(page, rel_canonical, og_url) == expected


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=80),
        st.builds(
            "http{}://{}/{}".format,
            st.sampled_from(["", "s"]),
            st.text(max_size=30),
            st.text(max_size=30),
        ),
    )
)
def test_any_text_gives_a_key_or_invalid_url_error(text: str) -> None:
    try:
        key = url_key(text)
    except InvalidUrlError:
        return
    assert key.startswith("https://")
    assert url_key(key) == key
