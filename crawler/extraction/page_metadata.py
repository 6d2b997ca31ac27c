"""What a page says about itself: JSON-LD, OpenGraph and other meta tags, links, headings.

Everything is read from the one lxml tree the extractor parsed; nothing here parses HTML again.
"""

from __future__ import annotations

import html as html_entities
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree, html

from crawler.extraction.text import clean_line

logger = logging.getLogger(__name__)

_ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "liveblogposting", "report"}
_MAX_JSONLD_CHARS = 2_000_000
_JSONLD_NOISE = re.compile(
    r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$"
)


@dataclass
class JsonLdArticle:
    """The fields presswatch uses from a schema.org Article-like JSON-LD object."""

    types: set[str]
    headline: str | None = None
    date_published: str | None = None
    date_modified: str | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    article_body: str | None = None
    description: str | None = None
    url: str | None = None
    publisher_name: str | None = None


@dataclass
class PageMetadata:
    """Metadata read from one page."""

    jsonld_article: JsonLdArticle | None = None
    jsonld_types: set[str] = field(default_factory=set)
    jsonld_site_names: list[str] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)
    canonical_href: str | None = None
    amphtml_href: str | None = None
    html_lang: str | None = None
    html_is_amp: bool = False
    title_tag: str | None = None
    h1_texts: list[str] = field(default_factory=list)
    time_datetimes: list[str] = field(default_factory=list)
    itemprop_dates: dict[str, str] = field(default_factory=dict)

    def first_meta(self, *keys: str) -> str | None:
        """The first non-empty content among meta tags named (or with property) ``keys``."""
        for key in keys:
            for value in self.meta.get(key, ()):
                if value.strip():
                    return value.strip()
        return None

    def site_names(self) -> list[str]:
        """Names the site calls itself: og:site_name, JSON-LD publisher/WebSite, app names."""
        names = [
            *self.meta.get("og:site_name", ()),
            *self.meta.get("application-name", ()),
            *self.meta.get("apple-mobile-web-app-title", ()),
            *self.meta.get("twitter:site", ()),
            *self.jsonld_site_names,
        ]
        if self.jsonld_article and self.jsonld_article.publisher_name:
            names.append(self.jsonld_article.publisher_name)
        return [name.strip().lstrip("@") for name in names if name and name.strip()]


def read_page_metadata(tree: html.HtmlElement, page_url: str) -> PageMetadata:
    """Collect the page's own metadata from a parsed document."""
    metadata = PageMetadata()
    root = tree.getroottree().getroot()
    metadata.html_lang = root.get("lang") or root.get("xml:lang")
    metadata.html_is_amp = "amp" in root.attrib or "\u26a1" in root.attrib
    jsonld_scripts = _read_elements(root, metadata)
    for element in _ITEMPROP_DATES(root):
        value = element.get("content") or element.get("datetime") or element.text_content()
        metadata.itemprop_dates.setdefault(element.get("itemprop"), value.strip())
    _read_jsonld(jsonld_scripts, metadata, page_url)
    return metadata


# One walk of the tree for every element read here: lxml filters the tags in C, so only these
# elements become Python objects (a real page has ~800 elements, each walk costs ~0.1 ms).
_READ_TAGS = ("meta", "link", "title", "h1", "time", "script")
_MAX_H1 = 5
_MAX_TIMES = 5
# Through the attribute axis: about half the cost of testing every element's attribute.
_ITEMPROP_DATES = etree.XPath("//@itemprop[.='datePublished' or .='dateModified']/..")


def _read_elements(root: html.HtmlElement, metadata: PageMetadata) -> list[html.HtmlElement]:
    """Read meta tags, links, the title, headings and times; return the JSON-LD scripts."""
    title = None
    jsonld_scripts = []
    for element in root.iter(*_READ_TAGS):
        tag = element.tag
        if tag == "meta":
            _read_meta(element, metadata)
        elif tag == "link":
            _read_link(element, metadata)
        elif tag == "script":
            if element.get("type") == "application/ld+json":
                jsonld_scripts.append(element)
        elif tag == "h1":
            if len(metadata.h1_texts) < _MAX_H1:
                text = clean_line(element.text_content())
                if text:
                    metadata.h1_texts.append(text)
        elif tag == "time":
            value = element.get("datetime")
            if value and len(metadata.time_datetimes) < _MAX_TIMES:
                metadata.time_datetimes.append(value)
        elif title is None:
            title = element
    if title is not None:
        metadata.title_tag = clean_line(title.text_content())
    return jsonld_scripts


def _read_meta(meta: html.HtmlElement, metadata: PageMetadata) -> None:
    content = meta.get("content")
    if content is None:
        return
    for attribute in ("property", "name", "itemprop", "http-equiv"):
        key = meta.get(attribute)
        if key:
            metadata.meta.setdefault(key.strip().lower(), []).append(content)


