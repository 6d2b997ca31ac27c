"""Story linking on the local news web: its syndicated copies join, everything else stays apart."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.dedup.identity import content_hash
from crawler.dedup.stories import StoryLinker, stories_for
from crawler.store import open_database, to_db_time, write_transaction
from tests.newsweb import GroundTruthArticle, NewsWeb, generate_web

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def link_web(db: Database, web: NewsWeb) -> dict[str, int]:
    """Store and link every article of the web in publication order; ground-truth id -> row id."""
    linker = StoryLinker(db)
    row_ids = {}
    for article in sorted(web.articles, key=lambda a: (a.published, a.id)):
        published = to_db_time(article.published)
        with write_transaction(db):
            row_id = int(
                db["articles"]
                .insert(
                    {
                        "url_key": f"https://{article.site}.example{article.path}",
                        "url": f"https://{article.site}.example{article.path}",
                        "canonical_url": f"https://{article.site}.example{article.path}",
                        "title": article.title,
                        "body": article.body,
                        "content_hash": content_hash(article.body),
                        "source": article.site,
                        "language": article.language,
                        "published_at": published,
                        "fetched_at": published,
                        "first_seen_at": published,
                    }
                )
                .last_pk
            )
            linker.link(row_id, article.title, article.body, article.language, published, published)
        row_ids[article.id] = row_id
    return row_ids


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[NewsWeb, Database, dict[str, int]]:
    web = generate_web(seed=11, sites=4, articles_per_site=60, now=NOW)
    db = open_database(Path(tmp_path_factory.mktemp("newsweb")) / "archive.db")
    return web, db, link_web(db, web)


def story_of(db: Database, row_id: int) -> int:
    return db.execute("SELECT story_id FROM articles WHERE id = ?", [row_id]).fetchone()[0]


def test_the_web_has_syndicated_copies_and_hard_negatives(linked) -> None:
    web, _, _ = linked
    assert len(web.copies()) >= 2
    forms = {article.form for article in web.articles}
    assert {"syndicated", "translation", "same-template", "same-event-shared-quote"} <= forms


def test_every_copy_group_is_one_story(linked) -> None:
    web, db, row_ids = linked
    for group in web.copies():
        assert len({story_of(db, row_ids[article_id]) for article_id in group}) == 1, group


def test_articles_of_different_stories_never_share_one(linked) -> None:
    web, db, row_ids = linked
    by_story: dict[int, set[str]] = {}
    for article in web.articles:
        by_story.setdefault(story_of(db, row_ids[article.id]), set()).add(article.story)
    mixed = {story: labels for story, labels in by_story.items() if len(labels) > 1}
    assert mixed == {}


def test_hard_negatives_stay_apart(linked) -> None:
    web, db, row_ids = linked

    def stories_of(form: str) -> list[int]:
        return [story_of(db, row_ids[a.id]) for a in web.articles if a.form == form]

    for form in ("same-template", "same-event-shared-quote"):
        found = stories_of(form)
        assert len(found) == 2
        assert len(set(found)) == 2, form
    wire = {story_of(db, row_ids[a.id]) for a in web.articles if a.story == "story-wire-gaza"}
    assert len(wire) == 1
    assert set(stories_of("translation")).isdisjoint(wire)


def test_story_summary_names_the_earliest_publisher(linked) -> None:
    web, db, row_ids = linked
    for group in web.copies():
        articles: list[GroundTruthArticle] = [web.article(article_id) for article_id in group]
        earliest = min(articles, key=lambda a: (a.published, row_ids[a.id]))
        story = db["stories"].get(story_of(db, row_ids[earliest.id]))
        assert story["articles"] == len(group)
        assert story["first_article_id"] == row_ids[earliest.id]
        assert story["earliest_published_at"] == to_db_time(earliest.published)
        assert story["first_seen_at"] == to_db_time(earliest.published)


def test_digest_shows_one_entry_per_story_with_the_other_outlets(linked) -> None:
    web, db, row_ids = linked
    group = max(web.copies(), key=len)
    latest = max(group, key=lambda article_id: web.article(article_id).published)
    unrelated = next(a for a in web.articles if a.story == a.id and a.language == "en")
    stories = stories_for(db, [row_ids[latest], row_ids[unrelated.id]])
    entry = next(story for story in stories if story.representative.article_id == row_ids[latest])
    assert {other.article_id for other in entry.others} == {
        row_ids[article_id] for article_id in group if article_id != latest
    }
    assert sorted(entry.sources) == sorted(web.article(article_id).site for article_id in group)
    assert len(stories) == 2


def test_pairwise_precision_and_recall_on_the_web(linked) -> None:
    web, db, row_ids = linked
    story = {article.id: story_of(db, row_ids[article.id]) for article in web.articles}
    false_joins = missed = 0
    for first, second in itertools.combinations(web.articles, 2):
        same_label = first.story == second.story
        same_story = story[first.id] == story[second.id]
        false_joins += same_story and not same_label
        missed += same_label and not same_story
    assert (false_joins, missed) == (0, 0)
