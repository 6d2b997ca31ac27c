"""``presswatch browse``: a real server subprocess over an archive filled from the local news web,
driven by headless Chromium and by plain HTTP requests.

The archive is filled through ``crawler.ingest.store_article`` from the news web's ground truth
(no crawl), so the expected watch-list stories, search hits and story copies are the ground
truth's. Screenshots go to ``$PRESSWATCH_SCREENSHOTS`` (``docs/img`` refreshes the ones in the
docs), else to a temporary directory.
"""

from __future__ import annotations

import base64
import http.client
import os
import queue
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from config import Config, load_config
from crawler.crawlstate import RunCounts, finish_run, start_run
from crawler.extract import ExtractedArticle
from crawler.ingest import IngestContext, store_article
from crawler.store import open_database, utcnow
from scheduler.browse import ArchiveReader, marked, watchlist_path
from tests.newsweb import GAZA, RAFAH, WATCHLISTS, GroundTruthArticle, NewsWeb

HOSTILE_TITLE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
HOSTILE_URL = "javascript:alert(3)"
TOKEN = "correct-horse-battery-staple-42"
SERVER_START_SECONDS = 20
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
INSTALL_HINT = (
    "the browse tests need Debian's Chromium and its WebDriver: "
    "apt-get install -y chromium chromium-driver"
)


# --- the archive ---------------------------------------------------------------------------


@dataclass
class Archive:
    config_dir: Path
    config: Config
    web: NewsWeb
    ids: dict[str, int]  # ground-truth article id -> archive article id
    hostile_id: int
    failing_source: str
    quiet_source: str

    def ground_truth(self, article_id: int) -> GroundTruthArticle | None:
        for truth_id, stored_id in self.ids.items():
            if stored_id == article_id:
                return self.web.article(truth_id)
        return None


def write_config(directory: Path, web: NewsWeb, *, token: str | None = None) -> Path:
    (directory / "watchlists").mkdir(parents=True)
    settings = f'database = "{directory / "archive.db"}"\ntimezone = "UTC"\n'
    if token:
        settings += '[browse]\ntoken = "${PRESSWATCH_TEST_BROWSE_TOKEN}"\n'
    (directory / "presswatch.toml").write_text(settings, encoding="utf-8")
    sources = "".join(
        f'[[source]]\nname = "{site.title}"\nfeeds = ["https://{site.name}.example/rss.xml"]\n\n'
        for site in web.sites
    )
    (directory / "sources.toml").write_text(sources, encoding="utf-8")
    for number, (name, query) in enumerate(WATCHLISTS.items()):
        (directory / "watchlists" / f"list{number}.toml").write_text(
            f"name = {name!r}\nquery = '{query}'\n", encoding="utf-8"
        )
    return directory


def fill_archive(config: Config, web: NewsWeb) -> dict[str, int]:
    """Store every ground-truth article as the crawler would, first seen minutes after it ran."""
    db = open_database(config.settings.database)
    context = IngestContext.from_config(config)
    ids = {}
    for truth in web.articles:
        site = web.site(truth.site)
        url = f"https://{site.name}.example{truth.path}"
        article = ExtractedArticle(
            url=url,
            canonical_url=url,
            title=truth.title,
            body=truth.body,
            authors=truth.authors,
            published_at=truth.published,
            modified_at=truth.modified,
            language=truth.language,
            source=site.title,
        )
        stored = store_article(
            db,
            article,
            source=site.title,
            fetched_url=url,
            context=context,
            now=truth.published + timedelta(minutes=7),
        )
        ids[truth.id] = stored.article_id
    db.close()
    return ids


