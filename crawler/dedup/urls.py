"""URL identity: one key for all the addresses under which a site serves one article.

A news article is reachable under many URLs: the feed's link with ``utm_*`` parameters, the
sitemap's plain one, the section page's link with a trailing slash, the AMP edition, http and
https, with or without ``www.``. :func:`url_key` maps them all to one string, which the archive
stores in the UNIQUE column ``articles.url_key`` (and ``article_urls.url_key``), so that a second
copy cannot be inserted even if some code path forgets to look first.

The rules, in order:

- only http and https; the key always says ``https`` (a site serves the same article on both);
- Google AMP cache addresses (``*.cdn.ampproject.org/c/s/…``, ``google.com/amp/s/…``) are unwrapped;
- user name and password are dropped; the host is lower-cased, IDNA-encoded, without a final dot,
  and without a leading ``www.`` or ``amp.`` label (unless that would leave a bare public suffix);
- the default port (80 for http, 443) is dropped;
- the fragment is dropped;
- query parameters matching the tracking patterns (shell globs, case-insensitive), session
  identifiers and the AMP switches (``amp``, ``outputType=amp``) are dropped; the rest are sorted;
- percent-encoding is normalised and dot segments resolved (``w3lib.url.canonicalize_url``);
- ``amp`` path segments are removed, ``.amp.html`` becomes ``.html``, a trailing ``.amp`` goes;
- a trailing slash and empty segments (``//``) are dropped (the root path stays ``/``); the path
  keeps its case, because servers may treat ``/News/1`` and ``/news/1`` as different pages.
"""

from __future__ import annotations

import fnmatch
import functools
import ipaddress
import logging
import re
from collections.abc import Sequence
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import tldextract
from w3lib.url import canonicalize_url

from config.schema import DedupSettings

logger = logging.getLogger(__name__)

DEFAULT_TRACKING_PARAMETERS: tuple[str, ...] = tuple(DedupSettings().tracking_parameters)

# Session identifiers never name content; they are dropped whatever the configuration says.
SESSION_PARAMETERS: tuple[str, ...] = (
    "jsessionid",
    "phpsessid",
    "aspsessionid*",
    "sessionid",
    "cfid",
    "cftoken",
)
_AMP_PARAMETER_VALUES = {"amp": None, "outputtype": "amp", "output": "amp"}
_SUBDOMAIN_ALIASES = ("www", "amp")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Letters, digits, hyphens (and underscores, which some real hosts use), in dot-separated labels.
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sessionid)=[^/?#]*", re.IGNORECASE)

# The bundled Public Suffix List snapshot: presswatch never fetches the list from the network.
# Private suffixes (github.io, blogspot.com) count, so two blogs there are two sites.
_extract_domain = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)


class InvalidUrlError(ValueError):
    """The URL cannot name a web article: not http(s), no host, or a malformed port."""


def url_key(url: str, tracking_parameters: Sequence[str] = DEFAULT_TRACKING_PARAMETERS) -> str:
    """The identity of the article at ``url``: equal for every address of the same page.

    The key is itself an https URL (and ``url_key(url_key(u)) == url_key(u)``), but it is a key:
    fetch the URL the page was found at, or its canonical URL, not the key.
    """
    try:
        parts = urlsplit(_unwrap_amp_cache(url.strip()))
        port = parts.port
    except ValueError as error:  # an unclosed IPv6 bracket, a port out of range
        raise InvalidUrlError(f"malformed URL: {url!r}") from error
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidUrlError(f"not an http(s) URL: {url!r}")
    host = _key_host(parts.hostname or "")
    if not host:
        raise InvalidUrlError(f"URL without a valid host: {url!r}")
    netloc = host if port in (None, _DEFAULT_PORTS[scheme], 443) else f"{host}:{port}"
    path = _PATH_SESSION.sub("", parts.path)
    query = _strip_parameters(parts.query, (*tracking_parameters, *SESSION_PARAMETERS))
    normalised = canonicalize_url(urlunsplit(("https", netloc, path or "/", query, "")))
    return _strip_path_variants(normalised)


def same_site(url_a: str, url_b: str) -> bool:
    """True when both URLs belong to one site: the same registrable domain.

    ``news.example.co.uk`` and ``www.example.co.uk`` are one site; ``a.github.io`` and
    ``b.github.io`` are two. Hosts without a registrable domain (IP addresses, ``localhost``)
    are one site only with the same port, because that is how local test sites differ.
    """
    site_a, site_b = site_of(url_a), site_of(url_b)
    return site_a is not None and site_a == site_b


