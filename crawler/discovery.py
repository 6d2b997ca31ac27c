"""Finding article URLs: feed and sitemap parsing, and judging links by their shape.

Pure functions over bytes and strings, without Scrapy: the spider fetches, these read. Nothing
here touches the network. feedparser gets the body as a stream (a string that looks like a URL
would make it fetch), and sitemaps are parsed by lxml with entity expansion, DTD loading and
network access switched off. Both parsers can raise on mutated input, so :func:`parse_feed` and
:func:`parse_sitemap` turn every failure into :class:`DiscoveryError`; the caller records it
against the feed and carries on.
"""

from __future__ import annotations

import calendar
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qsl, urljoin, urlsplit

import feedparser
from lxml import etree

MAX_ENTRIES = 50_000  # the sitemaps.org limit; more than any feed needs

# Path segments that only listings, utilities or account pages use.
_LISTING_SEGMENTS = frozenset(
    {
        "tag",
        "tags",
        "topic",
        "topics",
        "category",
        "categories",
        "author",
        "authors",
        "search",
        "page",
        "archive",
        "archives",
        "calendar",
        "login",
        "signin",
        "logout",
        "register",
        "signup",
        "subscribe",
        "subscription",
        "account",
        "newsletter",
        "newsletters",
        "feed",
        "feeds",
        "rss",
        "atom",
        "print",
        "share",
        "comments",
        "amp-stories",
        "wp-admin",
        "wp-json",
        "wp-login.php",
        "cdn-cgi",
        "static",
        "assets",
        "media",
        "images",
        "img",
        "video",
        "videos",
        "gallery",
        "galleries",
        "podcast",
        "podcasts",
        "contact",
        "about",
        "privacy",
        "terms",
        "imprint",
        "impressum",
        "cookies",
        "sitemap",
        "jobs",
    }
)
# Query parameters of search, pagination, sorting, calendars and sessions.
_LISTING_QUERY_KEYS = frozenset(
    {
        "q",
        "s",
        "query",
        "search",
        "keyword",
        "page",
        "p",
        "pg",
        "offset",
        "start",
        "sort",
        "order",
        "filter",
        "month",
        "year",
        "day",
        "date",
        "from",
        "to",
        "view",
        "replytocom",
        "share",
        "print",
        "output",
        "format",
    }
)
_PAGE_NUMBER_KEYS = frozenset({"page", "p", "pg"})
SESSION_QUERY_KEYS = frozenset(
    {"sid", "session", "sessionid", "sessid", "phpsessid", "jsessionid", "s_id", "token"}
)
_PAGE_EXTENSIONS = frozenset({"", "html", "htm", "shtml", "php", "asp", "aspx", "jsp", "cms"})
_DATE_IN_PATH = re.compile(
    r"/(?:19|20)\d{2}/(?:0?[1-9]|1[0-2])(?:/(?:0?[1-9]|[12]\d|3[01]))?/"
    r"|/(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[/-]|$)"
    r"|(?:^|[/_-])(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[/_.-]|$)"
)
_NUMERIC_ID = re.compile(r"(?:^|[-_.])\d{5,}(?:$|[-_.])|^[a-z]{0,3}\d{5,}$")
_SECTION_SEGMENT = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+){0,2}$")


class DiscoveryError(Exception):
    """A feed or sitemap that could not be read; the message says why."""


# ---------------------------------------------------------------------------------------------
# Feeds


@dataclass(frozen=True)
class FeedEntry:
    """What a feed says about one article; passed on to the extractor as a hint."""

    url: str
    guid: str | None = None
    title: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    authors: tuple[str, ...] = ()
    summary: str | None = None
    language: str | None = None

    @property
    def date(self) -> datetime | None:
        """The newest date the feed gives for the entry."""
        dates = [moment for moment in (self.published, self.updated) if moment]
        return max(dates) if dates else None


@dataclass(frozen=True)
class Feed:
    entries: tuple[FeedEntry, ...]
    problem: str | None = None  # why the document is malformed, when entries were salvaged


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> Feed:
    """The entries of an RSS or Atom feed, with absolute http(s) links only.

    A feed that is not well-formed XML is read by feedparser's lenient parser; whatever entries
    it yields are kept, and ``problem`` says what was wrong, to be recorded against the feed.

    :raises DiscoveryError: when the body is not a feed at all or feedparser fails on it.
    """
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
        entries = tuple(_feed_entries(parsed, url))
    except Exception as error:  # feedparser raises assorted errors on mutated input
        raise DiscoveryError(f"feed parser failed: {type(error).__name__}: {error}") from error
    if not entries and not parsed.get("version"):
        reason = parsed.get("bozo_exception") or "no RSS or Atom document found"
        raise DiscoveryError(f"not a feed: {_short(reason)}")
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if isinstance(problem, feedparser.CharacterEncodingOverride | feedparser.NonXMLContentType):
        problem = None  # a charset or content type label the parser worked around
    return Feed(entries, f"not well-formed: {_short(problem)}" if problem else None)


