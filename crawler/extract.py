"""Article extraction: one fetched HTML page in, one :class:`ExtractedArticle` out.

The page is decoded (see :mod:`crawler.extraction.decoding`) and parsed once with lxml; the same
tree feeds the metadata readers and trafilatura. Each field comes from the most reliable source
that has it, in this order:

* title: the headline most of JSON-LD ``headline``, og:title, the feed's title and ``<h1>`` agree
  on (ties in that order), else the ``<title>``, each cleaned of site-name prefixes and suffixes
  (:mod:`crawler.extraction.titles`);
* published: JSON-LD ``datePublished``, ``article:published_time`` and similar meta tags,
  microdata ``datePublished``, ``<time datetime>``, the feed's date, then htmldate's guess;
  modified likewise from ``dateModified``/``article:modified_time``/the feed's ``updated``.
  Times are converted to UTC; a time without a zone is taken as UTC;
* body: trafilatura's main text, corrected with the page's metadata
  (:mod:`crawler.extraction.body`);
* authors: JSON-LD authors, author meta tags, the feed's authors;
* language: ``<html lang>``, JSON-LD ``inLanguage``, ``og:locale``, Content-Language, the feed's
  language, reduced to the ISO 639-1 code, checked against the text
  (:mod:`crawler.extraction.language`);
* canonical URL: ``rel=canonical``, ``og:url``, JSON-LD ``url``, only when on the page's own
  registered domain and http(s), else the page URL.

Pages that are not articles (home, section, tag, author, search and pagination pages, pages with
too little text, non-HTML bytes) raise :class:`NotAnArticle`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree, html

from crawler.extraction.body import BodyRules, extract_paragraphs
from crawler.extraction.bylines import visible_byline
from crawler.extraction.dates import to_utc
from crawler.extraction.decoding import decode_html, looks_binary
from crawler.extraction.language import choose_language
from crawler.extraction.page_metadata import PageMetadata, read_page_metadata
from crawler.extraction.pagekind import listing_reason, too_little_text
from crawler.extraction.text import clean_line, join_paragraphs
from crawler.extraction.titles import choose_title, site_keys
from crawler.extraction.urls import choose_canonical, http_url, is_amp_url

logger = logging.getLogger(__name__)

MAX_HTML_CHARS = 5_000_000
# trafilatura's time grows faster than linearly with the element count (a page of 20,000
# paragraphs takes close to a minute); the corpus's largest page has 2,400 elements.
MAX_ELEMENTS = 10_000
MAX_BODY_CHARS = 1_000_000
MAX_DESCRIPTION_CHARS = 2_000
MAX_AUTHORS = 20
MAX_AUTHOR_CHARS = 200

_MARKUP = re.compile(r"<(?:!doctype|html|head|body|meta|title|p|div|article)\b", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_BYLINE_PREFIX = re.compile(
    r"^(?:(?:written\s+)?by|von|por|par|door|di|autor(?:in)?:?|author:?)\s+", re.IGNORECASE
)
_AUTHOR_SEPARATORS = re.compile(r"\s*[,;&]\s*|\s+(?:and|und|et|y)\s+", re.IGNORECASE)


def _html_parser() -> html.HTMLParser:
    # Comments dropped at parse time: left in the tree they split text nodes and trafilatura
    # then loses paragraphs (measured: body F1 0.945 with comments kept, 0.948 without).
    parser = html.HTMLParser(
        remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False
    )
    # lxml.html chooses each element's class in a Python method, run whenever an element
    # becomes a Python object: some 2,500 times per 140 KB page inside trafilatura, 1.3 ms of
    # its ~15. A C-level default lookup gives every element the plain HtmlElement class
    # instead; what it leaves out, the form-field subclasses (FormElement, InputElement, ...),
    # neither this module nor trafilatura uses.
    parser.set_element_class_lookup(
        etree.ElementDefaultClassLookup(
            element=html.HtmlElement,
            comment=html.HtmlComment,
            pi=html.HtmlProcessingInstruction,
            entity=html.HtmlEntity,
        )
    )
    return parser


_HTML_PARSER = _html_parser()

# What tree.iter() walks: the element, its descendant elements, comments and processing
# instructions.
_ELEMENT_COUNT = etree.XPath(
    "count(descendant-or-self::*|descendant::comment()|descendant::processing-instruction())"
)

_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "published_time",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.created",
    "date",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "last-modified",
    "dcterms.modified",
)
_AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator")


class NotAnArticle(Exception):
    """The page is not an article; ``reason`` says why (logged and recorded as skipped)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ExtractedArticle:
    """The fields presswatch stores for one article.

    ``title`` is "" when the page and the feed give none; ``body`` is paragraphs separated by
    blank lines; times are aware UTC datetimes.
    """

    url: str
    canonical_url: str
    title: str
    body: str
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    modified_at: datetime | None = None
    language: str | None = None
    source: str | None = None
    description: str | None = None
    is_amp: bool = False