def _read_link(link: html.HtmlElement, metadata: PageMetadata) -> None:
    rel = (link.get("rel") or "").lower().split()
    href = link.get("href")
    if not href:
        return
    if "canonical" in rel and metadata.canonical_href is None:
        metadata.canonical_href = href.strip()
    elif "amphtml" in rel and metadata.amphtml_href is None:
        metadata.amphtml_href = href.strip()


def _read_jsonld(scripts: list[html.HtmlElement], metadata: PageMetadata, page_url: str) -> None:
    candidates: list[tuple[int, JsonLdArticle]] = []
    for script in scripts:
        data = _load_json(script.text or "")
        if data is None:
            continue
        for node, depth in _walk(data):
            types = _types_of(node)
            metadata.jsonld_types |= types
            if types & {"website", "organization", "newsmediaorganization"}:
                name = _string_of(node.get("name"))
                if name:
                    metadata.jsonld_site_names.append(name)
            if _is_article(types):
                candidates.append((depth, _article_from(node, types)))
    metadata.jsonld_article = _primary_article(candidates, page_url, metadata.canonical_href)


def _load_json(text: str) -> Any:
    if not text.strip() or len(text) > _MAX_JSONLD_CHARS:
        return None
    cleaned = _JSONLD_NOISE.sub("", text.strip())
    try:
        # strict=False: publishers put raw newlines and tabs inside JSON strings.
        return json.loads(cleaned, strict=False)
    except (ValueError, RecursionError):
        logger.debug("unparseable JSON-LD block skipped")
        return None


def _walk(data: Any, depth: int = 0) -> Iterator[tuple[dict[str, Any], int]]:
    if depth > 8:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk(item, depth)
    elif isinstance(data, dict):
        yield data, depth
        for key, value in data.items():
            if isinstance(value, dict | list) and key != "@context":
                # Objects inside @graph are as top-level as the graph itself.
                yield from _walk(value, depth if key == "@graph" else depth + 1)


def _types_of(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {value.rsplit("/", 1)[-1].lower() for value in values if isinstance(value, str)}


def _is_article(types: set[str]) -> bool:
    return bool(types & _ARTICLE_TYPES) or any(
        name.endswith(("article", "newsarticle")) for name in types
    )


def _string_of(value: Any) -> str | None:
    """A plain string out of a JSON-LD value that may be a string, a list, or an object."""
    if isinstance(value, str):
        return _unescape(value).strip() or None
    if isinstance(value, list):
        for item in value:
            found = _string_of(item)
            if found:
                return found
    if isinstance(value, dict):
        for key in ("name", "@value", "@id", "url"):
            found = _string_of(value.get(key))
            if found:
                return found
    return None


def _names_of(value: Any) -> list[str]:
    if isinstance(value, list):
        return [name for item in value for name in _names_of(item)]
    if isinstance(value, dict):
        name = _string_of(value.get("name"))
        return [name] if name else []
    if isinstance(value, str) and value.strip():
        return [_unescape(value).strip()]
    return []


def _unescape(text: str) -> str:
    # Many CMSs HTML-escape strings before putting them in JSON ("&quot;", "&#8217;").
    return html_entities.unescape(text) if "&" in text else text


def _article_from(node: dict[str, Any], types: set[str]) -> JsonLdArticle:
    publisher = node.get("publisher")
    return JsonLdArticle(
        types=types,
        headline=_string_of(node.get("headline")) or _string_of(node.get("name")),
        date_published=_string_of(node.get("datePublished") or node.get("dateCreated")),
        date_modified=_string_of(node.get("dateModified")),
        authors=_names_of(node.get("author")),
        language=_string_of(node.get("inLanguage")),
        article_body=_unescape(body) if isinstance(body := node.get("articleBody"), str) else None,
        description=_string_of(node.get("description")),
        url=_string_of(node.get("url")) or _string_of(node.get("mainEntityOfPage")),
        publisher_name=_string_of(publisher.get("name")) if isinstance(publisher, dict) else None,
    )


def _primary_article(
    candidates: list[tuple[int, JsonLdArticle]], page_url: str, canonical_href: str | None
) -> JsonLdArticle | None:
    """The page's own article: the one whose URL is the page's, else the shallowest one."""
    if not candidates:
        return None
    own_urls = {_url_key(page_url), _url_key(canonical_href or "")}
    for _depth, article in candidates:
        if article.url and _url_key(article.url) in own_urls:
            return article
    with_headline = [item for item in candidates if item[1].headline]
    return min(with_headline or candidates, key=lambda item: item[0])[1]


def _url_key(url: str) -> str:
    without_scheme = url.strip().split("://", 1)[-1]
    return without_scheme.removeprefix("www.").split("#", 1)[0].rstrip("/").lower()
