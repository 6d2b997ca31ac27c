"""Scrapy settings of the presswatch crawler: safe and polite defaults, then the configuration.

Scrapy reads the upper-case names of this module (``scrapy.cfg`` points here), so that
``scrapy list`` and ``scrapy crawl source -a source="Example Times"`` work from the repository
root. The values below are the defaults for a crawl without a presswatch configuration; a crawl
of a configured source overrides them from the ``[crawl]`` table of ``presswatch.toml`` through
:func:`scrapy_settings_for` (the spider's ``update_settings``). ``-s NAME=VALUE`` on the command
line still wins, as usual in Scrapy.

The configuration directory is ``-s PRESSWATCH_CONFIG=DIR``, else ``$PRESSWATCH_CONFIG``, else
``./config``.
"""

from __future__ import annotations

import logging
from typing import Any

from config import Config, ConfigError, load_config
from config.schema import CrawlSettings

logger = logging.getLogger(__name__)

_MIB = 1024 * 1024
_DEFAULTS = CrawlSettings()

BOT_NAME = "presswatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
ADDONS: dict[str, int] = {}

# Where the presswatch configuration lives (None: $PRESSWATCH_CONFIG, else ./config).
PRESSWATCH_CONFIG: str | None = None
# false: global addresses only; true: any; a list: these addresses or networks as well.
# None means "take crawl.allow_private_addresses from the configuration".
PRESSWATCH_ALLOW_PRIVATE_ADDRESSES: bool | list[str] | None = None

# Politeness: identify ourselves, obey robots.txt, keep per-domain load low.
USER_AGENT = _DEFAULTS.user_agent
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = _DEFAULTS.concurrency
CONCURRENT_REQUESTS_PER_DOMAIN = _DEFAULTS.concurrency_per_domain
DOWNLOAD_DELAY = _DEFAULTS.delay
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = _DEFAULTS.delay
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = float(_DEFAULTS.concurrency_per_domain)
COOKIES_ENABLED = False  # articles need no session; cookies only feed session-id traps
# Items are stored one by one in the reactor thread; Scrapy starts this many asyncio workers
# for every callback's output, which at the default 100 cost more CPU than the items.
CONCURRENT_ITEMS = 8
# A development aid that re-reads and parses the callback's source code with ``ast`` for every
# response (its cache is keyed by the bound method, a new object each time): 0.3 ms per page.
WARN_ON_GENERATOR_RETURN_VALUE = False

# Bounds: no page, crawl or process grows without limit.
DOWNLOAD_MAXSIZE = int(_DEFAULTS.max_page_mb * _MIB)
DOWNLOAD_WARNSIZE = 2 * _MIB
DOWNLOAD_TIMEOUT = _DEFAULTS.timeout.total_seconds()
DOWNLOAD_FAIL_ON_DATALOSS = True
RETRY_ENABLED = True
RETRY_TIMES = _DEFAULTS.retries
REDIRECT_MAX_TIMES = 10
DEPTH_LIMIT = _DEFAULTS.max_depth
URLLENGTH_LIMIT = 2000
MEMUSAGE_ENABLED = True
MEMUSAGE_LIMIT_MB = _DEFAULTS.memory_limit_mb
MEMUSAGE_WARNING_MB = int(_DEFAULTS.memory_limit_mb * 0.75)
MEMUSAGE_CHECK_INTERVAL_SECONDS = 2.0
CLOSESPIDER_TIMEOUT = _DEFAULTS.cycle_timeout.total_seconds()
REACTOR_THREADPOOL_MAXSIZE = 4

# Safety: http(s) only, no private addresses, no remote code or shell access into the crawler.
DOWNLOAD_HANDLERS = {
    "http": "crawler.downloads.KeepAliveDownloadHandler",
    "https": "crawler.downloads.KeepAliveDownloadHandler",
    "file": None,
    "data": None,
    "ftp": None,
    "s3": None,
}
TWISTED_DNS_RESOLVER = "crawler.addresses.GuardedResolver"
HTTPPROXY_ENABLED = False  # a proxy would resolve names where the address guard cannot see
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
}
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.AddressGuardMiddleware": 40,
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.SourceOffsiteMiddleware": 50,
    # Sources have no HTTP credentials; nothing for it to do on any request.
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
}
SPIDER_MIDDLEWARES = {
    # A development aid (warns when a spider copies Scrapy's internal meta keys, which this
    # spider never does), run on every request a callback yields.
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
    # Works out a Referer header for every request a callback yields (~12 us each); news sites
    # do not need to be told which of their own listings led to a page.
    "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
}
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"


MIN_DOWNLOAD_DELAY = 0.001  # seconds


def scrapy_settings_for(crawl: CrawlSettings) -> dict[str, Any]:
    """The Scrapy settings that carry out a ``[crawl]`` configuration table."""
    max_size = int(crawl.max_page_mb * _MIB)
    return {
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_domain,
        # Never exactly 0: Scrapy 2.19 (asyncio reactor) then starts every queued request of a
        # site at once, far beyond CONCURRENT_REQUESTS_PER_DOMAIN (9 in flight against a limit
        # of 2, measured); any positive delay keeps the limit.
        "DOWNLOAD_DELAY": max(crawl.delay, MIN_DOWNLOAD_DELAY),
        # AutoThrottle adapts the delay to the server's latency, never going below
        # DOWNLOAD_DELAY; with no delay configured (tests, local mirrors) it stays off.
        "AUTOTHROTTLE_ENABLED": crawl.delay > 0,
        "AUTOTHROTTLE_START_DELAY": max(crawl.delay, 1.0),
        "AUTOTHROTTLE_MAX_DELAY": max(60.0, crawl.delay * 10),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.concurrency_per_domain),
        "DOWNLOAD_MAXSIZE": max_size,
        "DOWNLOAD_WARNSIZE": min(2 * _MIB, max_size),
        "DOWNLOAD_TIMEOUT": crawl.timeout.total_seconds(),
        "RETRY_TIMES": crawl.retries,
        "DEPTH_LIMIT": crawl.max_depth,
        "MEMUSAGE_LIMIT_MB": crawl.memory_limit_mb,
        "MEMUSAGE_WARNING_MB": int(crawl.memory_limit_mb * 0.75),
        "CLOSESPIDER_TIMEOUT": crawl.cycle_timeout.total_seconds(),
        "PRESSWATCH_ALLOW_PRIVATE_ADDRESSES": crawl.allow_private_addresses,
    }


def load_presswatch_config(settings: Any) -> Config:
    """The presswatch configuration named by the ``PRESSWATCH_CONFIG`` setting (or default).

    :raises ConfigError: when the directory is missing or invalid.
    """
    return load_config(settings.get("PRESSWATCH_CONFIG") or None)


def address_policy(settings: Any) -> Any:
    """The :class:`~crawler.addresses.AddressPolicy` these settings ask for.

    ``PRESSWATCH_ALLOW_PRIVATE_ADDRESSES`` if set, else ``crawl.allow_private_addresses`` from the
    configuration, else the safe default (global addresses only).
    """
    from crawler.addresses import policy_from_setting

    value = settings.get("PRESSWATCH_ALLOW_PRIVATE_ADDRESSES")
    if value is None:
        try:
            value = load_presswatch_config(settings).settings.crawl.allow_private_addresses
        except ConfigError as error:
            logger.info("no presswatch configuration (%s): only public addresses allowed", error)
            value = False
    return policy_from_setting(value)
