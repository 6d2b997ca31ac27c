"""Exact duplicates and known URLs: the same article is stored once, whatever the address."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.dedup.identity import (
    MIN_IDENTIFYING_CHARS,
    content_hash,
    find_article_by_guid,
    find_article_by_url,
    find_exact_duplicate,
    find_existing_article,
    record_urls,
)
from crawler.dedup.urls import url_key
from crawler.store import open_database, write_transaction

BODY = (
    "The harbour authority of Northport said on Tuesday that dock workers would return to the "
    "container terminal after a nine-day stoppage, ending a dispute over night-shift pay that had "
    "left more than forty ships waiting at anchor outside the breakwater."
)
NOW = "2026-11-25T10:00:00+00:00"


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_database(tmp_path / "archive.db")


def store(
    db: Database, url: str, body: str = BODY, source: str = "Northport Daily", **extra
) -> int:
    with write_transaction(db):
        return int(
            db["articles"]
            .insert(
                {
                    "url_key": url_key(url),
                    "url": url,
                    "canonical_url": url,
                    "title": "Dock workers return",
                    "body": body,
                    "content_hash": content_hash(body),
                    "source": source,
                    "fetched_at": NOW,
                    "first_seen_at": NOW,
                    **extra,
                }
            )
            .last_pk
        )


def test_content_hash_ignores_case_and_white_space() -> None:
    spaced = "  " + BODY.upper().replace(" ", " \n\t ") + "\n"
    assert content_hash(spaced) == content_hash(BODY)
    assert len(content_hash(BODY)) == 64


def test_content_hash_sees_a_changed_word() -> None:
    assert content_hash(BODY.replace("nine-day", "ten-day")) != content_hash(BODY)


def test_content_hash_normalises_compatibility_forms() -> None:
    # Full-width letters and a no-break space are the same text after NFKC.
    assert content_hash("Ｎｏｒｔｈｐｏｒｔ\u00a0" + BODY) == content_hash("Northport " + BODY)


def test_short_bodies_are_marked_and_never_duplicates(db: Database) -> None:
    teaser = "Subscribe to continue reading this article."
    assert len(teaser) < MIN_IDENTIFYING_CHARS
    assert content_hash(teaser).startswith("short:")
    store(db, "https://northport.example/a", body=teaser)
    assert find_exact_duplicate(db, "Northport Daily", content_hash(teaser)) is None


def test_same_body_at_another_url_of_the_source_is_found(db: Database) -> None:
    article_id = store(db, "https://northport.example/news/dock-workers-return")
    print_version = "  " + BODY.lower() + "  "
    found = find_exact_duplicate(db, "Northport Daily", content_hash(print_version))
    assert found == article_id


def test_same_body_at_another_source_is_not_an_exact_duplicate(db: Database) -> None:
    store(db, "https://northport.example/news/dock-workers-return")
    # Syndication across outlets is a story, not one article (see the story linker).
    assert find_exact_duplicate(db, "Harbour Wire", content_hash(BODY)) is None


def test_url_lookup_finds_own_and_alternate_keys(db: Database) -> None:
    article_id = store(db, "https://northport.example/news/dock-workers-return")
    with write_transaction(db):
        recorded = record_urls(
            db,
            article_id,
            "Northport Daily",
            [
                "https://northport.example/news/dock-workers-return",
                "https://amp.northport.example/news/dock-workers-return?utm_source=rss",
                "https://northport.example/print/4711",
                "mailto:desk@northport.example",
            ],
            NOW,
        )
    assert recorded == [
        "https://northport.example/news/dock-workers-return",
        "https://northport.example/print/4711",
    ]
    statuses = dict(db.execute("SELECT url_key, status FROM article_urls").fetchall())
    assert statuses == {
        "https://northport.example/news/dock-workers-return": "article",
        "https://northport.example/print/4711": "alternate",
    }
    assert find_article_by_url(db, [url_key("http://www.northport.example/print/4711/")]) == (
        article_id
    )
    assert find_article_by_url(db, [url_key("https://northport.example/news/other")]) is None
    assert find_article_by_url(db, []) is None


def test_recorded_urls_keep_their_first_article(db: Database) -> None:
    first = store(db, "https://northport.example/a")
    second = store(db, "https://northport.example/b", body=BODY + " More.")
    with write_transaction(db):
        record_urls(db, first, "Northport Daily", ["https://northport.example/shared"], NOW)
        assert (
            record_urls(db, second, "Northport Daily", ["https://northport.example/shared"], NOW)
            == []
        )
    assert find_article_by_url(db, [url_key("https://northport.example/shared")]) == first


def test_skipped_urls_do_not_name_an_article(db: Database) -> None:
    with write_transaction(db):
        db.execute(
            "INSERT INTO article_urls (url_key, url, status) VALUES (?, ?, 'skipped')",
            [url_key("https://northport.example/about"), "https://northport.example/about"],
        )
    assert find_article_by_url(db, [url_key("https://northport.example/about")]) is None


def test_record_urls_of_a_missing_article_raises(db: Database) -> None:
    with pytest.raises(LookupError), write_transaction(db):
        record_urls(db, 999, "Northport Daily", ["https://northport.example/x"], NOW)


def test_existing_article_by_url_then_guid_then_content(db: Database) -> None:
    article_id = store(db, "https://northport.example/a", feed_guid="urn:northport:4711")
    source = "Northport Daily"
    assert find_existing_article(
        db, source, [url_key("https://northport.example/a/?fbclid=1")]
    ) == (
        article_id,
        "url",
    )
    # The feed moved the item to a new link but kept its GUID: not a new article.
    moved = [url_key("https://northport.example/renamed-slug")]
    assert find_existing_article(db, source, moved, feed_guid="urn:northport:4711") == (
        article_id,
        "guid",
    )
    # Both the link and the GUID changed, the text did not: still not a new article.
    assert find_existing_article(
        db, source, moved, feed_guid="urn:northport:new", body_hash=content_hash(BODY)
    ) == (article_id, "content")
    assert find_existing_article(db, source, moved, feed_guid="urn:northport:new") is None
    # The GUID belongs to one source.
    assert find_article_by_guid(db, "Harbour Wire", "urn:northport:4711") is None
    assert find_article_by_guid(db, source, None) is None