def _feed_entries(parsed: Any, feed_url: str) -> Iterator[FeedEntry]:
    feed_language = _text(parsed.get("feed", {}).get("language"))
    for entry in parsed.get("entries", [])[:MAX_ENTRIES]:
        link = _entry_link(entry, feed_url)
        if link is None:
            continue
        yield FeedEntry(
            url=link,
            guid=_text(entry.get("id")),
            title=_text(entry.get("title")),
            # dict.get: FeedParserDict.get("updated_parsed") falls back to the published date
            # (with a DeprecationWarning); the raw keys keep the two apart.
            published=_struct_time_to_datetime(dict.get(entry, "published_parsed")),
            updated=_struct_time_to_datetime(dict.get(entry, "updated_parsed")),
            authors=_entry_authors(entry),
            summary=_text(entry.get("summary")),
            language=_text(entry.get("language")) or feed_language,
        )


def _entry_link(entry: Any, feed_url: str) -> str | None:
    candidates = [entry.get("link")]
    candidates += [
        link.get("href") for link in entry.get("links", []) if link.get("rel") == "alternate"
    ]
    # Some RSS feeds give the article URL only as a permalink guid.
    if entry.get("guidislink"):
        candidates.append(entry.get("id"))
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            absolute = absolute_http_url(feed_url, candidate)
            if absolute:
                return absolute
    return None


def _entry_authors(entry: Any) -> tuple[str, ...]:
    names: list[str] = []
    for author in entry.get("authors", []) or []:
        name = _text(author.get("name")) if hasattr(author, "get") else None
        if name and name not in names:
            names.append(name)
    if not names and _text(entry.get("author")):
        names.append(_text(entry.get("author")) or "")
    return tuple(names)


def _struct_time_to_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


# ---------------------------------------------------------------------------------------------
# Sitemaps


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: datetime | None = None
    publication_date: datetime | None = None  # Google News sitemaps
    title: str | None = None  # Google News sitemaps

    @property
    def date(self) -> datetime | None:
        """The date that decides whether the entry is recent: publication, else last change."""
        return self.publication_date or self.lastmod


@dataclass(frozen=True)
class Sitemap:
    kind: Literal["urlset", "index"]
    entries: tuple[SitemapEntry, ...]
    problem: str | None = None  # why the document is malformed, when entries were salvaged


def _sitemap_parser(*, recover: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
    )


def parse_sitemap(body: bytes, url: str) -> Sitemap:
    """The entries of an XML sitemap or sitemap index (``.gz`` bodies must be unpacked first).

    A document that is not well-formed is parsed again in lxml's recovery mode; the entries it
    yields are kept, and ``problem`` says what was wrong, to be recorded against the sitemap.

    :raises DiscoveryError: when the body is not a sitemap or cannot be parsed at all.
    """
    problem = None
    try:
        root = etree.fromstring(body, parser=_sitemap_parser(recover=False))
    except etree.XMLSyntaxError as error:
        problem = f"not well-formed: {_short(error)}"
        root = _recover_xml(body)
    except Exception as error:  # lxml raises several types on broken input
        raise DiscoveryError(f"XML parser failed: {type(error).__name__}: {error}") from error
    if root is None:
        raise DiscoveryError(problem or "not an XML document")
    kind = _local_name(root)
    if kind == "urlset":
        item_tag: Literal["url", "sitemap"] = "url"
    elif kind == "sitemapindex":
        item_tag = "sitemap"
    else:
        raise DiscoveryError(f"not a sitemap: the root element is <{_short(kind, 40)}>")
    entries = []
    for element in root:
        if len(entries) >= MAX_ENTRIES:
            break
        if not isinstance(element.tag, str) or _local_name(element) != item_tag:
            continue
        entry = _sitemap_entry(element, url)
        if entry is not None:
            entries.append(entry)
    return Sitemap("urlset" if kind == "urlset" else "index", tuple(entries), problem)


def _recover_xml(body: bytes) -> Any:
    try:
        return etree.fromstring(body, parser=_sitemap_parser(recover=True))
    except Exception as error:  # lxml raises several types on broken input
        raise DiscoveryError(f"XML parser failed: {type(error).__name__}: {error}") from error