def site_of(url: str) -> str | None:
    """The site a URL belongs to (see :func:`same_site`), or None for a non-http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = _key_host(parts.hostname or "")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    port = port or _DEFAULT_PORTS[scheme]
    if _is_ip_address(host.strip("[]")) or "." not in host:
        return f"{host}:{port}"
    domain = _extract_domain(host).top_domain_under_public_suffix
    if domain:
        return domain
    # A suffix the list does not know (.test, .internal): take the last two labels.
    return ".".join(host.split(".")[-2:])


def preferred_url(
    page_url: str, rel_canonical: str | None = None, og_url: str | None = None
) -> str:
    """The URL the article should be stored under: the page's declared canonical URL if usable.

    ``rel=canonical`` wins over ``og:url``. A declared URL is ignored when it is not http(s), when
    it leaves the page's site (a canonical pointing at another outlet is syndication, which story
    linking handles) or when it points at the site's home page from an article page (a common
    template mistake that would otherwise fold every article of the site into one).
    """
    for declared in (rel_canonical, og_url):
        if not declared or not declared.strip():
            continue
        candidate = urljoin(page_url, declared.strip())
        if _usable_canonical(page_url, candidate):
            return candidate
        logger.debug("ignoring declared canonical URL %r of %r", candidate, page_url)
    return page_url


def _usable_canonical(page_url: str, candidate: str) -> bool:
    if not same_site(page_url, candidate):
        return False
    candidate_is_home = urlsplit(candidate).path.strip("/") == ""
    page_is_home = urlsplit(page_url).path.strip("/") == ""
    return page_is_home or not candidate_is_home


def _unwrap_amp_cache(url: str) -> str:
    # https://example-com.cdn.ampproject.org/c/s/example.com/a/b -> https://example.com/a/b
    # https://www.google.com/amp/s/example.com/a/b -> https://example.com/a/b
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.endswith(".cdn.ampproject.org"):
        prefix = re.match(r"^/[a-z]+/(s/)?", parts.path)
    elif host in ("google.com", "www.google.com"):
        prefix = re.match(r"^/amp/(s/)?", parts.path)
    else:
        return url
    if prefix is None or len(parts.path) == prefix.end():
        return url
    scheme = "https" if prefix.group(1) else "http"
    inner = parts.path[prefix.end() :]
    return f"{scheme}://{inner}" + (f"?{parts.query}" if parts.query else "")


def _key_host(hostname: str) -> str:
    """The host as the key spells it, or "" when it is not a valid host name."""
    host = _idna(hostname.rstrip("."))
    if _is_ip_address(host):
        return f"[{host}]" if ":" in host else host
    if not _HOST_NAME.fullmatch(host):
        return ""
    labels = host.split(".")
    while len(labels) > 2 and labels[0] in _SUBDOMAIN_ALIASES and not _is_public_suffix(labels[1:]):
        labels = labels[1:]
    return ".".join(labels)


@functools.lru_cache(maxsize=4096)
def _idna(host: str) -> str:
    host = host.lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        # Not a valid IDN (an empty or over-long label, a forbidden character).
        return ""


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_public_suffix(labels: list[str]) -> bool:
    return _extract_domain(".".join(labels)).domain == ""


def _strip_parameters(query: str, patterns: Sequence[str]) -> str:
    lowered_patterns = [pattern.lower() for pattern in patterns]
    kept = []
    for pair in re.split(r"[&;]", query):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        name = unquote(name.replace("+", " ")).strip().lower()
        if _is_amp_switch(name, unquote(value).strip().lower()):
            continue
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in lowered_patterns):
            continue
        kept.append(pair)
    return "&".join(kept)


def _is_amp_switch(name: str, value: str) -> bool:
    if name not in _AMP_PARAMETER_VALUES:
        return False
    required_value = _AMP_PARAMETER_VALUES[name]
    return required_value is None or value == required_value


def _strip_path_variants(url: str) -> str:
    parts = urlsplit(url)
    segments = [segment for segment in parts.path.split("/") if segment.lower() != "amp"]
    while segments and not segments[-1]:  # trailing slashes
        segments.pop()
    if segments:
        last = segments[-1]
        lowered = last.lower()
        if lowered.endswith(".amp.html"):
            segments[-1] = last[: -len(".amp.html")] + ".html"
        elif lowered.endswith(".amp") and len(last) > len(".amp"):
            segments[-1] = last[: -len(".amp")]
    path = "/" + "/".join(segment for segment in segments if segment)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
