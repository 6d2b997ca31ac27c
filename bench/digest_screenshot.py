"""Render a digest from the local news web and screenshot it in headless Chromium.

    .venv/bin/python bench/digest_screenshot.py [--out docs/img/digest.png] [--width 800]

The articles that match "Gaza ceasefire" in the generated news web (tests/newsweb, seed 0) go
into a fresh archive with their story groups, plus a few crawl runs (one source failing, one
skipping pages) for the footer; ``alerts.preview`` renders the HTML and Chromium takes the picture.
Needs Debian's ``chromium`` (``apt-get install -y chromium``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlite_utils import Database  # noqa: E402

import alerts  # noqa: E402
from config.loader import Config  # noqa: E402
from config.schema import Settings, Source, WatchList  # noqa: E402
from crawler.store import open_database, to_db_time, write_transaction  # noqa: E402
from tests.newsweb import GAZA, generate_web  # noqa: E402

TERM = re.compile(r"\bgaza\W{1,3}cease[- ]?fire\b|وقف إطلاق النار في غزة", re.IGNORECASE)


def snippet_and_highlights(text: str) -> tuple[str, str]:
    """Whole words around the first mention (about 200 characters), with its offsets."""
    found = TERM.search(text)
    if found is None:
        return _words(text, 0, 200), "[]"
    start = text.rfind(" ", 0, max(found.start() - 80, 0)) + 1
    snippet = ("…" if start else "") + _words(text, start, 220)
    offset = found.start() - start + (1 if start else 0)
    return snippet, f"[[{offset}, {offset + found.end() - found.start()}]]"


def _words(text: str, start: int, length: int) -> str:
    end = text.rfind(" ", start, start + length)
    return text[start:end] + " …" if end > start and start + length < len(text) else text[start:]


def fill_archive(db: Database, now: datetime) -> None:
    web = generate_web(seed=0, sites=4, articles_per_site=40)
    stories: dict[str, int] = {}
    with write_transaction(db):
        for number, article in enumerate(web.matching(GAZA), start=1):
            first_seen = min(article.published + timedelta(minutes=7), now - timedelta(minutes=5))
            snippet, highlights = snippet_and_highlights(article.body)
            url = f"https://www.{article.site}.example{article.path}"
            db["articles"].insert(
                {
                    "id": number,
                    "url_key": url,
                    "url": url,
                    "canonical_url": url,
                    "title": article.title,
                    "body": article.body,
                    "content_hash": str(number),
                    "source": article.site.capitalize(),
                    "language": article.language,
                    "published_at": to_db_time(article.published),
                    "fetched_at": to_db_time(first_seen),
                    "first_seen_at": to_db_time(first_seen),
                    "story_id": stories.setdefault(article.story, len(stories) + 1),
                }
            )
            db["matches"].insert(
                {
                    "article_id": number,
                    "watchlist": GAZA,
                    "matched_at": to_db_time(first_seen),
                    "clauses": "[]",
                    "fields": '["body"]',
                    "snippet": snippet,
                    "highlights": highlights,
                }
            )
        for hours, source, status, new, skipped, message in [
            (20, "Ledger", "ok", 12, 0, None),
            (18, "Post", "ok", 9, 3, None),
            (6, "Courier", "failed", 0, 0, "HTTP 503 from the sitemap"),
            (2, "Tribune", "ok", 4, 11, None),
        ]:
            db["crawl_runs"].insert(
                {
                    "source": source,
                    "status": status,
                    "started_at": to_db_time(now - timedelta(hours=hours)),
                    "new": new,
                    "skipped": skipped,
                    "message": message,
                }
            )


def screenshot(html_file: Path, png_file: Path, width: int, height: int) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium is not installed: apt-get install -y chromium")
    with tempfile.TemporaryDirectory(prefix="pw-chromium-") as profile:
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={png_file}",
                f"--window-size={width},{height}",
                html_file.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img" / "digest.png")
    parser.add_argument("--width", type=int, default=800)
    options = parser.parse_args()

    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="pw-digest-") as folder_name:
        folder = Path(folder_name)
        db = open_database(folder / "presswatch.db")
        fill_archive(db, now)
        settings = Settings.model_validate(
            {
                "timezone": "Europe/Berlin",
                "mail": {"from": "presswatch <alerts@example.org>"},
                "browse": {"url": "https://archive.example.org/presswatch"},
            }
        )
        watchlist = WatchList.model_validate(
            {"name": GAZA, "query": '"Gaza ceasefire"', "recipients": ["reader@example.org"]}
        )
        sources = tuple(
            Source.model_validate(
                {"name": name, "feeds": [f"https://www.{name.lower()}.example/rss.xml"]}
            )
            for name in ("Ledger", "Post", "Courier", "Tribune")
        )
        config = Config(folder, settings, sources, (watchlist,))
        html = alerts.preview(db, config, GAZA, now=now)
        options.out.parent.mkdir(parents=True, exist_ok=True)
        html_file = folder / "digest.html"
        html_file.write_text(html, encoding="utf-8")
        stories = html.count('class="story"')
        # The viewport is the picture: about 160 px per story plus the masthead and footer.
        screenshot(html_file, options.out, options.width, 320 + 160 * stories)
    print(f"{stories} stories, {len(html) / 1024:.0f} KiB of HTML, screenshot: {options.out}")


if __name__ == "__main__":
    main()
