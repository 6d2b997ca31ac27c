"""Is this article already stored? Three keys, strongest first.

1. The URL key (:func:`crawler.dedup.urls.url_key`) of any URL the article was met under: its
   own (``articles.url_key``, UNIQUE) or one recorded as an alternate (``article_urls``).
2. The feed GUID within the same source, so a feed that moves an item to a new link is not news.
3. The content hash within the same source: the same body at another URL of the site (a print
   version, a mirror, a slug change) is the same article.

The callers hold the write transaction (``store.write_transaction``): look-up and insert must
be one transaction, or two crawls could both decide an article is new.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Iterable

from sqlite_utils import Database

from crawler.dedup.urls import DEFAULT_TRACKING_PARAMETERS, InvalidUrlError, url_key

logger = logging.getLogger(__name__)

# Below this many characters of normalised text a body does not identify an article: paywall
# teasers, "page not found" and cookie notices are identical across many different articles.
MIN_IDENTIFYING_CHARS = 200
SHORT_PREFIX = "short:"


def normalise_body(body: str) -> str:
    """The body as compared for exact duplicates: NFKC, case-folded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFKC", body).casefold().split())


def content_hash(body: str) -> str:
    """SHA-256 (hex) of the normalised body.

    A body too short to identify an article gets a hash prefixed ``short:``; it still tells a
    re-fetch whether the text changed, but :func:`find_exact_duplicate` never matches it.
    """
    normalised = normalise_body(body)
    digest = hashlib.sha256(normalised.encode("utf-8")).hexdigest()
    return digest if len(normalised) >= MIN_IDENTIFYING_CHARS else SHORT_PREFIX + digest


def find_exact_duplicate(db: Database, source: str, body_hash: str) -> int | None:
    """The oldest article of ``source`` with this content hash, if the hash identifies one."""
    if body_hash.startswith(SHORT_PREFIX):
        return None
    row = db.execute(
        "SELECT id FROM articles WHERE source = ? AND content_hash = ? ORDER BY id LIMIT 1",
        [source, body_hash],
    ).fetchone()
    return row[0] if row else None


def find_article_by_url(db: Database, url_keys: Iterable[str]) -> int | None:
    """The article stored under any of these URL keys, as its own URL or an alternate."""
    keys = list(dict.fromkeys(url_keys))
    if not keys:
        return None
    marks = ", ".join("?" * len(keys))
    row = db.execute(
        f"SELECT id FROM articles WHERE url_key IN ({marks}) ORDER BY id LIMIT 1", keys
    ).fetchone()
    if row:
        return row[0]
    row = db.execute(
        f"SELECT article_id FROM article_urls WHERE url_key IN ({marks})"
        " AND status IN ('article', 'alternate') AND article_id IS NOT NULL"
        " ORDER BY article_id LIMIT 1",
        keys,
    ).fetchone()
    return row[0] if row else None


def find_article_by_guid(db: Database, source: str, feed_guid: str | None) -> int | None:
    """The article of ``source`` that came from the feed item with this GUID."""
    if not feed_guid:
        return None
    row = db.execute(
        "SELECT id FROM articles WHERE source = ? AND feed_guid = ? ORDER BY id LIMIT 1",
        [source, feed_guid],
    ).fetchone()
    return row[0] if row else None


def find_existing_article(
    db: Database,
    source: str,
    url_keys: Iterable[str],
    *,
    feed_guid: str | None = None,
    body_hash: str | None = None,
) -> tuple[int, str] | None:
    """The stored article this one is a copy of, and the key that said so.

    Returns ``(article_id, "url" | "guid" | "content")`` or None for a new article.
    """
    article_id = find_article_by_url(db, url_keys)
    if article_id is not None:
        return article_id, "url"
    article_id = find_article_by_guid(db, source, feed_guid)
    if article_id is not None:
        return article_id, "guid"
    if body_hash is not None:
        article_id = find_exact_duplicate(db, source, body_hash)
        if article_id is not None:
            return article_id, "content"
    return None


def record_urls(
    db: Database,
    article_id: int,
    source: str,
    urls: Iterable[str],
    seen_at: str,
    *,
    tracking_parameters: Iterable[str] | None = None,
) -> list[str]:
    """Record every URL of an article in ``article_urls``; return the keys newly recorded.

    The key equal to the article's own ``url_key`` is recorded with status ``article``, the others
    as ``alternate``. A key already recorded (for this or another article) is left alone: the
    first judgement of a URL stands.
    """
    patterns = (
        DEFAULT_TRACKING_PARAMETERS if tracking_parameters is None else tuple(tracking_parameters)
    )
    own_key = db.execute("SELECT url_key FROM articles WHERE id = ?", [article_id]).fetchone()
    if own_key is None:
        raise LookupError(f"no article {article_id}")
    recorded = []
    for url in dict.fromkeys(urls):
        try:
            key = url_key(url, patterns)
        except InvalidUrlError:
            logger.debug("not recording %r of article %d: not an http(s) URL", url, article_id)
            continue
        status = "article" if key == own_key[0] else "alternate"
        cursor = db.execute(
            "INSERT OR IGNORE INTO article_urls"
            " (url_key, url, article_id, source, status, first_seen_at, last_fetched_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [key, url, article_id, source, status, seen_at, seen_at],
        )
        if cursor.rowcount:
            recorded.append(key)
    return recorded
