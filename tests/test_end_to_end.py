"""The whole flow through the real command line: crawl → match → stories → search → digest.

One module fixture serves a local news web (no hostile site: its endpoints are the crawler tests'
business), writes a configuration with the test watch lists, and runs `presswatch crawl` in a
subprocess. The tests then compare the archive with the generator's ground truth and drive
`search`, `export` and `digest` the way a user would.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.dedup import url_key
from tests.crawl_support import rows, toml_value
from tests.newsweb import GAZA, RAFAH, WATCHLISTS, NewsWeb, RunningWeb, generate_web, serve

REPO = Path(__file__).resolve().parent.parent
SITES = ("ledger", "post", "courier")


@dataclass
class World:
    web: NewsWeb
    running: RunningWeb
    config: Path
    database: Path
    outbox: Path

    def presswatch(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "scheduler.cli", "--config", str(self.config), *arguments],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=300,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def stored_ids(self) -> dict[str, int]:
        """Ground-truth article id -> stored article id, through the recorded URL keys."""
        keys = {
            row["url_key"]: row["article_id"]
            for row in rows(
                self.database,
                "SELECT url_key, article_id FROM article_urls WHERE article_id IS NOT NULL",
            )
        }
        found = {}
        for article in self.web.articles:
            if article.site in SITES:
                key = url_key(self.running.url(article))
                if key in keys:
                    found[article.id] = keys[key]
        return found


def write_watchlist(config: Path, file: str, name: str, query: str, recipients: list[str]) -> None:
    (config / "watchlists" / file).write_text(
        f"name = {toml_value(name)}\nquery = {toml_value(query)}\n"
        f'recipients = {toml_value(recipients)}\n[digest]\ntimes = ["07:00"]\n'
        'timezone = "Asia/Gaza"\n',
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    web = generate_web(seed=5, sites=3, articles_per_site=30, hostile=False)
    folder = tmp_path_factory.mktemp("e2e")
    config = folder / "config"
    (config / "watchlists").mkdir(parents=True)
    database, outbox = folder / "data" / "archive.db", folder / "data" / "outbox"
    with serve(web) as running:
        (config / "presswatch.toml").write_text(
            f"database = {toml_value(str(database))}\n"
            '[crawl]\nallow_private_addresses = ["127.0.0.1"]\ndelay = 0\ntimeout = "5s"\n'
            "concurrency = 16\nconcurrency_per_domain = 4\nmax_depth = 3\n"
            '[mail]\nfrom = "presswatch <alerts@example.org>"\n'
            f"outbox = {toml_value(str(outbox))}\n",
            encoding="utf-8",
        )
        sources = []
        for site in SITES:
            base = running.base_url(site)
            sources.append(
                f'[[source]]\nname = {toml_value(site)}\nfeeds = ["{base}/rss.xml"]\n'
                f'sitemaps = ["{base}/sitemap.xml"]\nstart_urls = ["{base}/"]\n'
            )
        (config / "sources.toml").write_text("\n".join(sources), encoding="utf-8")
        write_watchlist(config, "gaza.toml", GAZA, WATCHLISTS[GAZA], ["desk@example.org"])
        world = World(web, running, config, database, outbox)
        world.presswatch("crawl")
        yield world


def test_every_article_is_stored_once(world: World) -> None:
    expected = {a.id for a in world.web.articles if a.site in SITES and not a.too_old}
    stored = world.stored_ids()
    assert expected <= set(stored)
    # One row per article: no two ground-truth articles share a stored row, and no extra rows.
    assert len(set(stored.values())) == len(stored)
    assert rows(world.database, "SELECT count(*) AS n FROM articles")[0]["n"] == len(stored)


def test_matches_equal_the_ground_truth(world: World) -> None:
    stored = world.stored_ids()
    matched = {
        row["article_id"]
        for row in rows(
            world.database, "SELECT article_id FROM matches WHERE watchlist = ?", [GAZA]
        )
    }
    expected = {stored[a.id] for a in world.web.matching(GAZA) if a.site in SITES}
    near_misses = {
        stored[a.id]
        for a in world.web.articles
        if a.near_miss and a.id in stored and GAZA not in a.watchlists
    }
    assert expected and near_misses
    assert matched == expected
    assert not matched & near_misses


def test_syndicated_copies_form_one_story_each_and_nothing_else_merges(world: World) -> None:
    stored = world.stored_ids()
    story_of = {
        row["id"]: row["story_id"]
        for row in rows(world.database, "SELECT id, story_id FROM articles")
    }
    groups: dict[str, set[int]] = {}
    for article in world.web.articles:
        if article.id in stored:
            groups.setdefault(article.story, set()).add(story_of[stored[article.id]])
    assert any(
        len([a for a in world.web.articles if a.story == s and a.id in stored]) > 1 for s in groups
    )
    for story, story_ids in groups.items():
        assert len(story_ids) == 1, f"copies of {story} are split over stories {story_ids}"
    merged: dict[int, list[str]] = {}
    for story, story_ids in groups.items():
        merged.setdefault(next(iter(story_ids)), []).append(story)
    assert [stories for stories in merged.values() if len(stories) > 1] == []


def test_search_finds_what_the_watch_list_found(world: World) -> None:
    result = world.presswatch("search", WATCHLISTS[GAZA], "--json", "--limit", "1000")
    found = {json.loads(line)["id"] for line in result.stdout.splitlines()}
    matched = {
        row["article_id"]
        for row in rows(
            world.database, "SELECT article_id FROM matches WHERE watchlist = ?", [GAZA]
        )
    }
    assert found == matched


@pytest.mark.parametrize(
    "hostile", ['"unbalanced', "NEAR(", "title:", "a AND", "()", "x\x00y", "(" * 5000]
)
def test_hostile_search_is_a_clear_message(world: World, hostile: str) -> None:
    result = world.presswatch("search", hostile.replace("\x00", " "), check=False)
    assert result.returncode in (0, 2), result.stderr
    assert "Traceback" not in result.stderr and "sqlite" not in result.stderr.lower()
    if result.returncode == 2:
        assert "invalid query" in result.stderr


def test_export_carries_watch_lists_and_stories(world: World) -> None:
    result = world.presswatch("export", "--format", "jsonl")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(world.stored_ids())
    assert all(record["story"] is not None for record in records)
    assert {GAZA} == {name for record in records for name in record["watchlists"]}
    csv_output = world.presswatch("export", "--format", "csv").stdout
    assert csv_output.splitlines()[0].startswith("id,url,canonical_url,title,body")


def test_new_watch_list_finds_old_matches_then_digests_reach_the_outbox(world: World) -> None:
    write_watchlist(world.config, "rafah.toml", RAFAH, WATCHLISTS[RAFAH], ["analyst@example.org"])
    world.presswatch("digest")
    stored = world.stored_ids()
    matched = {
        row["article_id"]
        for row in rows(
            world.database, "SELECT article_id FROM matches WHERE watchlist = ?", [RAFAH]
        )
    }
    assert matched == {stored[a.id] for a in world.web.matching(RAFAH) if a.site in SITES}

    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(world.outbox.glob("*.eml"))
    ]
    by_recipient = {message["To"]: message for message in messages}
    assert set(by_recipient) == {"desk@example.org", "analyst@example.org"}
    rafah = by_recipient["analyst@example.org"]
    assert rafah["Subject"].startswith(RAFAH)
    text = rafah.get_body(("plain",)).get_content()
    titles = {
        row["title"]
        for row in rows(
            world.database,
            "SELECT a.title FROM articles a JOIN matches m ON m.article_id = a.id"
            " WHERE m.watchlist = ?",
            [RAFAH],
        )
    }
    stories = rows(
        world.database,
        "SELECT count(DISTINCT a.story_id) AS n FROM articles a"
        " JOIN matches m ON m.article_id = a.id WHERE m.watchlist = ?",
        [RAFAH],
    )
    assert f"{stories[0]['n']} stor" in rafah["Subject"]
    # Each story appears once, under the headline of one of its articles.
    assert any(title in text for title in titles)
    assert len(list(world.outbox.glob("*.html"))) == len(messages)

    again = world.presswatch("digest")
    assert "prepared 0" in again.stdout
    assert len(list(world.outbox.glob("*.eml"))) == len(messages)
