"""``crawl.parallel_sources`` bounds how many crawl children the service runs at once."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.service_support import ServiceProcess, write_config


@pytest.fixture
def unanswering_port() -> Iterator[int]:
    """A listener that never accepts: every request to it hangs until the crawl's limits."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def crawl_children(service: ServiceProcess) -> int:
    """Running crawl children of the service (a child that has exited is not running)."""
    try:
        children = psutil.Process(service.pid).children()
    except psutil.NoSuchProcess:
        return 0
    running = 0
    for child in children:
        try:
            running += "crawler.run" in " ".join(child.cmdline())
        except psutil.Error:  # exited (a zombie until reaped) or gone since children()
            continue
    return running


@pytest.mark.parametrize("parallel", [1, 3])
def test_the_service_runs_at_most_parallel_sources_crawls_at_once(
    parallel: int, unanswering_port: int, tmp_path: Path
) -> None:
    base = f"http://127.0.0.1:{unanswering_port}"
    config = write_config(
        tmp_path,
        sources=[
            {"name": f"hanging{n}", "feeds": [f"{base}/feed{n}.xml"], "interval": "2s"}
            for n in range(4)
        ],
        watchlists=[{"name": "any", "query": "ceasefire", "recipients": ["a@example.org"]}],
        crawl_settings=f'parallel_sources = {parallel}\ntimeout = "8s"\nretries = 0',
    )
    service = ServiceProcess(config)
    try:
        service.wait_for_log("presswatch service started")
        most = 0
        deadline = time.monotonic() + 12
        while time.monotonic() < deadline:
            most = max(most, crawl_children(service))
            time.sleep(0.1)
    finally:
        service.stop()
    # Four sources are due all the time and every crawl hangs: the pool is always full.
    assert most == parallel
