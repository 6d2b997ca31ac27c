"""URL rules: canonical URLs that stay on the page's own site, only http(s)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit, urlunsplit

import tldextract

_AMP_PATH = re.compile(r"(?:^|/)amp(?:/|$)|[./]amp\.html?$|\.amp$", re.IGNORECASE)
_AMP_CACHE_SUFFIX = ".cdn.ampproject.org"


@functools.cache
def _domain_extractor() -> tldextract.TLDExtract:
    # The bundled public-suffix snapshot only: no download at run time, no cache files.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registered_domain(url: str) -> str:
    """The registrable domain of a URL ("bbc.co.uk" for news.bbc.co.uk; the host for an IP)."""
    return _registered_domain_of_host((urlsplit(url).hostname or "").lower().rstrip("."))


@functools.lru_cache(maxsize=4096)
def _registered_domain_of_host(host: str) -> str:
    # Cached: every page asks about its own host and its canonical URL's, a crawl about a few
    # hosts, and the public-suffix lookup costs more than the rest of choosing the canonical URL.
    if not host:
        return ""
    parts = _domain_extractor()(host)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}"
    return host


def http_url(url: str | None, base: str) -> str | None:
    """``url`` resolved against ``base``, without fragment, if it is an http(s) URL."""
    if not url:
        return None
    try:
        resolved = urljoin(base, url.strip())
        parts = urlsplit(resolved)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def is_amp_url(url: str) -> bool:
    """URLs that name an AMP rendering (``/amp/``, ``?amp``, ``.amp.html``, the AMP cache)."""
    parts = urlsplit(url)
    if (parts.hostname or "").endswith(_AMP_CACHE_SUFFIX):
        return True
    query_keys = {pair.split("=", 1)[0].lower() for pair in parts.query.split("&") if pair}
    return bool(_AMP_PATH.search(parts.path)) or bool(query_keys & {"amp", "outputtype"})


def choose_canonical(page_url: str, candidates: Iterable[str | None], *, is_amp: bool) -> str:
    """The first candidate on the page's own registered domain, else the page URL itself.

    A canonical pointing to the site's root from a deeper page is a template mistake (every page
    claiming to be the home page) and is ignored. An AMP page served from the AMP cache may name
    its publisher's URL: the cache is a proxy, not a site, so that is the one cross-domain
    canonical accepted.
    """
    own_url = http_url(page_url, page_url) or page_url
    own_domain = registered_domain(own_url)
    from_amp_cache = is_amp and (urlsplit(own_url).hostname or "").endswith(_AMP_CACHE_SUFFIX)
    for candidate in candidates:
        resolved = http_url(candidate, own_url)
        if resolved is None or _is_root_for_deeper_page(resolved, own_url):
            continue
        if from_amp_cache or registered_domain(resolved) == own_domain:
            return resolved
    return own_url


def _is_root_for_deeper_page(candidate: str, page_url: str) -> bool:
    return urlsplit(candidate).path in ("", "/") and urlsplit(page_url).path not in ("", "/")
