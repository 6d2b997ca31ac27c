"""The ``source`` spider: discover and fetch the articles of one configured news source.

    scrapy crawl source -a source="Example Times"
    scrapy crawl source -a source="Example Times" -s PRESSWATCH_CONFIG=/etc/presswatch

Discovery paths, all from ``config/sources.toml``:

* **feeds** (RSS/Atom): every entry inside the lookback window;
* **sitemaps**, including sitemap indexes and Google News sitemaps: every entry whose
  ``news:publication_date`` (else ``lastmod``) is inside the lookback window, or has no date, and
  whose URL is not obviously a listing (tag, author, search, pagination…);
* **start URLs** (section pages): in-site links judged by their shape
  (:func:`crawler.discovery.classify_link`); article-shaped links are fetched, section-shaped ones
  followed while ``crawl.max_depth`` allows (``DEPTH_LIMIT``).

Every article candidate is looked up in the archive first (``article_urls``): a URL stored or
skipped before is not fetched again, except for the one correction re-fetch
(:func:`crawler.crawlstate.url_decision`). Feeds, sitemaps and section pages are fetched with the
ETag / Last-Modified of the last complete run, so an unchanged source costs a 304 per listing.
Fetched pages go through :func:`crawler.extract.extract_article`; a page that is not an article is
recorded as skipped. Each failure is counted by kind in the crawl run, and one bad feed, page or
server never stops the rest of the crawl.
"""

from __future__ import annotations

import functools
import logging
import re
import sqlite3
import struct
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.gz import gunzip
from twisted.python.failure import Failure

from config import Config
from crawler import crawlstate
from crawler.dedup.urls import InvalidUrlError
from crawler.discovery import (
    FeedEntry,
    classify_link,
    is_http_url,
    is_listing_url,
    is_recent,
    parse_feed,
    parse_sitemap,
    without_session_parameters,
)
from crawler.extract import NotAnArticle, extract_article
from crawler.failures import PERMANENT_KINDS, classify_failure, describe_failure
from crawler.ingest import IngestContext, record_skipped
from crawler.items import ArticleItem
from crawler.middlewares import DEFAULT_PORTS, request_port
from crawler.settings import load_presswatch_config, scrapy_settings_for
from crawler.store import utcnow
from crawler.writebatch import acquire_batch, release_batch

logger = logging.getLogger(__name__)

FEED, SITEMAP, SECTION, ARTICLE = "feed", "sitemap", "section", "article"
# Listings first (they are few and tell what to fetch), then articles, section pages last.
PRIORITY = {FEED: 30, SITEMAP: 20, ARTICLE: 10, SECTION: 0}
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:\-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class RequestInfo:
    """What the spider knows about a request; kept in ``request.meta["presswatch"]``."""

    kind: str  # feed | sitemap | section | article
    url: str  # as discovered, before any redirect
    origins: tuple[str, ...]  # the listing URLs that led here (a listing includes itself)
    discovery: str  # for an article: the path that found it (feed | sitemap | section)
    feed_entry: FeedEntry | None = None
    refetch: bool = False