def _sitemap_entry(element: Any, sitemap_url: str) -> SitemapEntry | None:
    fields: dict[str, str] = {}
    for child in element.iter():
        if child is element or not isinstance(child.tag, str):
            continue
        name = _local_name(child)
        if name in ("loc", "lastmod", "publication_date", "title") and name not in fields:
            fields[name] = (child.text or "").strip()
    location = fields.get("loc")
    if not location:
        return None
    absolute = absolute_http_url(sitemap_url, location)
    if absolute is None:
        return None
    return SitemapEntry(
        url=absolute,
        lastmod=parse_w3c_datetime(fields.get("lastmod")),
        publication_date=parse_w3c_datetime(fields.get("publication_date")),
        title=fields.get("title") or None,
    )


def parse_w3c_datetime(text: str | None) -> datetime | None:
    """A sitemap date (``2024-05-12``, ``2024-05-12T10:00Z``, ``…+02:00``) in UTC, or None."""
    if not text:
        return None
    text = text.strip()
    if len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _local_name(element: Any) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


# ---------------------------------------------------------------------------------------------
# Judging URLs


def is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. a bracketed host that is no IPv6 address
        return False


def absolute_http_url(base: str, link: str) -> str | None:
    """``link`` resolved against ``base`` if that gives an http(s) URL, else None."""
    try:
        absolute = urljoin(base, link.strip())
    except ValueError:
        return None
    return absolute if is_http_url(absolute) else None


def is_recent(moment: datetime | None, now: datetime, lookback: timedelta) -> bool:
    """Inside the lookback window; an entry without a date is taken."""
    return moment is None or moment >= now - lookback


LinkKind = Literal["article", "section"]


def classify_link(url: str) -> LinkKind | None:
    """What a link found on a section page probably leads to, judged by its shape alone.

    ``"article"``: the path carries a date, a numeric id, a long slug or a ``.html`` name.
    ``"section"``: a short path of one to three plain words (``/world``, ``/section/world/``),
    or such a path's next page (``?page=2``, ``/page/2``): followed, never stored.
    ``None``: anything else, in particular tag, author, search, calendar and utility pages,
    files that are not web pages, and URLs with search, sorting or session parameters.
    The extractor has the last word on a fetched page (``NotAnArticle``).
    """
    if not is_http_url(url) or len(url) > 500:
        return None
    parts = urlsplit(url)
    segments = [segment for segment in parts.path.lower().split("/") if segment]
    article_shaped = looks_like_article_path(parts.path)
    if not article_shaped and _is_section_page(segments, parts.query):
        return "section"
    if is_listing_url(url) or len(segments) > 8:
        return None
    return "article" if article_shaped else None


def _is_section_page(segments: list[str], query: str) -> bool:
    if len(segments) >= 2 and segments[-2] == "page" and segments[-1].isdigit():
        segments = segments[:-2]
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(key.lower() not in _PAGE_NUMBER_KEYS or not value.isdigit() for key, value in pairs):
        return False
    return 1 <= len(segments) <= 3 and all(
        _SECTION_SEGMENT.match(segment) and segment not in _LISTING_SEGMENTS for segment in segments
    )


def is_listing_url(url: str) -> bool:
    """True for URLs that name a listing or utility page rather than one article."""
    parts = urlsplit(url)
    segments = [segment for segment in parts.path.lower().split("/") if segment]
    if any(segment in _LISTING_SEGMENTS for segment in segments):
        return True
    if _extension(segments[-1] if segments else "") not in _PAGE_EXTENSIONS:
        return True
    query_keys = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return bool(query_keys & _LISTING_QUERY_KEYS)


def looks_like_article_path(path: str) -> bool:
    """True when a URL path has the shape of an article's address."""
    lowered = path.lower()
    segments = [segment for segment in lowered.split("/") if segment]
    if not segments:
        return False
    last = segments[-1]
    if re.fullmatch(r"\d{1,4}", last):
        return False  # a date archive (/2024/05/12/) or a page number
    if _DATE_IN_PATH.search(lowered + ("" if lowered.endswith("/") else "/")):
        return True
    stem = last.rsplit(".", 1)[0] if "." in last else last
    if any(_NUMERIC_ID.search(segment) for segment in [*segments[:-1], stem]):
        return True
    words = [word for word in re.split(r"[-_]+", stem) if word]
    if _extension(last) in ("html", "htm", "shtml") and len(words) >= 2:
        return True
    return len(words) >= 4 and len(stem) >= 20


def without_session_parameters(url: str) -> str:
    """``url`` without session-id query parameters, which make every visit a new URL."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [
        pair
        for pair in parts.query.split("&")
        if pair and pair.split("=", 1)[0].lower() not in SESSION_QUERY_KEYS
    ]
    return parts._replace(query="&".join(kept)).geturl()


def _extension(segment: str) -> str:
    if "." not in segment:
        return ""
    return segment.rsplit(".", 1)[1]


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _short(value: object, limit: int = 200) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
