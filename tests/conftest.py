"""Shared pytest fixtures."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.newsweb import NewsWeb, RunningWeb, generate_web, serve

# --- local news web (tests/newsweb) -----------------------------------------------------------


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """Undo what an in-process ``presswatch`` command does to the root logger.

    ``scheduler.cli.main`` points the root logger at the sys.stderr of the moment, which is
    pytest's capture file for that test; a server thread logging after the test (aiosmtpd) would
    then write to a closed file.
    """
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def news_web() -> NewsWeb:
    """A small web shared by the session: 3 sites x 30 articles plus the hostile site.

    Shared state: do not mutate it (use ``make_served_web`` for add/update tests).
    """
    return generate_web(seed=0, sites=3, articles_per_site=30, hostile=True)


@pytest.fixture(scope="session")
def served_web(news_web: NewsWeb) -> Iterator[RunningWeb]:
    """``news_web`` served on 127.0.0.1; call ``clear_log()`` before counting requests."""
    with serve(news_web) as running:
        yield running


@pytest.fixture
def make_served_web() -> Iterator[Callable[..., RunningWeb]]:
    """Factory: ``make_served_web(slow_delay=60.0, **generate_web_kwargs) -> RunningWeb``.

    Each call generates and serves a fresh web (``running.web``) that the test may mutate;
    all its servers stop when the test ends.
    """
    with ExitStack() as stack:

        def factory(*, slow_delay: float = 60.0, **kwargs: Any) -> RunningWeb:
            web = generate_web(**kwargs)
            return stack.enter_context(serve(web, slow_delay=slow_delay))

        yield factory


# --- alerts: a real archive file, a configuration and literal article rows --------------------
# Used by tests/test_alerts*.py. Rows are written directly (no crawl), which is fast and lets
# each test say exactly which articles matched when.


class AlertsWorld:
    """An opened archive in a temporary folder, with helpers to fill it and configure alerts."""

    SNIPPET = "Negotiators said the Gaza ceasefire could hold through the weekend."
    HIGHLIGHTS = ((21, 25), (26, 35))  # "Gaza", "ceasefire"

    def __init__(self, folder: Any) -> None:
        from crawler.store import open_database

        self.folder = folder
        self.db = open_database(folder / "presswatch.db")
        self.outbox = folder / "outbox"
        self._next_id = 1

    def config(
        self,
        *watchlists: dict[str, Any],
        smtp: dict[str, Any] | None = None,
        timezone: str = "Europe/Berlin",
        browse_url: str | None = None,
        sources: tuple[str, ...] | list[str] = (),
        **mail: Any,
    ) -> Any:
        """A Config with these watch lists (name "Gaza" unless given) and mail settings."""
        from config.loader import Config
        from config.schema import Settings, Source, WatchList

        mail_table = {"from": "presswatch <alerts@example.org>", "outbox": str(self.outbox), **mail}
        if smtp is not None:
            mail_table["smtp"] = smtp
        settings = Settings.model_validate(
            {
                "timezone": timezone,
                "mail": mail_table,
                "browse": {"url": browse_url} if browse_url else {},
            }
        )
        lists = tuple(
            WatchList.model_validate({"name": "Gaza", "query": "gaza", **table})
            for table in watchlists
        )
        source_models = tuple(
            Source.model_validate({"name": name, "feeds": [f"https://{index}.example/feed"]})
            for index, name in enumerate(sources)
        )
        return Config(self.folder, settings, source_models, lists)

    def add_article(
        self,
        first_seen: Any,
        *,
        watchlist: str = "Gaza",
        title: str | None = None,
        url: str | None = None,
        source: str = "Outlet A",
        published: Any = None,
        story_id: int | None = None,
        snippet: str | None = None,
        highlights: Any = None,
        matched_at: Any = None,
    ) -> int:
        """Insert an article and its match; returns the article id (published=False: none)."""
        import json
        from datetime import timedelta

        from crawler.store import to_db_time, write_transaction

        article_id = self._next_id
        self._next_id += 1
        url = url if url is not None else f"https://news.example/{article_id}"
        if published is None:
            published = first_seen - timedelta(minutes=10)
        spans = self.HIGHLIGHTS if highlights is None else highlights
        with write_transaction(self.db):
            self.db["articles"].insert(
                {
                    "id": article_id,
                    "url_key": f"key-{article_id}",
                    "url": url,
                    "canonical_url": url,
                    "title": title or f"Headline number {article_id}",
                    "body": "body",
                    "content_hash": f"hash-{article_id}",
                    "source": source,
                    "fetched_at": to_db_time(first_seen),
                    "first_seen_at": to_db_time(first_seen),
                    "published_at": to_db_time(published) if published is not False else None,
                    "story_id": story_id,
                }
            )
            self.db["matches"].insert(
                {
                    "article_id": article_id,
                    "watchlist": watchlist,
                    "matched_at": to_db_time(matched_at or first_seen),
                    "clauses": "[]",
                    "fields": '["body"]',
                    "snippet": self.SNIPPET if snippet is None else snippet,
                    "highlights": spans
                    if isinstance(spans, str)
                    else json.dumps([list(span) for span in spans]),
                }
            )
        return article_id

    def add_run(
        self,
        source: str,
        status: str,
        started: Any,
        *,
        new: int = 0,
        skipped: int = 0,
        message: str | None = None,
    ) -> None:
        from datetime import timedelta

        from crawler.store import to_db_time, write_transaction

        with write_transaction(self.db):
            self.db["crawl_runs"].insert(
                {
                    "source": source,
                    "status": status,
                    "started_at": to_db_time(started),
                    "finished_at": to_db_time(started + timedelta(minutes=1)),
                    "new": new,
                    "skipped": skipped,
                    "message": message,
                }
            )

    def digests(self, **where: Any) -> list[dict[str, Any]]:
        clause = " AND ".join(f"{key} = ?" for key in where) or "1"
        return list(
            self.db.query(
                f"SELECT * FROM digests WHERE {clause} ORDER BY created_at, id",
                list(where.values()),
            )
        )

    def articles_of(self, digest_id: str) -> list[int]:
        return [
            row["article_id"]
            for row in self.db.query(
                "SELECT article_id FROM digest_articles WHERE digest_id = ? ORDER BY article_id",
                [digest_id],
            )
        ]


@pytest.fixture
def alerts_world(tmp_path: Any) -> Iterator[AlertsWorld]:
    """A fresh archive and configuration helpers for the alerts tests."""
    world = AlertsWorld(tmp_path)
    yield world
    world.db.conn.close()
