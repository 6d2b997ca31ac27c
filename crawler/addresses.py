"""Which network addresses the crawler may connect to (the SSRF guard).

A source's feed, a redirect or a link on a page can point the crawler at any address: the
loopback interface, the cloud metadata service (169.254.169.254), a router on the LAN. By default
presswatch connects only to *global* addresses. ``crawl.allow_private_addresses`` widens that:
``true`` allows every address, a list such as ``["127.0.0.1", "10.0.0.0/8"]`` allows those
addresses and networks besides the global ones (the tests use it to reach the local news web).

The check runs twice for every request, redirects included:

1. :class:`crawler.middlewares.AddressGuardMiddleware` refuses the URL before it is queued for
   download: a scheme other than http(s), a numeric host in any of the forms the C resolver
   accepts (``2130706433``, ``0x7f000001``, ``0177.0.0.1``, ``127.1``, ``[::ffff:127.0.0.1]``),
   or a name that resolves to a refused address. This gives the crawl run a clear reason.
2. :class:`GuardedResolver`, installed as the Twisted name resolver, drops refused addresses from
   every lookup the downloader makes when it connects. A name that resolved to a public address
   for step 1 and to a private one a moment later (DNS rebinding) still cannot be reached.

Both remember their answers for a while, as any resolver does: step 1 its verdict per host name
for the crawl, step 2 the *permitted* addresses of a lookup for ``RESOLUTION_CACHE_SECONDS``.
Remembering cannot open a way around the guard: the downloader connects only to addresses from
step 2's cache or lookups, and only permitted addresses ever enter that cache.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import socket
import time
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from twisted.internet.interfaces import IHostnameResolver, IHostResolution, IResolutionReceiver
from zope.interface import implementer, provider

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
ALLOWED_SCHEMES = ("http", "https")

# IPv6 ranges that carry an IPv4 address inside them: the embedded address decides.
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
# How long the connect-time resolver reuses the permitted addresses of a lookup: a new
# connection to the same host (most of a crawl's) then needs no lookup in a thread.
RESOLUTION_CACHE_SECONDS = 60.0
_RESOLUTION_CACHE_SIZE = 10_000


class AddressPolicy:
    """Decides whether an IP address may be connected to.

    :param allow: ``False`` for global addresses only, ``True`` for any address, or a list of
        addresses and networks allowed besides the global ones.
    """

    def __init__(self, allow: bool | Sequence[str] = False) -> None:
        self.allow_all = allow is True
        self.networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
        if isinstance(allow, list | tuple):
            self.networks = tuple(ipaddress.ip_network(item, strict=False) for item in allow)

    def __repr__(self) -> str:
        if self.allow_all:
            return "AddressPolicy(allow all)"
        return f"AddressPolicy(global + {[str(net) for net in self.networks]})"

    def permits(self, address: IPAddress | str) -> bool:
        """True when the crawler may connect to ``address``."""
        if isinstance(address, str):
            address = ipaddress.ip_address(address.split("%", 1)[0])
        if self.allow_all:
            return True
        if any(address in network for network in self.networks):
            return True
        return _is_public(address)

    def refusal(self, addresses: Iterable[str]) -> str | None:
        """Why one of ``addresses`` (the lookup result for a host) is refused, or None."""
        for text in addresses:
            if not self.permits(text):
                return f"address {text} is not public"
        return None


def _is_public(address: IPAddress) -> bool:
    if address.is_multicast or not address.is_global:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return _is_public(embedded)
        if address in _IPV4_COMPATIBLE:
            return False
    return True


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


@functools.lru_cache(maxsize=4096)  # a pure function of the text: no DNS lookup is involved
def numeric_host_address(host: str) -> str | None:
    """The address a numeric host stands for, in every form the C library accepts, else None.

    ``2130706433``, ``0x7f000001``, ``0177.0.0.1`` and ``127.1`` all mean 127.0.0.1 to
    ``getaddrinfo``, and so to the downloader; ``ipaddress`` alone would call them host names.
    """
    host = host.strip("[]")
    # An IPv6 zone (fe80::1%eth0, percent-encoded as %25eth0) does not change the address.
    for candidate in dict.fromkeys((host, unquote(host), unquote(host).split("%", 1)[0])):
        try:
            results = socket.getaddrinfo(
                candidate, None, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
            )
        except (OSError, UnicodeError, ValueError):
            continue
        if results:
            return str(results[0][4][0])
    return None


def resolve_host(host: str, port: int | None = None) -> list[str]:
    """Every address ``host`` resolves to (blocking; call it from a thread)."""
    results = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    return sorted({str(result[4][0]) for result in results})


def url_refusal(url: str, policy: AddressPolicy) -> str | None:
    """Why ``url`` is refused without a DNS lookup (scheme, malformed, numeric host), or None.

    A host *name* passes here; :meth:`AddressPolicy.refusal` judges what it resolves to.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return "malformed URL"
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return f"scheme {parts.scheme or '(none)'!r} is not allowed"
    if not parts.hostname:
        return "URL without a host"
    address = numeric_host_address(parts.hostname)
    if address is not None and not policy.permits(address):
        return f"address {address} is not public"
    return None


