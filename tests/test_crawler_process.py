"""The crawl child process: the wall-clock limit, repeated cycles, and the Scrapy command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from scheduler.crawl import GRACE_SECONDS, run_crawl
from tests.crawl_support import rows, write_config
from tests.newsweb import generate_web, serve

ROOT = Path(__file__).resolve().parents[1]


class _SilentServer:
    """Accepts connections and never answers: a crawl against it only ends by its limits."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.closed_by_peer = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self.socket.settimeout(0.1)
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                self._check_peers()
                continue
            connection.setblocking(False)
            self.connections.append(connection)

    def _check_peers(self) -> None:
        for connection in self.connections:
            try:
                if connection.recv(65536) == b"":
                    self.closed_by_peer.set()
            except BlockingIOError:
                continue
            except OSError:
                self.closed_by_peer.set()

    def __enter__(self) -> _SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        for connection in self.connections:
            connection.close()
        self.socket.close()


def _crawl_children(config: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if "crawler.run" in cmdline and str(config) in cmdline:
            found.append(process)
    return found


def test_time_limit_stops_the_child_and_records_a_timeout(tmp_path):
    with _SilentServer() as server:
        base = f"http://127.0.0.1:{server.port}"
        config = write_config(
            tmp_path / "config",
            [{"name": "silent", "feeds": [f"{base}/rss.xml"], "start_urls": [f"{base}/"]}],
            crawl={"timeout": "5m", "cycle_timeout": "10m", "obey_robots": False},
        )
        started = time.monotonic()
        result = run_crawl(config, time_limit=4)
        elapsed = time.monotonic() - started
        assert server.connections, "the crawl never reached the server"
        assert server.closed_by_peer.wait(2), "the child's connection was not closed"

    assert result.status == "timeout"
    assert 4 <= elapsed < 4 + GRACE_SECONDS + 4
    assert not _crawl_children(config.resolve())
    (run,) = rows(config / "db.sqlite", "SELECT * FROM crawl_runs")
    assert run["status"] == "timeout" and run["finished_at"]
    assert "time limit" in run["message"]
    assert result.sources["silent"].status == "timeout"


def test_unknown_source_fails_without_starting_a_child(tmp_path):
    config = write_config(tmp_path / "config", [{"name": "a", "feeds": ["http://127.0.0.1:9/"]}])
    result = run_crawl(config, ["b"])
    assert result.status == "failed" and result.exit_code is None
    assert "unknown source 'b'" in result.message


def test_repeated_cycles_in_one_process_from_any_directory(tmp_path, monkeypatch):
    web = generate_web(seed=3, sites=1, articles_per_site=12, hostile=False)
    with serve(web) as running:
        base = running.base_url(web.sites[0].name)
        write_config(tmp_path / "config", [{"name": "only", "feeds": [f"{base}/rss.xml"]}])
        monkeypatch.chdir(tmp_path)  # nowhere near scrapy.cfg
        results = [run_crawl(Path("config")) for _ in range(2)]
    in_feed = [a for a in web.articles if a.in_feed and not a.too_old]

    assert [result.status for result in results] == ["ok", "ok"]
    assert results[0].new == len(in_feed) and results[1].new == 0
    assert results[1].sources["only"].not_modified == 1
    assert all(result.exit_code == 0 and result.peak_rss_mb for result in results)


def test_scrapy_command_line_lists_and_crawls_from_the_repository_root(tmp_path):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    environment.pop("SCRAPY_SETTINGS_MODULE", None)
    listed = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert listed.stdout.split() == ["source"]

    web = generate_web(seed=4, sites=1, articles_per_site=10, hostile=False)
    with serve(web) as running:
        base = running.base_url(web.sites[0].name)
        config = write_config(tmp_path / "config", [{"name": "cli", "feeds": [f"{base}/rss.xml"]}])
        crawled = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "crawl",
                "source",
                "-a",
                "source=cli",
                "-s",
                f"PRESSWATCH_CONFIG={config}",
                "-s",
                "LOG_LEVEL=WARNING",
            ],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert crawled.returncode == 0, crawled.stderr[-2000:]
    (run,) = rows(config / "db.sqlite", "SELECT * FROM crawl_runs")
    assert run["status"] == "ok"
    assert run["new"] == len([a for a in web.articles if a.in_feed and not a.too_old])


def test_a_child_over_its_memory_limit_is_killed_and_recorded(tmp_path):
    # The smallest limit (64 MB) is below what the crawler needs just to start: the parent's
    # watchdog (1.5 x the limit) kills the child, which records nothing itself.
    config = write_config(
        tmp_path / "config",
        [{"name": "heavy", "feeds": ["http://127.0.0.1:9/rss.xml"]}],
        crawl={"memory_limit_mb": 64},
    )
    result = run_crawl(config, time_limit=60)

    assert result.status == "killed"
    assert result.exit_code == -9
    assert result.sources["heavy"].status == "killed"
    assert "memory" in result.sources["heavy"].message
