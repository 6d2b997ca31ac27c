"""Story linking: syndicated copies join one story, different stories stay apart, on real SQLite."""

from __future__ import annotations

import logging
import random
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.dedup import minhash
from crawler.dedup.identity import content_hash
from crawler.dedup.stories import StoryLinker, forget_article, refresh_story, stories_for
from crawler.store import open_database, write_transaction
from tests.dedup_texts import (
    CHINESE_BODY,
    JAPANESE_BODY,
    JAPANESE_OTHER_BODY,
    RIVAL_BODY,
    THAI_BODY,
    THAI_OTHER_BODY,
    WIRE_BODY,
    WIRE_BODY_DE,
    WIRE_PARAGRAPHS,
    WIRE_TITLE,
    filler_story,
    market_report,
)

ROOT = Path(__file__).resolve().parents[1]


class Archive:
    """A real archive file with a helper that stores and links one article, as ingest does."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = open_database(path)
        self.linker = StoryLinker(self.db)
        self._count = 0

    def add(
        self,
        body: str,
        *,
        title: str = WIRE_TITLE,
        source: str = "Harbour Wire",
        language: str | None = "en",
        published_at: str | None = None,
        first_seen_at: str | None = None,
    ) -> tuple[int, int]:
        """Store an article and link it; return (article id, story id)."""
        self._count += 1
        first_seen_at = first_seen_at or f"2026-11-25T10:{self._count % 60:02d}:00+00:00"
        url = f"https://{source.lower().replace(' ', '-')}.example/news/{self._count}"
        with write_transaction(self.db):
            article_id = int(
                self.db["articles"]
                .insert(
                    {
                        "url_key": url,
                        "url": url,
                        "canonical_url": url,
                        "title": title,
                        "body": body,
                        "content_hash": content_hash(body),
                        "source": source,
                        "language": language,
                        "published_at": published_at,
                        "fetched_at": first_seen_at,
                        "first_seen_at": first_seen_at,
                    }
                )
                .last_pk
            )
            story_id = self.linker.link(
                article_id, title, body, language, published_at, first_seen_at
            )
        return article_id, story_id

    def story_row(self, story_id: int) -> dict:
        return self.db["stories"].get(story_id)


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    return Archive(tmp_path / "archive.db")


def paragraphs(*indexes: int) -> str:
    return "\n\n".join(WIRE_PARAGRAPHS[index] for index in indexes)


ALL = tuple(range(len(WIRE_PARAGRAPHS)))

COPIES = {
    "identical": WIRE_BODY,
    "dropped last paragraph": paragraphs(*ALL[:-1]),
    "dropped first and last paragraphs": paragraphs(*ALL[1:-1]),
    "added paragraph": WIRE_BODY
    + "\n\nThe Northport Courier will publish a full list of delayed sailings on its website "
    "on Thursday, together with advice for importers waiting on goods.",
    "other boilerplate": "NORTHPORT, Nov 25 (Harbour Wire) \u2014 "
    + WIRE_BODY
    + "\n\nReporting by Anna Berg; editing by Karl Mott.\n\nSign up for our morning briefing "
    "and never miss a story. Follow us on social media.",
    "house style": WIRE_BODY.replace("\u201c", '"')
    .replace("\u201d", '"')
    .replace("eleven percent", "11%")
    .replace("Tuesday", "TUESDAY"),
    "reordered paragraphs": paragraphs(0, 2, 1, 3, 5, 4, 6, 7),
    "desk edits": WIRE_BODY.replace("said on Tuesday", "told reporters on Tuesday")
    .replace("welcomed", "praised")
    .replace("Members approved", "Union members approved"),
}


@pytest.mark.parametrize("variant", sorted(COPIES))
def test_copy_of_the_wire_story_joins_its_story(archive: Archive, variant: str) -> None:
    _, original_story = archive.add(WIRE_BODY)
    _, copy_story = archive.add(
        COPIES[variant], title="Strike over at Northport", source="Coastal Herald"
    )
    assert copy_story == original_story
    assert archive.story_row(original_story)["articles"] == 2


def test_changed_headline_alone_does_not_split_a_story(archive: Archive) -> None:
    _, first = archive.add(WIRE_BODY, title=WIRE_TITLE)
    _, second = archive.add(WIRE_BODY, title="Port reopens: what it means for you", source="B")
    assert first == second


def test_unrelated_stories_stay_apart(archive: Archive) -> None:
    stories = {archive.add(filler_story(seed), source=f"S{seed}")[1] for seed in range(20)}
    assert len(stories) == 20


def test_same_template_with_different_stories_stays_apart(archive: Archive) -> None:
    reports = {market_report(seed) for seed in range(12)}
    # Different draws from the template: pairs overlap by up to about half their word triples.
    assert len(reports) == 12
    stories = [
        archive.add(report, source=f"Markets {index}")[1] for index, report in enumerate(reports)
    ]
    assert len(set(stories)) == len(stories)


def test_template_overlap_is_real() -> None:
    # The negative above would prove nothing if the template reports shared no text: with word
    # 3-shingles they overlap by a third or more; 5-shingles keep them below the threshold.
    overlaps = [
        minhash.jaccard(
            minhash.shingles(market_report(1), word_size=3),
            minhash.shingles(market_report(seed), word_size=3),
        )
        for seed in range(2, 12)
    ]
    assert max(overlaps) > 0.4
    assert all(
        minhash.jaccard(minhash.shingles(market_report(1)), minhash.shingles(market_report(seed)))
        < 0.45
        for seed in range(2, 12)
    )


def test_two_reports_of_one_event_sharing_quotes_stay_apart(archive: Archive) -> None:
    _, wire = archive.add(WIRE_BODY)
    _, rival = archive.add(RIVAL_BODY, title="A quiet week at the Northport gate", source="Rival")
    assert rival != wire
    # ... unless the rival's text is mostly the wire's.
    mostly_wire = "\n\n".join([*WIRE_PARAGRAPHS[:6], RIVAL_BODY.split("\n\n")[3]])
    _, reuse = archive.add(mostly_wire, title="Northport strike ends", source="Reuser")
    assert reuse == wire


def test_same_story_in_two_languages_stays_apart(archive: Archive) -> None:
    _, english = archive.add(WIRE_BODY, language="en")
    _, german = archive.add(WIRE_BODY_DE, language="de", source="Hafenblatt")
    assert german != english


def test_known_different_languages_never_join_even_with_equal_text(archive: Archive) -> None:
    _, english = archive.add(WIRE_BODY, language="en")
    _, mislabelled = archive.add(WIRE_BODY, language="de", source="Other")
    assert mislabelled != english
    # Region subtags and case do not make a language different; unknown language is compatible.
    _, british = archive.add(WIRE_BODY, language="EN-gb", source="British")
    _, unknown = archive.add(WIRE_BODY, language=None, source="Unknown")
    assert british == english
    assert unknown in (english, mislabelled)


@pytest.mark.parametrize(
    ("body", "other_body", "language"),
    [
        (JAPANESE_BODY, JAPANESE_OTHER_BODY, "ja"),
        (THAI_BODY, THAI_OTHER_BODY, "th"),
    ],
)
def test_scripts_without_spaces_link_copies_and_separate_stories(
    archive: Archive, body: str, other_body: str, language: str
) -> None:
    assert minhash.is_unspaced_script(minhash.normalise_text(body))
    _, original = archive.add(body, language=language)
    sentences_dropped = body[: int(len(body) * 0.85)]
    _, copy = archive.add(sentences_dropped, language=language, source="Copy")
    _, other = archive.add(other_body, language=language, source="Other")
    assert copy == original
    assert other != original


def test_chinese_copy_with_an_added_sentence_joins(archive: Archive) -> None:
    _, original = archive.add(CHINESE_BODY, language="zh")
    _, copy = archive.add(CHINESE_BODY + "港口预计下周全面恢复运营。", language="zh-CN", source="B")
    assert copy == original


def test_word_shingles_for_spaced_and_character_shingles_for_unspaced_scripts() -> None:
    assert minhash.WORD_SHINGLE == 5
    assert minhash.shingles("Gaza, ceasefire TALKS resume in Cairo today!") == {
        "gaza ceasefire talks resume in",
        "ceasefire talks resume in cairo",
        "talks resume in cairo today",
    }
    assert minhash.shingles("北港市の港湾労働者") == {
        "北港市の港",
        "港市の港湾",
        "市の港湾労",
        "の港湾労働",
        "港湾労働者",
    }
    # Thai vowel marks are parts of words, not separators.
    assert "\u0e34" in "".join(minhash.shingles(THAI_BODY))
    assert minhash.shingles("") == set()
    assert minhash.shingles("two words") == {"two words"}


def test_story_records_earliest_publisher_and_first_seen(archive: Archive) -> None:
    late, story = archive.add(
        WIRE_BODY,
        source="Late",
        published_at="2026-11-25T09:00:00+00:00",
        first_seen_at="2026-11-25T09:30:00+00:00",
    )
    earliest, _ = archive.add(
        COPIES["other boilerplate"],
        source="Early",
        published_at="2026-11-25T08:00:00+00:00",
        first_seen_at="2026-11-25T10:00:00+00:00",
    )
    undated, _ = archive.add(
        COPIES["added paragraph"],
        source="Undated",
        published_at=None,
        first_seen_at="2026-11-25T07:00:00+00:00",
    )
    row = archive.story_row(story)
    # The undated copy was seen first, but the earliest *publication* known is 08:00; an
    # article without a publication time is ordered by when it was first seen (07:00).
    assert row["articles"] == 3
    assert row["first_seen_at"] == "2026-11-25T07:00:00+00:00"
    assert row["earliest_published_at"] == "2026-11-25T08:00:00+00:00"
    assert row["first_article_id"] == undated
    assert {late, earliest, undated} == {
        r[0] for r in archive.db.execute("SELECT id FROM articles WHERE story_id = ?", [story])
    }


def test_incremental_story_summaries_equal_a_full_recount(archive: Archive) -> None:
    rng = random.Random(7)
    bases = [filler_story(seed) for seed in range(6)]
    for index in range(60):
        base = rng.choice(bases)
        parts = base.split("\n\n")
        rng.shuffle(parts)
        body = "\n\n".join(parts[: rng.randint(5, 6)])
        published = (
            None if rng.random() < 0.3 else f"2026-11-{rng.randint(1, 28):02d}T08:00:00+00:00"
        )
        archive.add(
            body,
            source=f"Outlet {index % 9}",
            published_at=published,
            first_seen_at=f"2026-11-{rng.randint(1, 28):02d}T09:{rng.randint(0, 59):02d}:00+00:00",
        )
    before = {row["id"]: row for row in archive.db["stories"].rows}
    assert len(before) == 6
    with write_transaction(archive.db):
        for story_id in before:
            refresh_story(archive.db, story_id)
    after = {row["id"]: row for row in archive.db["stories"].rows}
    assert after == before


def test_stories_persist_across_connections_and_processes(tmp_path: Path) -> None:
    first = Archive(tmp_path / "archive.db")
    _, story = first.add(WIRE_BODY)
    first.add(filler_story(1), source="Other")
    first.db.close()

    second = Archive(tmp_path / "archive.db")
    second._count = 10
    _, copy_story = second.add(COPIES["dropped last paragraph"], source="Second connection")
    assert copy_story == story
    second.db.close()

    # A separate process links a third copy through the same file.
    script = (
        "import sys\n"
        "from crawler.store import open_database, write_transaction\n"
        "from crawler.dedup import StoryLinker, content_hash\n"
        "db = open_database(sys.argv[1])\n"
        "body = sys.stdin.read()\n"
        "with write_transaction(db):\n"
        "    article_id = db['articles'].insert(dict(url_key='https://p.example/1',"
        " url='https://p.example/1', canonical_url='https://p.example/1', title='Copy',"
        " body=body, content_hash=content_hash(body), source='Process', language='en',"
        " fetched_at='2026-11-26T00:00:00+00:00', first_seen_at='2026-11-26T00:00:00+00:00'"
        ")).last_pk\n"
        "    print(StoryLinker(db).link(article_id, 'Copy', body, 'en', None,"
        " '2026-11-26T00:00:00+00:00'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "archive.db")],
        input=COPIES["other boilerplate"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert int(result.stdout.strip()) == story
    third = open_database(tmp_path / "archive.db")
    assert third["stories"].get(story)["articles"] == 3


def test_a_bucket_collision_alone_does_not_join(archive: Archive) -> None:
    victim, victim_story = archive.add(WIRE_BODY)
    stranger = filler_story(99)
    # Pretend every band of the stranger's signature collided with the wire story.
    values = minhash.text_signature(stranger)
    assert values is not None
    with write_transaction(archive.db):
        archive.db.conn.executemany(
            "INSERT INTO lsh_buckets (band, bucket, article_id) VALUES (?, ?, ?)",
            [(band, bucket, victim) for band, bucket in enumerate(minhash.band_buckets(values))],
        )
    _, stranger_story = archive.add(stranger, source="Stranger")
    assert stranger_story != victim_story


def test_too_short_texts_get_no_signature_and_their_own_story(archive: Archive) -> None:
    teaser_id, first = archive.add("Port strike ends.", title="Breaking")
    _, second = archive.add("Port strike ends.", title="Breaking", source="Other")
    assert first != second
    assert archive.db["article_signatures"].count_where("article_id = ?", [teaser_id]) == 0


def test_a_shared_headline_does_not_join_short_items(archive: Archive) -> None:
    title = "Stocks close higher as energy shares rally on a quiet day of trading in Northport"
    _, first = archive.add("Shares rose.", title=title)
    _, second = archive.add("Shares rose.", title=title, source="Other")
    assert first != second


def test_relink_keeps_the_story_after_an_update(archive: Archive) -> None:
    article, story = archive.add(WIRE_BODY)
    archive.add(COPIES["added paragraph"], source="Copy")
    updated = WIRE_BODY + "\n\nUpdate: the first ships were unloaded on Wednesday night."
    assert archive.linker.relink(article, WIRE_TITLE, updated, "en") == story
    assert archive.story_row(story)["articles"] == 2
    # The old bands are gone, the new ones stored: one set per article.
    bands = archive.linker.bands
    assert archive.db["lsh_buckets"].count_where("article_id = ?", [article]) == bands


def test_relink_of_a_rewritten_article_leaves_the_story(archive: Archive) -> None:
    article, story = archive.add(WIRE_BODY)
    copy, _ = archive.add(COPIES["dropped last paragraph"], source="Copy")
    new_story = archive.linker.relink(article, "Something else", filler_story(5), "en")
    assert new_story != story
    assert archive.story_row(story)["articles"] == 1
    assert archive.story_row(story)["first_article_id"] == copy
    assert archive.story_row(new_story)["articles"] == 1


def test_relink_of_a_lone_teaser_joins_the_full_story(archive: Archive) -> None:
    _, story = archive.add(WIRE_BODY)
    teaser, teaser_story = archive.add(filler_story(3), source="Teaser")
    assert teaser_story != story
    assert archive.linker.relink(teaser, WIRE_TITLE, COPIES["desk edits"], "en") == story
    assert archive.db["stories"].count_where("id = ?", [teaser_story]) == 0
    assert archive.story_row(story)["articles"] == 2


def test_link_twice_is_a_relink(archive: Archive) -> None:
    article, story = archive.add(WIRE_BODY)
    again = archive.linker.link(
        article, WIRE_TITLE, WIRE_BODY, "en", None, "2026-11-25T10:00:00+00:00"
    )
    assert again == story
    assert archive.story_row(story)["articles"] == 1
    assert archive.db["article_signatures"].count == 1


def test_link_of_a_missing_article_raises(archive: Archive) -> None:
    with pytest.raises(LookupError):
        archive.linker.link(404, "t", WIRE_BODY, "en", None, "2026-11-25T10:00:00+00:00")
    with pytest.raises(LookupError):
        archive.linker.relink(404, "t", WIRE_BODY, "en")


@pytest.mark.parametrize("threshold", [0, 1, -0.5, 1.5])
def test_threshold_must_be_a_similarity(archive: Archive, threshold: float) -> None:
    with pytest.raises(ValueError):
        StoryLinker(archive.db, threshold=threshold)


def test_threshold_is_honoured(archive: Archive) -> None:
    archive.add(WIRE_BODY)
    half = paragraphs(0, 1, 2, 3)
    similarity = minhash.jaccard(minhash.shingles(WIRE_BODY), minhash.shingles(half))
    assert 0.4 < similarity < 0.6
    strict = StoryLinker(archive.db, threshold=0.8)
    lenient = StoryLinker(archive.db, threshold=0.3)
    assert strict.similar_articles(half, "en") == []
    assert [article for article, _ in lenient.similar_articles(half, "en")] == [1]


def test_signatures_of_another_size_are_ignored_with_a_warning(
    archive: Archive, caplog: pytest.LogCaptureFixture
) -> None:
    archive.add(WIRE_BODY)
    small = StoryLinker(archive.db, num_perm=64, rows_per_band=2)
    # The 64-value signature's bands cannot equal 128-value bands except by the first rows;
    # make the collision certain by storing the 64-value bands for the old article.
    values = minhash.text_signature(WIRE_BODY, 64)
    assert values is not None
    with write_transaction(archive.db):
        archive.db.conn.executemany(
            "INSERT INTO lsh_buckets (band, bucket, article_id) VALUES (?, ?, 1)",
            [(band, bucket) for band, bucket in enumerate(minhash.band_buckets(values, 2))],
        )
    with caplog.at_level(logging.WARNING, logger="crawler.dedup.stories"):
        assert small.similar_articles(WIRE_BODY, "en") == []
    assert "ignoring a stored signature of 128 values" in caplog.text


def test_forget_article_updates_and_removes_stories(archive: Archive) -> None:
    first, story = archive.add(WIRE_BODY, published_at="2026-11-25T08:00:00+00:00")
    second, _ = archive.add(
        COPIES["added paragraph"], source="Copy", published_at="2026-11-25T09:00:00+00:00"
    )
    forget_article(archive.db, first)
    assert archive.story_row(story)["first_article_id"] == second
    assert archive.story_row(story)["articles"] == 1
    assert archive.db["lsh_buckets"].count_where("article_id = ?", [first]) == 0
    forget_article(archive.db, second)
    assert archive.db["stories"].count_where("id = ?", [story]) == 0
    # A new copy no longer finds the forgotten articles.
    third, new_story = archive.add(WIRE_BODY, source="Third")
    assert archive.story_row(new_story)["articles"] == 1
    assert archive.story_row(new_story)["first_article_id"] == third


def test_stories_for_digests(archive: Archive) -> None:
    wire, wire_story = archive.add(
        WIRE_BODY,
        source="Harbour Wire",
        published_at="2026-11-25T06:00:00+00:00",
        first_seen_at="2026-11-25T06:05:00+00:00",
    )
    herald, _ = archive.add(
        COPIES["other boilerplate"],
        source="Coastal Herald",
        published_at="2026-11-25T07:00:00+00:00",
        first_seen_at="2026-11-25T07:10:00+00:00",
    )
    courier, _ = archive.add(
        COPIES["added paragraph"],
        source="Courier",
        published_at="2026-11-25T08:00:00+00:00",
        first_seen_at="2026-11-25T11:00:00+00:00",
    )
    market, market_story = archive.add(
        market_report(3), source="Markets", first_seen_at="2026-11-25T09:00:00+00:00"
    )
    with write_transaction(archive.db):
        unlinked = int(
            archive.db["articles"]
            .insert(
                {
                    "url_key": "https://old.example/1",
                    "url": "https://old.example/1",
                    "canonical_url": "https://old.example/1",
                    "title": "Before linking",
                    "body": "x",
                    "content_hash": "x",
                    "source": "Old",
                    "fetched_at": "2026-11-25T08:00:00+00:00",
                    "first_seen_at": "2026-11-25T08:00:00+00:00",
                }
            )
            .last_pk
        )

    # The digest matched the Herald and the Courier copies (not the wire), the market report,
    # an unlinked article and an id that no longer exists.
    stories = stories_for(archive.db, [market, courier, herald, unlinked, 9999, herald])
    assert [story.id for story in stories] == [wire_story, market_story, None]
    strike = stories[0]
    assert strike.representative.article_id == herald  # earliest publisher among the matched
    assert [other.article_id for other in strike.others] == [wire, courier]  # wire included
    assert strike.sources == ["Coastal Herald", "Harbour Wire", "Courier"]
    assert strike.others[0].url == "https://harbour-wire.example/news/1"
    assert set(strike.article_ids) == {herald, courier}
    assert strike.first_seen_at == "2026-11-25T06:05:00+00:00"
    assert strike.earliest_published_at == "2026-11-25T06:00:00+00:00"
    assert strike.latest_seen_at == "2026-11-25T11:00:00+00:00"
    assert stories[2].representative.article_id == unlinked
    assert stories[2].others == ()
    assert stories_for(archive.db, []) == []


def test_stories_for_many_ids(archive: Archive) -> None:
    ids = [archive.add(filler_story(seed), source=f"S{seed}")[0] for seed in range(3)]
    stories = stories_for(archive.db, [*ids, *range(10_000, 12_000)])
    assert sorted(story.representative.article_id for story in stories) == ids


def test_relink_to_a_teaser_keeps_the_story(archive: Archive) -> None:
    # A re-fetch that only got a paywall teaser cannot be compared: it stays where it was.
    article, story = archive.add(WIRE_BODY)
    archive.add(COPIES["added paragraph"], source="Copy")
    assert archive.linker.relink(article, WIRE_TITLE, "Subscribe to read.", "en") == story
    assert archive.db["article_signatures"].count_where("article_id = ?", [article]) == 0
    assert archive.story_row(story)["articles"] == 2