def policy_from_setting(value: Any) -> AddressPolicy:
    """An :class:`AddressPolicy` from the value of ``crawl.allow_private_addresses``."""
    if value is True or value is False:
        return AddressPolicy(value)
    if isinstance(value, str):  # a Scrapy -s override arrives as text
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return AddressPolicy(True)
        if lowered in ("false", "0", "no", ""):
            return AddressPolicy(False)
        return AddressPolicy([item.strip() for item in value.split(",") if item.strip()])
    if isinstance(value, list | tuple):
        return AddressPolicy(list(value))
    return AddressPolicy(False)


# Hosts the resolver refused, so that the failed request can be recorded as "blocked_address"
# rather than as a DNS error. Only this process's downloader writes it.
refused_hosts: dict[str, str] = {}


@implementer(IHostnameResolver)
class GuardedResolver:
    """A Twisted name resolver that hands the downloader only permitted addresses.

    Set as ``TWISTED_DNS_RESOLVER``; it wraps the reactor's own resolver (``getaddrinfo`` in a
    thread), so it resolves IPv4 and IPv6 names and numeric hosts exactly as the system does.
    """

    def __init__(self, reactor: Any, policy: AddressPolicy, clock: Any = time.monotonic) -> None:
        self.reactor = reactor
        self.policy = policy
        self.original_resolver: IHostnameResolver = reactor.nameResolver
        self.clock = clock
        # (host, port, address types, semantics) -> (when, the permitted addresses)
        self._permitted: dict[tuple[Any, ...], tuple[float, list[Any]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        # Scrapy builds the resolver with the crawler *process*, whose settings may not hold the
        # presswatch configuration yet; crawler.settings.address_policy loads it if needed.
        from crawler.settings import address_policy

        return cls(reactor, address_policy(crawler.settings))

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        key = (hostName.lower(), portNumber, tuple(addressTypes or ()), transportSemantics)
        cached = self._permitted.get(key)
        if cached is not None and self.clock() - cached[0] < RESOLUTION_CACHE_SECONDS:
            resolution = _CachedResolution(hostName)
            resolutionReceiver.resolutionBegan(resolution)
            for address in cached[1]:
                resolutionReceiver.addressResolved(address)
            resolutionReceiver.resolutionComplete()
            return resolution
        receiver = _GuardedReceiver(
            resolutionReceiver,
            hostName,
            self.policy,
            remember=functools.partial(self._remember, key),
        )
        return self.original_resolver.resolveHostName(
            receiver, hostName, portNumber, addressTypes, transportSemantics
        )

    def _remember(self, key: tuple[Any, ...], permitted: list[Any]) -> None:
        if not permitted:
            return  # a refused or failed lookup is asked again, and recorded again
        if len(self._permitted) >= _RESOLUTION_CACHE_SIZE:
            self._permitted.clear()
        self._permitted[key] = (self.clock(), permitted)


@implementer(IHostResolution)
class _CachedResolution:
    """A lookup answered from the cache: complete before anyone could cancel it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        pass


@provider(IResolutionReceiver)
class _GuardedReceiver:
    def __init__(
        self,
        receiver: IResolutionReceiver,
        host: str,
        policy: AddressPolicy,
        remember: Any = None,
    ) -> None:
        self.receiver = receiver
        self.host = host
        self.policy = policy
        self.remember = remember  # called with the permitted addresses when complete
        self.permitted: list[Any] = []

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: Any) -> None:
        host = getattr(address, "host", "")
        try:
            permitted = self.policy.permits(host)
        except ValueError:
            permitted = False
        if permitted:
            self.permitted.append(address)
            self.receiver.addressResolved(address)
            return
        refused_hosts[self.host.lower()] = f"address {host} is not public"
        logger.warning("refused to connect to %s: it resolved to %s", self.host, host)

    def resolutionComplete(self) -> None:
        if self.remember is not None:
            self.remember(self.permitted)
        self.receiver.resolutionComplete()