def extract_article(
    body: bytes | str,
    url: str,
    *,
    encoding: str | None = None,
    feed_entry: Mapping[str, Any] | object | None = None,
    source: str | None = None,
    rules: BodyRules | None = None,
) -> ExtractedArticle:
    """Extract an article from a fetched page.

    ``encoding`` is the charset the HTTP response declared (it may be wrong); ``feed_entry`` is
    what a feed said about the item, as a mapping or an object with the attributes ``title``,
    ``link``, ``published``, ``updated``, ``authors``, ``summary`` and ``language``. ``rules``
    switches body corrections off for measurement; callers leave it alone.

    Raises :class:`NotAnArticle` for pages that are not articles.
    """
    page_url = http_url(url, url)
    if page_url is None:
        raise NotAnArticle("not an http(s) URL")
    tree = _parse(body, encoding)
    metadata = read_page_metadata(tree, page_url)
    reason = listing_reason(page_url, metadata)
    if reason:
        raise NotAnArticle(reason)
    feed = _FeedFields.from_entry(feed_entry)
    jsonld = metadata.jsonld_article
    keys = site_keys(metadata.site_names(), page_url)
    title = choose_title(
        [
            jsonld.headline if jsonld else None,
            metadata.first_meta("og:title", "twitter:title"),
            feed.title,
            *metadata.h1_texts[:1],
        ],
        keys,
        metadata.h1_texts,
        fallbacks=[metadata.title_tag],
    )
    description = _description(metadata, feed)
    paragraphs = extract_paragraphs(
        tree,
        page_url,
        headline=title,
        jsonld_article_body=jsonld.article_body if jsonld else None,
        rules=rules or BodyRules(),
    )
    text = join_paragraphs(paragraphs, MAX_BODY_CHARS)
    if too_little_text(text):
        raise NotAnArticle("too little text")
    is_amp = metadata.html_is_amp or is_amp_url(page_url)
    return ExtractedArticle(
        url=page_url,
        canonical_url=choose_canonical(
            page_url,
            [
                metadata.canonical_href,
                metadata.first_meta("og:url"),
                jsonld.url if jsonld else None,
            ],
            is_amp=is_amp,
        ),
        title=title,
        body=text,
        authors=_authors(metadata, feed, tree),
        published_at=_published(metadata, feed, tree),
        modified_at=_modified(metadata, feed),
        language=_language(metadata, feed, text),
        source=source,
        description=description,
        is_amp=is_amp,
    )


def _parse(body: bytes | str, encoding: str | None) -> html.HtmlElement:
    if isinstance(body, bytes) and looks_binary(body):
        raise NotAnArticle("binary content")
    text, codec_name = decode_html(body, encoding)
    logger.debug("page decoded as %s", codec_name)
    text = _XML_DECLARATION.sub("", text[:MAX_HTML_CHARS], count=1).replace("\x00", "")
    if not _MARKUP.search(text[:65_536]):
        raise NotAnArticle("not HTML")
    try:
        tree = html.document_fromstring(text, parser=_HTML_PARSER)
    except (etree.ParserError, ValueError) as error:
        raise NotAnArticle(f"unparseable HTML: {error}") from error
    # Counted by XPath: iterating would build a Python object for every element.
    element_count = int(_ELEMENT_COUNT(tree))
    if element_count > MAX_ELEMENTS:
        raise NotAnArticle(f"page too large ({element_count} elements)")
    return tree