def add_hostile_article(config: Config, source: str) -> int:
    db = open_database(config.settings.database)
    article = ExtractedArticle(
        url="https://hostile.example/2026/gaza.html",
        canonical_url="https://hostile.example/2026/gaza.html",
        title=HOSTILE_TITLE,
        body=(
            "Officials said the Gaza ceasefire was holding. <b>bold</b> & <i>friends</i>\n\n"
            '"><script>alert(4)</script> a second paragraph with markup in it.'
        ),
        language="en",
        published_at=utcnow() - timedelta(hours=1),
    )
    stored = store_article(
        db,
        article,
        source=source,
        fetched_url=article.url,
        context=IngestContext.from_config(config),
    )
    # An archive written by an older version could hold any URL: only http(s) may become a link.
    with db.conn:
        db.execute(
            "UPDATE articles SET url = ?, canonical_url = ? WHERE id = ?",
            [HOSTILE_URL, HOSTILE_URL, stored.article_id],
        )
    db.close()
    return stored.article_id


def add_crawl_runs(config: Config, failing: str, quiet: str, healthy: str) -> None:
    db = open_database(config.settings.database)
    now = utcnow()

    def run(source: str, hours_ago: float, status: str, new: int, errors: dict[str, int]) -> None:
        started = now - timedelta(hours=hours_ago)
        run_id = start_run(db, source, started)
        finish_run(
            db,
            run_id,
            status=status,  # type: ignore[arg-type]
            now=started + timedelta(minutes=2),
            counts=RunCounts(requests=40, responses=38, new=new, skipped=3),
            errors=errors,
            message="connection refused by the site" if status == "failed" else None,
        )

    for hours in (2.0, 1.5, 1.0, 0.5):
        run(healthy, hours, "ok", 4, {})
    run(failing, 1.5, "ok", 2, {})
    run(failing, 1.0, "failed", 0, {"timeout": 3, "http_503": 2})
    run(failing, 0.5, "failed", 0, {"timeout": 5})
    for hours in (120.0, 119.5, 119.0, 2.0, 1.0):
        run(quiet, hours, "ok", 3 if hours > 100 else 0, {})
    db.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, news_web: NewsWeb) -> Archive:
    directory = write_config(tmp_path_factory.mktemp("browse") / "config", news_web)
    config = load_config(directory)
    ids = fill_archive(config, news_web)
    titles = [site.title for site in news_web.sites]
    hostile_id = add_hostile_article(config, titles[-1])
    add_crawl_runs(config, failing=titles[1], quiet=titles[2], healthy=titles[0])
    return Archive(directory, config, news_web, ids, hostile_id, titles[1], titles[2])


