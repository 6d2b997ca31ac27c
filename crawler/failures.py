"""Naming why a download failed, for the ``errors`` column of a crawl run.

Every failed request ends in one of a small set of kinds, so that ``crawl_runs.errors`` reads
like ``{"timeout": 2, "http_404": 1, "too_large": 1}`` and health checks can count them. A kind
is *permanent* when fetching the same URL again would fail the same way: such an article URL is
recorded as skipped and never fetched again, while a transient failure is retried next cycle.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotSupported,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer
from twisted.internet import error as twisted_errors
from twisted.python.failure import Failure

from crawler.addresses import refused_hosts
from crawler.middlewares import RefusedRequest

logger = logging.getLogger(__name__)

PERMANENT_KINDS = frozenset(
    {
        "blocked_address",
        "blocked_scheme",
        "offsite",
        "robots",
        "too_large",
        "redirect_loop",
        "bad_redirect",
        "not_html",
        "http_400",
        "http_401",
        "http_403",
        "http_404",
        "http_410",
        "http_451",
    }
)

_TIMEOUTS = (
    DownloadTimeoutError,
    defer.TimeoutError,
    twisted_errors.TimeoutError,
    twisted_errors.TCPTimedOutError,
)
_CONNECTION_ERRORS = (
    DownloadConnectionRefusedError,
    DownloadFailedError,
    twisted_errors.ConnectError,
    twisted_errors.ConnectionDone,
    twisted_errors.ConnectionLost,
    ConnectionError,
)


def classify_failure(failure: Failure) -> str:
    """The error kind of a failed request (see the module docstring)."""
    error = failure.value
    if isinstance(error, RefusedRequest):
        return error.kind
    if isinstance(error, HttpError):
        return _http_kind(error.response.status)
    if isinstance(error, IgnoreRequest):
        return _ignore_kind(error)
    if isinstance(error, _TIMEOUTS):
        return "timeout"
    if isinstance(error, CannotResolveHostError | twisted_errors.DNSLookupError):
        return _dns_kind(failure)
    if isinstance(error, DownloadCancelledError | defer.CancelledError):
        # The downloader cancels a body that grows past DOWNLOAD_MAXSIZE.
        return "too_large"
    if isinstance(error, ResponseDataLossError):
        return "data_loss"
    if isinstance(error, NotSupported | UnsupportedURLSchemeError):
        return "blocked_scheme"
    if isinstance(error, _CONNECTION_ERRORS):
        return "connection"
    return "download_error"


def _http_kind(status: int) -> str:
    if 300 <= status < 400:
        # RedirectMiddleware hands back a redirect it will not follow (to a non-http scheme,
        # or without a Location header).
        return "bad_redirect"
    return f"http_{status}"


def _ignore_kind(error: IgnoreRequest) -> str:
    text = str(error).lower()
    if "robots.txt" in text:
        return "robots"
    if "redirection" in text:
        return "redirect_loop"
    if "maxsize" in text or "max_size" in text or "exceeded" in text:
        return "too_large"
    if "offsite" in text:
        return "offsite"
    return "ignored"


def _dns_kind(failure: Failure) -> str:
    request = getattr(failure, "request", None)
    host = ""
    if request is not None:
        try:
            host = (urlsplit(request.url).hostname or "").lower()
        except ValueError:
            host = ""
    return "blocked_address" if host and host in refused_hosts else "dns"


def describe_failure(failure: Failure, limit: int = 300) -> str:
    """A one-line description of a failure for the log and the skip reason."""
    error: Any = failure.value
    if isinstance(error, HttpError):
        return f"HTTP {error.response.status}"
    text = f"{type(error).__name__}: {error}".replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
