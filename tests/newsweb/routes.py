"""URL routing of one site: maps a request to a ``Response``."""

from __future__ import annotations

import gzip
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, unquote

from . import feeds, hostile, pages
from .model import GroundTruthArticle
from .pages import PageContext
from .responses import HTML, Response, html_response, redirect
from .web import NewsWeb

_SECTION = re.compile(r"^/section/([a-z-]+)(/?)$")
_TAG = re.compile(r"^/tag/([^/]+)/$")
_AUTHOR = re.compile(r"^/author/([^/]+)/$")
_STATIC_PAGE = re.compile(r"^/(about|contact|privacy)/$")
_XML_FILES: dict[str, tuple[str, Callable[[PageContext], str]]] = {
    "/rss.xml": ("application/rss+xml; charset=utf-8", feeds.render_rss),
    "/atom.xml": ("application/atom+xml; charset=utf-8", feeds.render_atom),
    "/sitemap.xml": ("application/xml; charset=utf-8", feeds.render_sitemap_index),
    "/sitemap-news.xml": ("application/xml; charset=utf-8", feeds.render_news_sitemap),
    "/sitemap-articles.xml": ("application/xml; charset=utf-8", feeds.render_articles_sitemap),
}
_MIN_GZIP_BYTES = 512


@dataclass
class ServeOptions:
    """What routing needs to know about the running servers."""

    slow_delay: float
    offsite_base: str  # where the hostile site's off-site redirect points
    cache: dict[tuple[object, ...], bytes] = field(default_factory=dict)
    cache_lock: threading.Lock = field(default_factory=threading.Lock)

    def cached(self, key: tuple[object, ...], build: Callable[[], str]) -> bytes:
        with self.cache_lock:
            if key in self.cache:
                return self.cache[key]
        data = build().encode("utf-8")
        with self.cache_lock:
            if len(self.cache) > 512:
                self.cache.clear()
            self.cache[key] = data
        return data


def not_modified(headers: Mapping[str, str], etag: str, last_modified: datetime) -> bool:
    """True when the request's validators show the client already has this version."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return last_modified <= since
    return False


def _validated(
    headers: Mapping[str, str], etag: str, last_modified: datetime, build: Callable[[], Response]
) -> Response:
    validators = [("ETag", etag), ("Last-Modified", feeds.http_date(last_modified))]
    if not_modified(headers, etag, last_modified):
        return Response(304, None, headers=validators)
    response = build()
    response.headers.extend(validators)
    return response


def route(
    web: NewsWeb,
    site_name: str,
    base: str,
    options: ServeOptions,
    path: str,
    query: str,
    headers: Mapping[str, str],
) -> Response:
    """The response to a GET for ``path``/``query`` on site ``site_name``."""
    path = unquote(path)
    with web.lock:
        site = web.site(site_name)
        if site.hostile:
            special = hostile.respond(
                web.hostile, path, base, options.offsite_base, options.slow_delay
            )
            if special is not None:
                return special
        ctx = PageContext(web, site, web.index(site_name), base)
        response = _site_route(ctx, options, path, query, headers)
    return _maybe_gzip(ctx, response, headers)


def _maybe_gzip(ctx: PageContext, response: Response, headers: Mapping[str, str]) -> Response:
    if not (ctx.site.style.gzip and response.compressible):
        return response
    response.headers.append(("Vary", "Accept-Encoding"))
    if "gzip" in headers.get("accept-encoding", "") and len(response.body) >= _MIN_GZIP_BYTES:
        response.body = gzip.compress(response.body, compresslevel=5, mtime=0)
        response.headers.append(("Content-Encoding", "gzip"))
    return response


def _site_route(
    ctx: PageContext,
    options: ServeOptions,
    path: str,
    query: str,
    headers: Mapping[str, str],
) -> Response:
    index = ctx.index
    if path == "/":
        return html_response(pages.render_home(ctx))
    if path == "/robots.txt":
        return Response(200, "text/plain; charset=utf-8", feeds.render_robots(ctx).encode())
    if path in _XML_FILES:
        return _xml_file(ctx, options, path, headers)
    if path == "/static/site.css":
        return Response(200, "text/css", pages.SITE_CSS.encode())
    if path == "/static/lead.png":
        return Response(200, "image/png", hostile.tiny_png(16, 9))
    if path == "/search":
        terms = parse_qs(query).get("q", [""])[0]
        return html_response(pages.render_search(ctx, terms))
    for pattern, handler in (
        (_SECTION, _section),
        (_TAG, lambda c, m, q: _maybe(pages.render_tag(c, m.group(1)))),
        (_AUTHOR, lambda c, m, q: _maybe(pages.render_author(c, m.group(1)))),
        (_STATIC_PAGE, lambda c, m, q: _maybe(pages.render_static(c, m.group(1)))),
    ):
        match = pattern.match(path)
        if match:
            return handler(ctx, match, query)
    if path in index.private:
        # Disallowed by robots.txt; served anyway, as real sites do, and logged.
        return _article(ctx, index.private[path], headers)
    if path in index.by_amp_path:
        article = index.by_amp_path[path]
        return _validated(
            headers,
            _article_etag(article, "amp"),
            article.modified,
            lambda: html_response(pages.render_amp(ctx, article)),
        )
    if path in index.by_path:
        return _article(ctx, index.by_path[path], headers)
    return html_response(pages.render_not_found(ctx), 404)


def _maybe(page: str | None) -> Response:
    return html_response(page) if page is not None else Response(404, HTML, b"Not found\n")


def _section(ctx: PageContext, match: re.Match[str], query: str) -> Response:
    name, slash = match.groups()
    if not slash:
        return redirect(f"/section/{name}/", 301)
    page_values = parse_qs(query).get("page", ["1"])
    try:
        page = int(page_values[0])
    except ValueError:
        page = 0
    return _maybe(pages.render_section(ctx, name, page))


def _xml_file(
    ctx: PageContext, options: ServeOptions, path: str, headers: Mapping[str, str]
) -> Response:
    content_type, render = _XML_FILES[path]
    version = ctx.index.version
    etag = f'"{path.strip("/").replace(".", "-")}-{ctx.site.name}-v{version}"'

    def build() -> Response:
        key = (ctx.site.name, path, version, ctx.base)
        body = options.cached(key, lambda: render(ctx))
        return Response(200, content_type, body, compressible=True)

    return _validated(headers, etag, ctx.index.last_modified, build)


def _article_etag(article: GroundTruthArticle, variant: str = "html") -> str:
    return f'"{article.id}-{variant}-r{article.revisions}"'


def _article(ctx: PageContext, article: GroundTruthArticle, headers: Mapping[str, str]) -> Response:
    def build() -> Response:
        if article.charset_trap == hostile.CP1252_DECLARED_UTF8:
            page = pages.render_article(ctx, article, charset="windows-1252")
            body = page.encode("cp1252", errors="xmlcharrefreplace")
            return Response(200, HTML, body)
        if article.charset_trap == hostile.UNDECLARED_UTF8:
            page = pages.render_article(ctx, article, charset=None)
            return Response(200, "text/html", page.encode("utf-8"))
        return html_response(pages.render_article(ctx, article))

    return _validated(headers, _article_etag(article), article.modified, build)
