"""Telling article pages from home, section, tag, author, search and pagination pages.

A page whose own metadata declares an article (a JSON-LD Article type, ``og:type`` article) is
taken at its word, except at a site's root. Otherwise URL shapes that only listings use, and
JSON-LD listing types, mark the page as not an article; so does a URL made only of plain words
("/world", "/news/politics"): article URLs carry a slug or an id (all 146 corpus pages have a
digit, hyphen, underscore or dot in their path). Whatever the signals, a page with too
little text is not stored.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from crawler.extraction.page_metadata import PageMetadata

MIN_BODY_CHARS = 200

_HOME_PATH = re.compile(r"^/?(?:(?:index|default|home)\.\w{2,5})?$", re.IGNORECASE)
_LISTING_SEGMENTS = {
    "tag",
    "tags",
    "category",
    "categories",
    "author",
    "authors",
    "autor",
    "search",
    "suche",
    "recherche",
    "busca",
    "buscar",
    "archive",
    "archives",
}
_SEARCH_QUERY_KEYS = {"q", "s", "query", "search", "keyword", "keywords", "searchterm"}
_PAGINATION = re.compile(r"/page/\d+/?$", re.IGNORECASE)
_LISTING_TYPES = {"collectionpage", "searchresultspage", "profilepage", "itemlist"}
_SLUG_OR_ID = re.compile(r"[\d\-_.]")


def declares_article(metadata: PageMetadata) -> bool:
    """True when the page's own metadata says it is an article."""
    og_type = (metadata.first_meta("og:type") or "").lower()
    return metadata.jsonld_article is not None or og_type == "article"


def listing_reason(url: str, metadata: PageMetadata) -> str | None:
    """Why the page at ``url`` is a listing rather than an article, or None."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if _HOME_PATH.match(path) and not parts.query:
        return "home page"
    if declares_article(metadata):
        return None
    segments = [segment.lower() for segment in path.split("/") if segment]
    listing_segments = [segment for segment in segments if segment in _LISTING_SEGMENTS]
    if listing_segments:
        return f"listing url (/{listing_segments[0]}/)"
    query_keys = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if query_keys & _SEARCH_QUERY_KEYS:
        return "search page"
    if _PAGINATION.search(path):
        return "pagination page"
    if metadata.jsonld_types & _LISTING_TYPES:
        return "listing page (JSON-LD)"
    if not parts.query and not any(_SLUG_OR_ID.search(segment) for segment in segments):
        return "section page (no slug or id in the URL)"
    return None


def too_little_text(body: str) -> bool:
    """True when the extracted text is too short to be an article."""
    return len(body) < MIN_BODY_CHARS
