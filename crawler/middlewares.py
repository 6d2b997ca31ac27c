"""Downloader middlewares: the address guard and a port-aware offsite filter.

Both run for every request the downloader is asked for, including the ones RedirectMiddleware
builds from a ``Location`` header and robots.txt requests, so a redirect is checked again before
it is followed. A refused request raises an :class:`IgnoreRequest` subclass that names the kind
of refusal, which the spider records in the crawl run.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.threads import deferToThread

from crawler.addresses import AddressPolicy, numeric_host_address, resolve_host, url_refusal
from crawler.settings import address_policy

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}


class RefusedRequest(IgnoreRequest):
    """A request presswatch refuses to send; ``kind`` is the error kind recorded for it."""

    kind = "refused"


class RefusedScheme(RefusedRequest):
    kind = "blocked_scheme"


class RefusedAddress(RefusedRequest):
    kind = "blocked_address"


class RefusedOffsite(RefusedRequest):
    kind = "offsite"


class AddressGuardMiddleware:
    """Refuse non-http(s) URLs and hosts that are or resolve to non-public addresses.

    See :mod:`crawler.addresses` for the policy and for the second check at connect time.
    """

    def __init__(self, policy: AddressPolicy, stats: Any = None) -> None:
        self.policy = policy
        self.stats = stats
        self._host_verdicts: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> AddressGuardMiddleware:
        return cls(address_policy(crawler.settings), crawler.stats)

    async def process_request(self, request: Request) -> None:
        refusal = url_refusal(request.url, self.policy)
        if refusal is None:
            refusal = await self._name_refusal(request)
        if refusal is None:
            return
        if self.stats is not None:
            self.stats.inc_value("presswatch/refused")
        logger.warning("refused %s: %s", request.url[:300], refusal)
        error = RefusedScheme if refusal.startswith("scheme") else RefusedAddress
        raise error(f"{refusal}: {request.url[:300]}")

    async def _name_refusal(self, request: Request) -> str | None:
        if self.policy.allow_all:
            return None
        parts = urlparse_cached(request)
        host = (parts.hostname or "").lower()
        if numeric_host_address(host) is not None:
            return None  # a numeric host was judged by url_refusal
        if host not in self._host_verdicts:
            try:
                addresses = await maybe_deferred_to_future(deferToThread(resolve_host, host))
            except (OSError, UnicodeError):
                # Let the downloader fail it, so that it is counted as a DNS error.
                return None
            self._host_verdicts[host] = self.policy.refusal(addresses)
        return self._host_verdicts[host]


class SourceOffsiteMiddleware(OffsiteMiddleware):
    """Scrapy's offsite filter, also telling apart ports of one host.

    ``allowed_domains`` match host names only, so every site served on 127.0.0.1 would count as
    one. A request is on-site only if its port is the scheme's default or one that the spider's
    ``allowed_ports`` lists (the ports of the source's configured URLs).
    """

    def should_follow(self, request: Request, spider: Spider) -> bool:
        if not super().should_follow(request, spider):
            return False
        allowed_ports = getattr(spider, "allowed_ports", None)
        if not allowed_ports:
            return True
        return request_port(request.url) in allowed_ports

    def process_request(self, request: Request) -> None:  # type: ignore[override]
        # Unlike Scrapy's filter this one has no exceptions: a retried request carries
        # dont_filter=True, and so does the redirect it leads to, which would leave the site.
        spider = self.crawler.spider
        if spider is None or self.should_follow(request, spider):
            return
        host = urlparse_cached(request).hostname or ""
        if host not in self.domains_seen:
            self.domains_seen.add(host)
            logger.info("refused off-site request to %r: %s", host, request.url[:300])
        self.stats.inc_value("offsite/filtered")
        raise RefusedOffsite(f"off-site request to {host!r}")

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        # A redirect off the site is dropped here, when it is scheduled, and no errback hears
        # of it: tell the spider, so that the crawl run records it.
        try:
            self.process_request(request)
        except RefusedOffsite:
            refused = getattr(spider, "request_refused", None)
            if refused is not None:
                refused(request, RefusedOffsite.kind)
            raise


def request_port(url: str) -> int | None:
    try:
        parts = urlsplit(url)
        return parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