class SourceSpider(Spider):
    """Crawl one source of the presswatch configuration (``-a source=NAME``)."""

    name = "source"

    def __init__(
        self, source: str | None = None, run_id: str | int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if not source:
            raise ValueError('name the source to crawl: scrapy crawl source -a source="NAME"')
        self.source_name = source
        self.run_id = int(run_id) if run_id else None

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        config = load_presswatch_config(settings)
        settings.setdict(scrapy_settings_for(config.settings.crawl), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(load_presswatch_config(crawler.settings))
        crawler.signals.connect(spider._on_request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    def configure(self, config: Config) -> None:
        try:
            self.source = config.source(self.source_name)
        except KeyError:
            names = ", ".join(repr(source.name) for source in config.sources)
            raise ValueError(f"unknown source {self.source_name!r}; configured: {names}") from None
        crawl = config.settings.crawl
        self.lookback = timedelta(days=crawl.lookback_days)
        self.refetch_window = crawl.refetch_window
        self.max_depth = crawl.max_depth
        self.allowed_domains = self.source.domains
        configured = [*self.source.feeds, *self.source.sitemaps, *self.source.start_urls]
        self.allowed_ports = frozenset(
            {*DEFAULT_PORTS.values(), *(request_port(url) for url in configured)} - {None}
        )
        self._site_host = re.compile(
            rf"^(.*\.)?({'|'.join(re.escape(domain) for domain in self.allowed_domains)})$"
        )
        # No allow_domains here: LinkExtractor compares them with host:port; _on_site decides.
        self._links = LinkExtractor(unique=True)
        # Shared with the other spiders of this process (see crawler.writebatch).
        self.batch = acquire_batch(config.settings.database, schedule=_reactor_call_later)
        self.db = self.batch.db
        self.ingest = IngestContext.from_config(config)
        self.started = utcnow()
        self._pages_left = crawl.max_pages_per_source
        self._claimed: set[str] = set()
        self._validators: dict[str, crawlstate.Validators] = {}
        self._incomplete: set[str] = set()
        self._later: list[tuple[str, str]] = []  # entry points requested once feeds are done

    # -- the crawl -----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        # Feeds go first, and sitemaps and section pages only once the feeds' articles are
        # fetched (on the first spider_idle): an article found in a feed is then fetched with
        # the feed's title, date and authors, which the page itself may lack.
        self._begin_run()
        listings = [
            *((url, SITEMAP) for url in self.source.sitemaps),
            *((url, SECTION) for url in self.source.start_urls),
        ]
        if self.source.feeds:
            self._later = listings
            listings = [(url, FEED) for url in self.source.feeds]
        for request in self._entry_requests(listings):
            yield request

    def _entry_requests(self, entry_points: list[tuple[str, str]]) -> Iterator[Request]:
        for url, kind in entry_points:
            request = self._listing_request(url, kind, ())
            if request is not None:
                yield request

    def _on_idle(self, spider: Spider) -> None:
        if spider is not self or not self._later:
            return
        later, self._later = self._later, []
        scheduled = False
        for request in self._entry_requests(later):
            self.crawler.engine.crawl(request)
            scheduled = True
        if scheduled:
            raise DontCloseSpider

    def _parse_feed(self, response: Response) -> Iterator[Request]:
        info: RequestInfo = response.meta["presswatch"]
        if self._unchanged(response):
            return
        try:
            feed = parse_feed(response.body, response.url, _header(response, "Content-Type"))
        except Exception as error:  # one broken feed must not stop the crawl
            self._listing_unreadable(info, response, "feed_parse", error)
            return
        if feed.problem:
            self._error("feed_parse", response.url, feed.problem)
        self._remember_validators(info, response)
        for entry in feed.entries:
            if not is_recent(entry.date, self.started, self.lookback):
                self._count("old_entries")
                continue
            request = self._article_request(
                entry.url, FEED, info.origins, feed_entry=entry, modified_hint=entry.updated
            )
            if request is not None:
                yield request

    def _parse_sitemap(self, response: Response) -> Iterator[Request]:
        info: RequestInfo = response.meta["presswatch"]
        if self._unchanged(response):
            return
        try:
            body = self._sitemap_body(response)
        except ValueError as error:  # gunzip's "exceeded the specified maximum"
            self._listing_unreadable(info, response, "too_large", error)
            return
        except (OSError, EOFError, struct.error) as error:
            self._listing_unreadable(info, response, "sitemap_parse", error)
            return
        try:
            sitemap = parse_sitemap(body, response.url)
        except Exception as error:  # one broken sitemap must not stop the crawl
            self._listing_unreadable(info, response, "sitemap_parse", error)
            return
        if sitemap.problem:
            self._error("sitemap_parse", response.url, sitemap.problem)
        self._remember_validators(info, response)
        for entry in sitemap.entries:
            if not is_recent(entry.date, self.started, self.lookback):
                self._count("old_entries")
                continue
            if sitemap.kind == "index":
                request = self._listing_request(entry.url, SITEMAP, info.origins)
            elif is_listing_url(entry.url):
                self._count("listing_entries")
                continue
            else:
                request = self._article_request(
                    entry.url, SITEMAP, info.origins, modified_hint=entry.lastmod
                )
            if request is not None:
                yield request

    def _parse_section(self, response: Response) -> Iterator[Request]:
        info: RequestInfo = response.meta["presswatch"]
        if self._unchanged(response):
            return
        if not isinstance(response, TextResponse):
            self._listing_unreadable(info, response, "not_html", "not an HTML page")
            return
        self._remember_validators(info, response)
        yield from self._follow_links(response, info)

    def _parse_article(self, response: Response) -> Iterator[ArticleItem | Request]:
        info: RequestInfo = response.meta["presswatch"]
        self._count("responses")
        if not isinstance(response, TextResponse):
            content_type = _header(response, "Content-Type") or "no content type"
            self._error("not_html", response.url, content_type)
            self._record_skip(info, response.url, f"not an HTML page ({content_type[:80]})")
            return
        try:
            article = extract_article(
                response.body,
                response.url,
                encoding=_declared_charset(response),
                feed_entry=info.feed_entry,
                source=self.source.name,
            )
        except NotAnArticle as verdict:
            self._record_skip(info, response.url, f"not an article: {verdict.reason}")
            if info.discovery == SECTION:
                # An article-shaped URL that is a listing (a dated archive page, say) may
                # still lead to articles.
                yield from self._follow_links(response, info)
            return
        except Exception as error:  # an extractor bug must not stop the crawl
            logger.exception("extraction failed for %s", response.url, extra={"spider": self})
            self._error("extract_error", response.url, repr(error))
            self._incomplete.update(info.origins)
            return
        newest = max(filter(None, (article.published_at, article.modified_at)), default=None)
        if not info.refetch and not is_recent(newest, self.started, self.lookback):
            self._record_skip(info, response.url, "published before the lookback window")
            return
        yield ArticleItem(
            article=article,
            source=self.source.name,
            discovered_url=info.url,
            fetched_url=response.url,
            discovery=info.discovery,
            feed_guid=info.feed_entry.guid if info.feed_entry else None,
            refetch=info.refetch,
            origins=info.origins,
        )

    def _follow_links(self, response: Response, info: RequestInfo) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            return
        depth = response.meta.get("depth", 0)
        if depth + 1 > self.max_depth:
            return
        for link in self._links.extract_links(response):
            url = without_session_parameters(link.url)
            if not self._on_site(url):
                continue
            kind = classify_link(url)
            request = None
            if kind == "article":
                request = self._article_request(url, SECTION, info.origins, reset_depth=False)
            elif kind is not None and depth + 2 <= self.max_depth:
                # Only a section whose own links are still inside the depth limit is worth a
                # request.
                request = self._listing_request(url, SECTION, info.origins, reset_depth=False)
            if request is not None:
                yield request

    # -- building requests ---------------------------------------------------------------------

    def _listing_request(
        self, url: str, kind: str, origins: tuple[str, ...], *, reset_depth: bool = True
    ) -> Request | None:
        if url in self._claimed or not self._on_site(url):
            return None
        self._claimed.add(url)
        if not self._spend_budget(url, origins):
            return None
        validators = crawlstate.load_validators(self.db, url, self.started)
        meta: dict[str, Any] = {
            "presswatch": RequestInfo(kind, url, (*origins, url), kind),
            "handle_httpstatus_list": [304],
        }
        if reset_depth:
            # DEPTH_LIMIT bounds section crawling only: a sitemap index's children and the
            # articles of feeds and sitemaps start again at depth 0.
            meta["depth_reset"] = True
        callback = {FEED: self._parse_feed, SITEMAP: self._parse_sitemap}.get(
            kind, self._parse_section
        )
        return _request(
            url,
            callback=callback,
            errback=self._on_error,
            headers=validators.request_headers(),
            meta=meta,
            priority=PRIORITY[kind],
        )

    def _article_request(
        self,
        url: str,
        discovery: str,
        origins: tuple[str, ...],
        *,
        feed_entry: FeedEntry | None = None,
        modified_hint: datetime | None = None,
        reset_depth: bool = True,
    ) -> Request | None:
        if not self._on_site(url):
            self._count("offsite_links")
            return None
        try:
            key = self.ingest.key(url)
        except InvalidUrlError:
            self._count("invalid_links")
            return None
        if key in self._claimed:
            return None
        decision = crawlstate.url_decision(
            self.db,
            key,
            now=self.started,
            refetch_window=self.refetch_window,
            modified_hint=modified_hint,
        )
        if decision == "seen":
            # Not claimed: another listing may list it with a newer modification date.
            self._count("seen")
            return None
        self._claimed.add(key)
        if not self._spend_budget(url, origins):
            return None
        info = RequestInfo(ARTICLE, url, origins, discovery, feed_entry, decision == "refetch")
        meta: dict[str, Any] = {"presswatch": info}
        if reset_depth:
            meta["depth_reset"] = True
        return _request(
            url,
            callback=self._parse_article,
            errback=self._on_error,
            meta=meta,
            priority=PRIORITY[ARTICLE],
        )

    def _on_site(self, url: str) -> bool:
        if not is_http_url(url):
            return False
        host = (urlsplit(url).hostname or "").lower()
        return bool(self._site_host.match(host)) and request_port(url) in self.allowed_ports

    def _spend_budget(self, url: str, origins: tuple[str, ...]) -> bool:
        if self._pages_left > 0:
            self._pages_left -= 1
            return True
        self._error("page_budget", url, "crawl.max_pages_per_source reached", quiet=True)
        self._incomplete.update(origins)
        return False

    # -- responses and failures ----------------------------------------------------------------

    def _unchanged(self, response: Response) -> bool:
        """Count a listing's response; True when it answered 304 Not Modified."""
        self._count("responses")
        if response.status != 304:
            return False
        self._count("not_modified")
        return True

    def _remember_validators(self, info: RequestInfo, response: Response) -> None:
        self._validators[info.url] = crawlstate.Validators.from_response_headers(
            _header(response, "ETag"), _header(response, "Last-Modified")
        )

    def _listing_unreadable(
        self, info: RequestInfo, response: Response, kind: str, error: object
    ) -> None:
        self._error(kind, response.url, str(error))
        # Forget the validators, so that the next run fetches the listing in full.
        self._validators[info.url] = crawlstate.Validators()

    def _sitemap_body(self, response: Response) -> bytes:
        """The sitemap XML, unpacked from a ``.xml.gz`` file (at most DOWNLOAD_MAXSIZE bytes)."""
        body = response.body
        if body[:2] == b"\x1f\x8b":  # gzip served without Content-Encoding
            body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        return body

    def _on_error(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]
        info: RequestInfo | None = request.meta.get("presswatch")
        kind = classify_failure(failure)
        detail = describe_failure(failure)
        self._error(kind, request.url, detail)
        if info is None:
            return
        if kind not in PERMANENT_KINDS:
            self._incomplete.update(info.origins)
        elif info.kind == ARTICLE:
            self._record_skip(info, request.url, f"{kind}: {detail}")

    def _on_request_dropped(self, request: Request, spider: Spider) -> None:
        # Redirects are scheduled like new requests: the duplicate filter drops one that comes
        # back to a URL already visited (a redirect loop), which reaches no errback.
        if spider is self and request.url in request.meta.get("redirect_urls", ()):
            self.request_refused(request, "redirect_loop")

    def request_refused(self, request: Request, kind: str) -> None:
        """Record a request dropped before download without an errback (see the middleware)."""
        info: RequestInfo | None = request.meta.get("presswatch")
        if info is None:
            return
        self._error(kind, request.url, f"found as {info.url[:200]}")
        if info.kind == ARTICLE:
            self._record_skip(info, request.url, f"{kind}: redirected to {request.url[:200]}")

    def _record_skip(self, info: RequestInfo, fetched_url: str, reason: str) -> None:
        self._count("skipped")
        for url in dict.fromkeys((info.url, fetched_url)):
            try:
                with self.batch.unit(on_lost=functools.partial(self.unit_lost, info.origins)):
                    record_skipped(
                        self.db, url, source=self.source.name, reason=reason, context=self.ingest
                    )
            except InvalidUrlError:
                continue  # e.g. a redirect target with another scheme: nothing to remember
            except sqlite3.Error as error:
                self._error("store_error", url, str(error))
                self._incomplete.update(info.origins)

    def _error(self, kind: str, url: str, detail: str, *, quiet: bool = False) -> None:
        self._count(f"errors/{kind}")
        if not quiet:
            logger.info("%s: %s (%s)", kind, url[:300], detail[:300], extra={"spider": self})

    def _count(self, key: str) -> None:
        self.crawler.stats.inc_value(f"presswatch/{key}")

    # -- the crawl run record ------------------------------------------------------------------

    def _begin_run(self) -> None:
        if self.run_id is None:
            self.run_id = crawlstate.start_run(self.db, self.source.name, self.started)
        else:
            crawlstate.claim_run(self.db, self.run_id, self.source.name, self.started)

    def mark_incomplete(self, origins: tuple[str, ...]) -> None:
        """Keep the validators of these listings, so that the next run reads them in full."""
        self._incomplete.update(origins)

    def unit_lost(self, origins: tuple[str, ...]) -> None:
        """An article or skip was written but its batch never committed (see WriteBatch)."""
        # Its listings must be read in full next run, or its URL would not be found again.
        self._count("errors/store_error")
        self._incomplete.update(origins)

    def record_progress(self, status: crawlstate.RunStatus, message: str) -> None:
        """Write the run's counts so far, e.g. when the process is asked to stop.

        The crawl may not get to close normally (the parent kills it after a grace period); the
        row then keeps what was done. A normal close overwrites it.
        """
        if self.run_id is None:
            return
        self.batch.commit()
        counts, errors = self._run_counts()
        crawlstate.finish_run(
            self.db,
            self.run_id,
            status=status,
            now=utcnow(),
            counts=counts,
            errors=errors,
            message=message,
        )

    def closed(self, reason: str) -> None:
        self.batch.commit()  # the pipeline commits when it closes; this is in case it did not
        counts, errors = self._run_counts()
        status, message = run_outcome(reason, counts.responses)
        now = utcnow()
        try:
            if reason == "finished":
                complete = {
                    url: value
                    for url, value in self._validators.items()
                    if url not in self._incomplete
                }
                crawlstate.save_validators(self.db, complete, now)
            if self.run_id is not None:
                crawlstate.finish_run(
                    self.db,
                    self.run_id,
                    status=status,
                    now=now,
                    counts=counts,
                    errors=errors,
                    message=message,
                )
        finally:
            release_batch(self.batch)
        logger.info(
            "crawl of %s %s: %d requests, %d responses, %d not modified, %d new, %d updated,"
            " %d skipped, errors %s",
            self.source.name,
            status,
            counts.requests,
            counts.responses,
            counts.not_modified,
            counts.new,
            counts.updated,
            counts.skipped,
            errors or "none",
            extra={"spider": self},
        )

    def _run_counts(self) -> tuple[crawlstate.RunCounts, dict[str, int]]:
        stats = self.crawler.stats
        counts = crawlstate.RunCounts(
            requests=stats.get_value("downloader/request_count", 0),
            responses=stats.get_value("presswatch/responses", 0),
            not_modified=stats.get_value("presswatch/not_modified", 0),
            new=stats.get_value("presswatch/new", 0),
            updated=stats.get_value("presswatch/updated", 0),
            skipped=stats.get_value("presswatch/skipped", 0),
        )
        errors = {
            key.removeprefix("presswatch/errors/"): value
            for key, value in stats.get_stats().items()
            if key.startswith("presswatch/errors/")
        }
        return counts, errors


def run_outcome(reason: str, responses: int) -> tuple[crawlstate.RunStatus, str | None]:
    """The crawl run status for a spider's close reason and its count of good responses.

    A crawl that finished without a single successful response is a failure: Scrapy says
    "finished" for a spider that made no request at all.
    """
    if reason == "finished":
        if responses == 0:
            return "failed", "no successful response from any feed, sitemap or page"
        return "ok", None
    if reason == "closespider_timeout":
        return "timeout", "crawl.cycle_timeout reached"
    if reason == "shutdown":
        return "killed", "stopped by a signal"
    if reason == "memusage_exceeded":
        return "failed", "crawl.memory_limit_mb exceeded"
    return "failed", f"closed: {reason}"


def _request(url: str, **kwargs: Any) -> Request | None:
    try:
        return Request(url, **kwargs)
    except ValueError as error:  # a URL Scrapy cannot handle
        logger.info("not requesting %r: %s", url[:300], error)
        return None


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    if value is None:
        return None
    return value.decode("latin-1", "replace")


def _reactor_call_later(delay: float, function: Any) -> Any:
    from twisted.internet import reactor  # the one Scrapy installed

    return reactor.callLater(delay, function)


def _declared_charset(response: Response) -> str | None:
    match = _CHARSET.search(_header(response, "Content-Type") or "")
    return match.group(1) if match else None