@dataclass
class _FeedFields:
    """What the feed entry said, read the same way from a mapping or an object."""

    title: str | None = None
    published: object = None
    updated: object = None
    authors: list[str] = field(default_factory=list)
    summary: str | None = None
    language: str | None = None

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any] | object | None) -> _FeedFields:
        if entry is None:
            return cls()

        def value(*names: str) -> Any:
            for name in names:
                found = (
                    entry.get(name) if isinstance(entry, Mapping) else getattr(entry, name, None)
                )
                if found:
                    return found
            return None

        return cls(
            title=_as_text(value("title")),
            published=value("published", "published_at", "published_parsed"),
            updated=value("updated", "updated_at", "updated_parsed"),
            authors=_author_names(value("authors", "author")),
            summary=_as_text(value("summary", "description")),
            language=_as_text(value("language")),
        )


def _as_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _author_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return _author_names(value.get("name"))
    if isinstance(value, list | tuple):
        return [name for item in value for name in _author_names(item)]
    return []


def _description(metadata: PageMetadata, feed: _FeedFields) -> str | None:
    jsonld_description = metadata.jsonld_article.description if metadata.jsonld_article else None
    raw = (
        metadata.first_meta("og:description", "description", "twitter:description")
        or jsonld_description
        or _strip_tags(feed.summary)
    )
    return clean_line(raw, MAX_DESCRIPTION_CHARS) or None


def _strip_tags(text: str | None) -> str | None:
    if not text or "<" not in text:
        return text
    try:
        return html.fragment_fromstring(text, create_parent="div").text_content()
    except (etree.ParserError, ValueError):
        return None


def _published(
    metadata: PageMetadata, feed: _FeedFields, tree: html.HtmlElement
) -> datetime | None:
    jsonld = metadata.jsonld_article
    candidates: list[object] = [
        jsonld.date_published if jsonld else None,
        *(metadata.first_meta(key) for key in _PUBLISHED_META),
        metadata.itemprop_dates.get("datePublished"),
        *metadata.time_datetimes[:1],
        feed.published,
    ]
    for candidate in candidates:
        parsed = to_utc(candidate)
        if parsed is not None:
            return parsed
    return _guess_date(tree)


def _guess_date(tree: html.HtmlElement) -> datetime | None:
    """htmldate's heuristic search, only for pages and feeds that give no date at all."""
    from htmldate import find_date  # imported late: rarely needed, slow to import

    try:
        guessed = find_date(tree, original_date=True, outputformat="%Y-%m-%dT%H:%M:%S")
    except (ValueError, TypeError):
        return None
    return to_utc(guessed)


def _modified(metadata: PageMetadata, feed: _FeedFields) -> datetime | None:
    jsonld = metadata.jsonld_article
    candidates: list[object] = [
        jsonld.date_modified if jsonld else None,
        *(metadata.first_meta(key) for key in _MODIFIED_META),
        metadata.itemprop_dates.get("dateModified"),
        feed.updated,
    ]
    for candidate in candidates:
        parsed = to_utc(candidate)
        if parsed is not None:
            return parsed
    return None


def _authors(metadata: PageMetadata, feed: _FeedFields, tree: etree._Element) -> list[str]:
    jsonld_authors = metadata.jsonld_article.authors if metadata.jsonld_article else []
    meta_authors = [
        value for key in _AUTHOR_META for value in metadata.meta.get(key, ()) if value.strip()
    ]
    for source_names in (jsonld_authors, meta_authors, feed.authors):
        names = _clean_author_names(source_names)
        if names:
            return names
    # Only when nothing structured names anyone: a visible byline is less certain.
    return _clean_author_names(visible_byline(tree))


def _clean_author_names(raw_names: list[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for raw in raw_names:
        if "://" in raw or raw.strip().startswith("@"):
            continue
        for part in _AUTHOR_SEPARATORS.split(clean_line(raw)):
            name = clean_line(_BYLINE_PREFIX.sub("", part), MAX_AUTHOR_CHARS)
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
    return names[:MAX_AUTHORS]


def _language(metadata: PageMetadata, feed: _FeedFields, text: str) -> str | None:
    jsonld = metadata.jsonld_article
    declared = [
        metadata.html_lang,
        jsonld.language if jsonld else None,
        metadata.first_meta("og:locale"),
        metadata.first_meta("content-language", "language", "dc.language"),
        feed.language,
    ]
    return choose_language(declared, text)
