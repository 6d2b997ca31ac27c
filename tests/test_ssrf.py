"""The SSRF guard: which URLs and addresses the crawler refuses, down to the socket.

The table tests judge each URL form and address; the crawl tests run real crawl children against
real loopback listeners that count every connection they receive.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from twisted.internet.address import IPv4Address, IPv6Address

from crawler.addresses import (
    AddressPolicy,
    _GuardedReceiver,
    numeric_host_address,
    policy_from_setting,
    refused_hosts,
    url_refusal,
)
from scheduler.crawl import run_crawl
from tests.crawl_support import CollectedResolution, write_config

DEFAULT = AddressPolicy(False)

REFUSED_ADDRESSES = [
    "127.0.0.1",
    "127.0.0.2",
    "127.255.255.254",
    "0.0.0.0",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "192.0.2.1",
    "198.18.0.1",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::127.0.0.1",
    "2002:7f00:1::1",
    "64:ff9b::7f00:1",
    "2001:db8::1",
    "ff02::1",
]
PUBLIC_ADDRESSES = ["93.184.216.34", "1.1.1.1", "8.8.8.8", "2606:4700:4700::1111"]


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_non_public_addresses_are_refused_by_default(address):
    assert not DEFAULT.permits(address)


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_addresses_are_permitted(address):
    assert DEFAULT.permits(address)


def test_an_allow_list_permits_exactly_its_addresses_and_networks():
    policy = AddressPolicy(["127.0.0.1", "10.0.0.0/8"])
    assert policy.permits("127.0.0.1") and policy.permits("10.20.30.40")
    assert not policy.permits("127.0.0.2")
    assert not policy.permits("::1")
    assert not policy.permits("169.254.169.254")
    assert policy.permits("1.1.1.1")
    assert AddressPolicy(True).permits("169.254.169.254")


@pytest.mark.parametrize(
    "setting, address, permitted",
    [
        ("false", "127.0.0.1", False),
        ("true", "127.0.0.1", True),
        ("127.0.0.1, 10.0.0.0/8", "10.1.1.1", True),
        ("127.0.0.1", "127.0.0.2", False),
        (None, "127.0.0.1", False),
    ],
)
def test_policy_from_a_command_line_setting(setting, address, permitted):
    assert policy_from_setting(setting).permits(address) is permitted


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://0/",
        "http://0.0.0.0:8080/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[0:0:0:0:0:ffff:7f00:1]/",
        "http://[::]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://172.16.0.1/",
        "http://192.168.0.1/",
        "http://[fc00::1]/",
        "http://[fe80::1%25eth0]/",
        "http://100.64.0.1/",
        "file:///etc/passwd",
        "ftp://127.0.0.1/",
        "data:text/html,<p>x</p>",
        "s3://bucket/key",
        "gopher://127.0.0.1:70/_x",
        "javascript:alert(1)",
        "http:///no-host",
        "http://[::1/",
    ],
)
def test_url_forms_refused_without_a_dns_lookup(url):
    assert url_refusal(url, DEFAULT) is not None


def test_host_names_and_public_addresses_pass_to_the_resolver_check():
    assert url_refusal("https://news.example/a", DEFAULT) is None
    assert url_refusal("http://93.184.216.34/", DEFAULT) is None
    assert numeric_host_address("news.example") is None
    assert numeric_host_address("2130706433") == "127.0.0.1"


def test_resolver_drops_private_answers_at_connect_time():
    # A rebinding name: public for the first lookup, loopback and metadata for the next one.
    collected = CollectedResolution()
    receiver = _GuardedReceiver(collected, "rebind.example", AddressPolicy(["127.0.0.1"]))
    for address in (
        IPv4Address("TCP", "93.184.216.34", 80),
        IPv4Address("TCP", "169.254.169.254", 80),
        IPv6Address("TCP", "::1", 80),
        IPv4Address("TCP", "127.0.0.1", 80),
        IPv4Address("TCP", "127.0.0.2", 80),
    ):
        receiver.addressResolved(address)
    receiver.resolutionComplete()

    assert collected.addresses == ["93.184.216.34", "127.0.0.1"]
    assert collected.completed
    assert "rebind.example" in refused_hosts


# --- real crawls against counting listeners ---------------------------------------------------


class _Listener:
    """An HTTP server on one loopback address that counts requests and serves fixed routes."""

    def __init__(self, host: str, port: int, routes: dict[str, tuple[int, dict[str, str]]]):
        self.requests: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                listener.requests.append(self.path)
                status, headers = routes.get(self.path, (404, {}))
                body = b"<html><body><p>listed</p></body></html>" if status == 200 else b""
                self.send_response(status)
                for name, value in {"Content-Type": "text/html", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        server_class = type("Server", (ThreadingHTTPServer,), {"address_family": family})
        self.server = server_class((host, port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@contextmanager
def _listeners(routes: dict[str, tuple[int, dict[str, str]]]) -> Iterator[dict[str, _Listener]]:
    """Listeners on 127.0.0.1, 127.0.0.2 and (if the host has IPv6) ::1, on one port number."""
    for _ in range(20):
        with _Listener("127.0.0.1", 0, routes) as first:
            try:
                others = {"127.0.0.2": _Listener("127.0.0.2", first.port, routes)}
                if socket.has_ipv6:
                    with suppress(OSError):
                        others["::1"] = _Listener("::1", first.port, routes)
            except OSError:
                continue  # the port is taken on another address: try another one
            for listener in others.values():
                listener.__enter__()
            try:
                yield {"127.0.0.1": first, **others}
            finally:
                for listener in others.values():
                    listener.__exit__(None, None, None)
            return
    raise RuntimeError("no port free on both loopback addresses")


def _ssrf_forms(port: int) -> list[str]:
    """More than twenty ways of writing a non-public address, each with its own path."""
    hosts = [
        "127.0.0.1",
        "localhost",
        "LOCALHOST",
        "[::1]",
        "0.0.0.0",
        "0",
        "2130706433",
        "0x7f000001",
        "0x7f.1",
        "0177.0.0.1",
        "127.1",
        "[::ffff:127.0.0.1]",
        "[0:0:0:0:0:ffff:7f00:1]",
        "127.0.0.2",
        "[::]",
        "169.254.169.254",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.0.1",
        "[fc00::1]",
        "[fe80::1]",
        "100.64.0.1",
    ]
    return [f"http://{host}:{port}/form-{number}" for number, host in enumerate(hosts)]


def test_default_config_refuses_every_form_before_connecting(tmp_path):
    with _listeners({}) as listening:
        port = listening["127.0.0.1"].port
        forms = _ssrf_forms(port)
        config = write_config(
            tmp_path / "config",
            [{"name": "forms", "start_urls": forms}],
            crawl={"allow_private_addresses": False},
        )
        result = run_crawl(config, time_limit=60)
        received = {host: listener.requests for host, listener in listening.items()}

    assert len(forms) > 20
    assert received == {host: [] for host in listening}
    run = result.sources["forms"]
    assert run.errors == {"blocked_address": len(forms)}
    # Not a single successful response: the crawl failed, it did not "finish".
    assert run.status == "failed" and result.status == "failed"
    assert run.responses == 0
    assert "no successful response" in run.message


def test_allow_list_reaches_only_the_allowed_address_even_through_redirects(tmp_path):
    targets = {
        "/to-127-0-0-2": "http://127.0.0.2:{port}/landed",
        "/to-metadata": "http://169.254.169.254:{port}/latest/meta-data/",
        "/to-lan": "http://10.0.0.1:{port}/router",
        "/to-ipv6-loopback": "http://[::1]:{port}/landed",
        "/to-file": "file:///etc/passwd",
        "/to-ftp": "ftp://127.0.0.1:{port}/landed",
        "/to-data": "data:text/html,<p>x</p>",
        "/to-s3": "s3://bucket/key",
        "/to-gopher": "gopher://127.0.0.1:{port}/_landed",
    }
    routes: dict[str, tuple[int, dict[str, str]]] = {}
    with _listeners(routes) as serving:
        port = serving["127.0.0.1"].port
        routes["/section"] = (200, {})
        routes |= {
            path: (302, {"Location": target.format(port=port)}) for path, target in targets.items()
        }
        base = f"http://127.0.0.1:{port}"
        config = write_config(
            tmp_path / "config",
            [
                {
                    "name": "redirects",
                    "start_urls": [f"{base}/section", *(base + path for path in targets)],
                    # Every target host counts as on-site, so that only the address guard stands
                    # between the crawler and the target.
                    "allowed_domains": [
                        "127.0.0.1",
                        "127.0.0.2",
                        "169.254.169.254",
                        "10.0.0.1",
                        "::1",
                    ],
                }
            ],
        )
        result = run_crawl(config, time_limit=60)
        received = {host: list(listener.requests) for host, listener in serving.items()}

    run = result.sources["redirects"]
    assert run.status == "ok" and run.responses == 1
    assert sorted(received["127.0.0.1"]) == sorted(["/robots.txt", "/section", *targets]), received
    assert all(requests == [] for host, requests in received.items() if host != "127.0.0.1")
    # Four redirects to refused addresses, five to schemes that are never followed.
    assert run.errors == {"blocked_address": 4, "bad_redirect": 5}


def test_the_resolver_refuses_loopback_answers_by_default():
    collected = CollectedResolution()
    receiver = _GuardedReceiver(collected, "localhost", DEFAULT)
    receiver.addressResolved(IPv4Address("TCP", "127.0.0.1", 80))
    receiver.addressResolved(IPv6Address("TCP", "::1", 80))
    receiver.resolutionComplete()
    assert collected.addresses == []
    assert refused_hosts["localhost"].startswith("address ")
