"""What the crawler remembers to save work, and that remembering weakens no check.

* the connect-time resolver reuses the *permitted* addresses of a lookup for a while; a name
  that rebinds to a private address is refused as soon as it is looked up again;
* URL keys are computed once per URL and crawl.
"""

from __future__ import annotations

import pytest
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IHostnameResolver
from zope.interface import implementer

from crawler.addresses import (
    RESOLUTION_CACHE_SECONDS,
    AddressPolicy,
    GuardedResolver,
    refused_hosts,
)
from crawler.dedup import InvalidUrlError, url_key
from crawler.ingest import IngestContext, WatchListMatcher
from tests.crawl_support import CollectedResolution


@implementer(IHostnameResolver)
class _HostsTable:
    """A name resolver that answers from a table, like /etc/hosts, and counts its lookups."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.lookups: list[str] = []

    def resolveHostName(
        self, receiver, hostName, portNumber=0, addressTypes=None, transportSemantics="TCP"
    ):
        self.lookups.append(hostName)
        receiver.resolutionBegan(None)
        for text in self.table.get(hostName, []):
            kind = IPv6Address if ":" in text else IPv4Address
            receiver.addressResolved(kind("TCP", text, portNumber))
        receiver.resolutionComplete()


class _Reactor:
    def __init__(self, resolver: _HostsTable) -> None:
        self.nameResolver = resolver


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _lookup(resolver: GuardedResolver, host: str, port: int = 80) -> list[str]:
    collected = CollectedResolution()
    resolver.resolveHostName(collected, host, port)
    assert collected.completed
    return collected.addresses


def test_permitted_addresses_are_reused_and_private_ones_never_are():
    table = _HostsTable({"news.example": ["93.184.216.34", "10.0.0.5"]})
    clock = _Clock()
    resolver = GuardedResolver(_Reactor(table), AddressPolicy(False), clock=clock)

    assert _lookup(resolver, "news.example") == ["93.184.216.34"]
    assert _lookup(resolver, "NEWS.example") == ["93.184.216.34"]  # from the cache
    assert table.lookups == ["news.example"]
    assert _lookup(resolver, "news.example", port=443) == ["93.184.216.34"]  # another key
    assert len(table.lookups) == 2


def test_a_rebinding_name_is_refused_once_its_cached_answer_expires():
    table = _HostsTable({"rebind.example": ["93.184.216.34"]})
    clock = _Clock()
    resolver = GuardedResolver(_Reactor(table), AddressPolicy(False), clock=clock)
    assert _lookup(resolver, "rebind.example") == ["93.184.216.34"]

    table.table["rebind.example"] = ["169.254.169.254"]
    clock.now += RESOLUTION_CACHE_SECONDS - 1
    assert _lookup(resolver, "rebind.example") == ["93.184.216.34"]  # still the public one
    clock.now += 2
    refused_hosts.pop("rebind.example", None)
    assert _lookup(resolver, "rebind.example") == []
    assert "rebind.example" in refused_hosts


def test_refused_answers_are_looked_up_and_recorded_every_time():
    table = _HostsTable({"intranet.example": ["127.0.0.1", "::1"]})
    resolver = GuardedResolver(_Reactor(table), AddressPolicy(False), clock=_Clock())
    for _ in range(2):
        refused_hosts.pop("intranet.example", None)
        assert _lookup(resolver, "intranet.example") == []
        assert refused_hosts["intranet.example"].startswith("address ")
    assert table.lookups == ["intranet.example", "intranet.example"]


def test_url_keys_are_remembered_and_invalid_urls_still_refused():
    context = IngestContext(
        matcher=WatchListMatcher([]), linker_threshold=0.5, tracking_parameters=("utm_*",)
    )
    url = "https://www.Example.com/a/story.html?utm_source=feed&id=7"
    assert context.key(url) == url_key(url, ("utm_*",))
    assert context.key(url) == url_key(url, ("utm_*",))
    for _ in range(2):
        with pytest.raises(InvalidUrlError):
            context.key("ftp://example.com/file")