# --- the server ------------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int
    log: list[str]
    reader: threading.Thread

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_browse(config_dir: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    """``presswatch browse --port 0`` as a subprocess; returns once it is listening."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scheduler.cli",
            "--config",
            str(config_dir),
            "browse",
            "--port",
            "0",
            *args,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    lines: queue.Queue[str] = queue.Queue()
    log: list[str] = []

    def drain() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)
            lines.put(line)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        found = re.search(r"serving the archive .* on http://127\.0\.0\.1:(\d+)/", line)
        if found:
            return Server(process, int(found.group(1)), log, reader)
    stop(Server(process, 0, log, reader))
    pytest.fail("presswatch browse did not start:\n" + "".join(log))


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    server.reader.join(timeout=5)
    if server.process.stderr:
        server.process.stderr.close()


@pytest.fixture(scope="module")
def server(archive: Archive) -> Iterator[Server]:
    running = start_browse(archive.config_dir)
    yield running
    stop(running)


def request(
    server: Server, path: str, *, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read().decode("utf-8")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail(f"Chromium or chromedriver not found on PATH: {INSTALL_HINT}")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1100,1400")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("PRESSWATCH_SCREENSHOTS")
    directory = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def article_ids_in(element: WebDriver | WebElement, css: str = "a") -> list[int]:
    ids = []
    for link in element.find_elements(By.CSS_SELECTOR, css):
        path = urlsplit(link.get_attribute("href")).path
        found = re.fullmatch(r"/article/(\d+)", path)
        if found:
            ids.append(int(found.group(1)))
    return ids


def assert_no_script_ran(driver: WebDriver) -> None:
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018
    assert driver.execute_script("return document.scripts.length") == 0
    assert driver.execute_script("return document.images.length") == 0
    problems = [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and "favicon" not in entry["message"]
    ]
    assert problems == []


# --- browser tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("watchlist", [GAZA, RAFAH])
def test_watchlist_page_shows_the_ground_truth_stories(
    watchlist: str, archive: Archive, server: Server, browser: WebDriver, screenshots: Path
) -> None:
    browser.get(server.base + watchlist_path(watchlist))
    cards = browser.find_elements(By.CSS_SELECTOR, "article.story")
    expected_stories: dict[str, set[int]] = defaultdict(set)
    for truth in archive.web.matching(watchlist):
        expected_stories[truth.story].add(archive.ids[truth.id])
    if watchlist == GAZA:
        expected_stories["hostile"].add(archive.hostile_id)

    shown_stories = []
    for card in cards:
        members = set(article_ids_in(card))
        shown_stories.append(
            {i for i in members if i in archive.ids.values() or i == archive.hostile_id}
        )
    matched_per_card = [
        {i for i in story if any(i in ids for ids in expected_stories.values())}
        for story in shown_stories
    ]
    assert sorted(map(sorted, matched_per_card)) == sorted(map(sorted, expected_stories.values()))
    assert len(cards) == len(expected_stories)

    copies = {frozenset(archive.ids[i] for i in group) for group in archive.web.copies()}
    syndicated = [story for story in shown_stories if len(story) > 1]
    for story in syndicated:
        assert frozenset(story) in copies  # a timeline lists exactly the copies of one story
    if watchlist == GAZA:
        browser.set_window_size(1100, 1400)
        browser.save_screenshot(str(screenshots / "browse-watchlist.png"))
        browser.set_window_size(390, 844)
        widths = browser.execute_script(
            "const e = document.documentElement; return [e.scrollWidth, e.clientWidth]"
        )
        assert widths[0] <= widths[1], "the page must not scroll sideways on a phone"
        browser.save_screenshot(str(screenshots / "browse-watchlist-mobile.png"))
        browser.set_window_size(1100, 1400)


def test_search_box_finds_the_ground_truth_articles(
    archive: Archive, server: Server, browser: WebDriver
) -> None:
    browser.get(server.base + "/")
    box = browser.find_element(By.CSS_SELECTOR, "input[type=search]")
    box.send_keys(WATCHLISTS[RAFAH])
    box.submit()
    hits = browser.find_elements(By.CSS_SELECTOR, "article.hit")
    found = {article_ids_in(hit, "h2 a")[0] for hit in hits}
    expected = {archive.ids[t.id] for t in archive.web.matching(RAFAH, include_too_old=True)}
    assert found == expected
    marks = browser.find_elements(By.CSS_SELECTOR, "article.hit mark")
    assert len(marks) >= len(expected)


def test_search_with_a_syntax_error_shows_where(server: Server, browser: WebDriver) -> None:
    browser.get(server.base + "/search?q=" + quote('Rafah AND (aid OR "convoy'))
    message = browser.find_element(By.CSS_SELECTOR, ".error pre").text
    assert "^" in message
    assert browser.find_elements(By.CSS_SELECTOR, "article.hit") == []


def test_article_page_highlights_terms_and_lists_the_other_outlets(
    archive: Archive, server: Server, browser: WebDriver, screenshots: Path
) -> None:
    copies = {truth_id for group in archive.web.copies() for truth_id in group}
    truth = next(t for t in archive.web.matching(GAZA) if t.id in copies and t.language == "en")
    others = {
        archive.ids[t.id]
        for t in archive.web.articles
        if t.story == truth.story and t.id != truth.id
    }
    browser.get(f"{server.base}/article/{archive.ids[truth.id]}")
    assert browser.find_element(By.TAG_NAME, "h1").text == truth.title
    marks = browser.find_elements(By.CSS_SELECTOR, "article mark")
    assert marks
    for mark in marks:
        words = re.sub(r"\W+", " ", mark.text.casefold()).split()
        assert words[0] == "gaza" and words[-1] in ("ceasefire", "fire"), mark.text
    body = browser.find_element(By.CSS_SELECTOR, ".body").text
    assert truth.paragraphs[0] in body
    assert set(article_ids_in(browser.find_element(By.CSS_SELECTOR, "section"))) == others
    original = browser.find_element(By.PARTIAL_LINK_TEXT, ".example")
    assert original.get_attribute("href").startswith("https://")
    browser.save_screenshot(str(screenshots / "browse-article.png"))


def test_article_page_highlights_the_search_terms_when_coming_from_a_search(
    archive: Archive, server: Server, browser: WebDriver
) -> None:
    truth = next(t for t in archive.web.matching(RAFAH) if t.language == "en")
    path = f"/article/{archive.ids[truth.id]}?q=" + quote(WATCHLISTS[RAFAH])
    browser.get(server.base + path)
    marks = [m.text.casefold() for m in browser.find_elements(By.TAG_NAME, "mark")]
    assert marks and all(mark.startswith("rafah") for mark in marks), marks


def test_hostile_title_and_url_render_as_text(
    archive: Archive, server: Server, browser: WebDriver
) -> None:
    browser.get_log("browser")  # start from a clean console
    browser.get(server.base + watchlist_path(GAZA))
    titles = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "article.story h2")]
    assert HOSTILE_TITLE in titles
    assert_no_script_ran(browser)

    browser.get(f"{server.base}/article/{archive.hostile_id}")
    assert browser.find_element(By.TAG_NAME, "h1").text == HOSTILE_TITLE
    body = browser.find_element(By.CSS_SELECTOR, ".body").text
    assert "<b>bold</b> & <i>friends</i>" in body and "<script>alert(4)</script>" in body
    links = [a.get_attribute("href") or "" for a in browser.find_elements(By.TAG_NAME, "a")]
    assert not any(link.startswith("javascript:") for link in links)
    assert HOSTILE_URL in browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert_no_script_ran(browser)

    browser.get(server.base + "/search?q=" + quote(HOSTILE_TITLE))
    assert_no_script_ran(browser)


def test_sources_page_shows_failures_and_quiet_sources(
    archive: Archive, server: Server, browser: WebDriver, screenshots: Path
) -> None:
    browser.get(server.base + "/sources")
    summary = browser.find_element(By.CSS_SELECTOR, ".error").text
    assert f"Failing: {archive.failing_source}" in summary
    assert f"Went quiet (nothing new for longer than usual): {archive.quiet_source}" in summary
    rows = {
        row.find_element(By.TAG_NAME, "td").text: row.text
        for row in browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    }
    assert set(rows) == {site.title for site in archive.web.sites}
    failing = rows[archive.failing_source]
    assert "2 failed in a row" in failing and "timeout × 5" in failing
    assert "connection refused by the site" in failing
    assert "went quiet" in rows[archive.quiet_source]
    browser.save_screenshot(str(screenshots / "browse-sources.png"))


# --- HTTP-level safety -----------------------------------------------------------------------


def test_every_response_carries_the_security_headers(server: Server) -> None:
    for path in ("/", "/sources", "/search?q=Rafah", "/article/1", "/article/999999", "/nope"):
        status, headers, _ = request(server, path)
        assert status in (200, 404), path
        policy = headers["content-security-policy"]
        for directive in (
            "default-src 'none'",
            "img-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ):
            assert directive in policy
        assert re.search(r"style-src 'sha256-[A-Za-z0-9+/]+=*'", policy)
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head_are_served(server: Server, method: str) -> None:
    status, headers, _ = request(server, "/search?q=Rafah", method=method)
    assert status == 405
    assert headers["allow"] == "GET, HEAD"
    assert "content-security-policy" in headers


def test_head_is_served_without_a_body(server: Server) -> None:
    status, _, body = request(server, "/sources", method="HEAD")
    assert (status, body) == (200, "")


def test_a_foreign_host_name_is_refused_on_loopback(server: Server) -> None:
    # DNS rebinding: a web page that resolves its own name to 127.0.0.1 must not read the archive.
    status, _, _ = request(server, "/", headers={"Host": f"attacker.example:{server.port}"})
    assert status == 400
    assert request(server, "/", headers={"Host": f"localhost:{server.port}"})[0] == 200


def test_a_digest_period_link_counts_the_matches_since_then(
    archive: Archive, server: Server
) -> None:
    since = utcnow() - timedelta(hours=20)
    expected = [
        t for t in archive.web.matching(GAZA) if t.published + timedelta(minutes=7) >= since
    ]
    expected_stories = {t.story for t in expected} | {"hostile"}
    path = watchlist_path(GAZA) + "?since=" + quote(since.isoformat())
    status, _, page = request(server, path)
    assert status == 200
    counts = re.search(r"(\d+) stor(?:y|ies).*?(\d+) matched article", page, re.DOTALL)
    assert counts is not None
    assert (int(counts.group(1)), int(counts.group(2))) == (
        len(expected_stories),
        len(expected) + 1,
    )
    assert request(server, watchlist_path(GAZA) + "?since=yesterday")[0] == 400
    assert request(server, watchlist_path(GAZA) + "?since=2026-11-24T07:00")[0] == 400


def test_unknown_watchlist_and_article_are_404(server: Server) -> None:
    assert request(server, "/watchlist/" + quote("No such list", safe=""))[0] == 404
    assert request(server, "/article/123456789")[0] == 404


def test_the_pages_database_connection_is_read_only(archive: Archive) -> None:
    reader = ArchiveReader(archive.config.settings.database)
    assert reader.db.execute("SELECT count(*) FROM articles").fetchone()[0] > 0
    with pytest.raises(sqlite3.OperationalError):
        reader.db.execute("DELETE FROM articles")


def test_marked_escapes_text_around_and_inside_highlights() -> None:
    text = "<b>Rafah</b> & co"
    assert str(marked(text, [(15, 40), (3, 6), (5, 8), (-2, 0)])) == (
        "&lt;b&gt;<mark>Rafah</mark>&lt;/b&gt; &amp; <mark>co</mark>"
    )


# --- starting safely -------------------------------------------------------------------------


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scheduler.cli", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **(env or {})},
    )


def test_refuses_a_public_address_without_a_token(archive: Archive) -> None:
    result = run_cli("--config", str(archive.config_dir), "browse", "--host", "0.0.0.0")
    assert result.returncode == 2
    assert "refusing to listen on '0.0.0.0' without a token" in result.stderr
    assert "browse.token" in result.stderr


def test_refuses_to_start_without_an_archive(tmp_path: Path, news_web: NewsWeb) -> None:
    directory = write_config(tmp_path / "config", news_web)
    result = run_cli("--config", str(directory), "browse", "--port", "0")
    assert result.returncode == 1
    assert "no archive at" in result.stderr
    assert not (directory / "archive.db").exists()


def test_a_configured_token_is_required_on_every_request(archive: Archive, tmp_path: Path) -> None:
    directory = write_config(tmp_path / "config", archive.web, token=TOKEN)
    with (
        sqlite3.connect(archive.config.settings.database) as source,
        sqlite3.connect(directory / "archive.db") as copy,
    ):
        source.backup(copy)
    running = start_browse(directory, env={"PRESSWATCH_TEST_BROWSE_TOKEN": TOKEN})
    try:
        status, headers, body = request(running, "/")
        assert status == 401 and headers["www-authenticate"].startswith("Basic")
        assert "Gaza ceasefire" not in body
        basic = base64.b64encode(f"reader:{TOKEN}".encode()).decode()
        wrong = base64.b64encode(b"reader:guess").decode()
        assert request(running, "/", headers={"Authorization": f"Basic {wrong}"})[0] == 401
        assert request(running, "/", headers={"Authorization": "Bearer guess"})[0] == 401
        assert request(running, "/", headers={"Authorization": f"Basic {basic}"})[0] == 200
        status, _, body = request(running, "/sources", headers={"Authorization": f"Bearer {TOKEN}"})
        assert status == 200 and archive.failing_source in body
    finally:
        stop(running)
