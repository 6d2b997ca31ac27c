"""Arabic and Hebrew proclitics: the closed set of prefixes, properties of the rule, and a search
through a real SQLite archive (the FTS prefilter must not lose prefixed words).

The texts are written for these tests (no real article text).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from config.schema import DedupSettings
from crawler.archive import search_archive
from crawler.extract import ExtractedArticle
from crawler.ingest import IngestContext, WatchListMatcher, store_article
from crawler.matching import Matcher, fts_expression, parse_query
from crawler.matching.proclitics import (
    ARABIC_LI_FOR_ALEF,
    ARABIC_PROCLITICS,
    ARABIC_PROCLITICS_BEFORE_ARTICLE,
    HEBREW_PROCLITICS,
    stems,
)
from crawler.store import open_database, utcnow

ARABIC_PROCLITIC_LETTERS = "وفبكلا"
HEBREW_PROCLITIC_LETTERS = "והבכלמש"
# Arabic letters that are never a proclitic, for words and for prefixes that must not count.
ARABIC_OTHER_LETTERS = "تثجحخدذرزسشصضطظعغقمنهي"
HEBREW_OTHER_LETTERS = "אגדזחטיםןנסעפצקרת"


def _accepted(pattern: re.Pattern[str], letters: str, longest: int) -> set[str]:
    """Every string of up to ``longest`` of ``letters`` that the prefix pattern accepts."""
    sizes = range(longest + 1)
    candidates = ("".join(c) for n in sizes for c in itertools.product(letters, repeat=n))
    return {candidate for candidate in candidates if pattern.fullmatch(candidate)}


def test_the_arabic_prefixes_are_exactly_the_designed_set() -> None:
    conjunctions = ["", "و", "ف"]
    attached = ["", "ب", "ك", "ل", "ال", "بال", "كال", "لل"]
    expected = {c + a for c in conjunctions for a in attached}
    assert _accepted(ARABIC_PROCLITICS, ARABIC_PROCLITIC_LETTERS, 5) == expected


def test_before_an_article_only_a_conjunction_and_b_or_k_or_l_for_the_alef() -> None:
    before_article = _accepted(ARABIC_PROCLITICS_BEFORE_ARTICLE, ARABIC_PROCLITIC_LETTERS, 4)
    assert before_article == {"", "و", "ف", "ب", "ك", "وب", "وك", "فب", "فك"}
    assert _accepted(ARABIC_LI_FOR_ALEF, ARABIC_PROCLITIC_LETTERS, 4) == {"ل", "ول", "فل"}


def test_the_hebrew_prefixes_are_up_to_three_of_seven_letters() -> None:
    accepted = _accepted(HEBREW_PROCLITICS, HEBREW_PROCLITIC_LETTERS + "אע", 4)
    assert len(accepted) == 1 + 7 + 7**2 + 7**3
    assert all(set(prefix) <= set(HEBREW_PROCLITIC_LETTERS) for prefix in accepted)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("غزه", [("غزه", ARABIC_PROCLITICS)]),
        ("القدس", [("القدس", ARABIC_PROCLITICS_BEFORE_ARTICLE), ("لقدس", ARABIC_LI_FOR_ALEF)]),
        ("עזה", [("עזה", HEBREW_PROCLITICS)]),
        ("gaza", []),
        ("γάζα", []),
        ("غ", []),  # one letter: every word after و would match
        ("2024", []),
        ("٢٠٢٤", []),  # Arabic-Indic digits are in the Arabic block but are no word
    ],
)
def test_stems(word: str, expected: list[tuple[str, re.Pattern[str]]]) -> None:
    assert [(stem.text, stem.prefixes) for stem in stems(word)] == expected


arabic_words = st.text(ARABIC_OTHER_LETTERS, min_size=2, max_size=7)
hebrew_words = st.text(HEBREW_OTHER_LETTERS, min_size=2, max_size=7)
arabic_prefixes = st.sampled_from(sorted(_accepted(ARABIC_PROCLITICS, ARABIC_PROCLITIC_LETTERS, 4)))
hebrew_prefixes = st.text(HEBREW_PROCLITIC_LETTERS, min_size=0, max_size=3)


def _highlighted(query: str, body: str) -> list[str] | None:
    results = Matcher({"list": parse_query(query)}).match(body=body)
    if not results:
        return None
    return [results[0].snippet[start:end] for start, end in results[0].highlights]


@settings(max_examples=200, deadline=None)
@given(word=arabic_words, prefix=arabic_prefixes)
def test_an_arabic_term_matches_after_any_accepted_prefix(word: str, prefix: str) -> None:
    body = f"قال {prefix}{word} أمس"
    assert _highlighted(word, body) == [prefix + word]  # the whole word, prefix included
    assert _highlighted(f"={word}", body) == (None if prefix else [word])


@settings(max_examples=200, deadline=None)
@given(word=arabic_words, prefix=st.text(ARABIC_OTHER_LETTERS + "وفبكلا", min_size=1, max_size=4))
def test_an_arabic_term_does_not_match_after_other_letters(word: str, prefix: str) -> None:
    body = f"قال {prefix}{word} أمس"
    expected = [prefix + word] if ARABIC_PROCLITICS.fullmatch(prefix) else None
    assert _highlighted(word, body) == expected


@settings(max_examples=200, deadline=None)
@given(word=hebrew_words, prefix=hebrew_prefixes, extra=st.text(HEBREW_OTHER_LETTERS, max_size=2))
def test_a_hebrew_term_matches_after_one_to_three_prefix_letters(
    word: str, prefix: str, extra: str
) -> None:
    assert _highlighted(word, f"אמר {prefix}{word} אתמול") == [prefix + word]
    if extra:  # a letter that is not a prefix, before the prefix letters
        assert _highlighted(word, f"אמר {extra}{prefix}{word} אתמול") is None
    four = "ו" * (4 - len(prefix)) + prefix
    assert _highlighted(word, f"אמר {four}{word} אתמול") is None


@settings(max_examples=100, deadline=None)
@given(
    word=st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=7),
    prefix=arabic_prefixes.filter(bool),
)
def test_latin_terms_take_no_prefix(word: str, prefix: str) -> None:
    assert _highlighted(word, f"said w{word} b{word} {prefix}{word}") is None


# --- search through a real archive --------------------------------------------------------

ARCHIVE_ARTICLES = [
    ("Gaza update", "Aid reached Gaza on Monday. وصلت المساعدات بغزة صباحا."),
    ("Jerusalem update", "Protests in Jerusalem. تظاهرات للقدس والقدس الشرقية."),
    ("Gaza in Hebrew", "Gaza report. דיווח מעזה ושבעזה."),
    ("Unrelated", "Weather report: sunny. طقس مشمس."),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path: Path = tmp_path_factory.mktemp("archive") / "archive.db"
    db = open_database(path)
    dedup = DedupSettings()
    context = IngestContext(
        matcher=WatchListMatcher([]),
        linker_threshold=dedup.threshold,
        tracking_parameters=tuple(dedup.tracking_parameters),
    )
    published = utcnow() - timedelta(days=1)
    for number, (title, body) in enumerate(ARCHIVE_ARTICLES):
        url = f"https://news.example/{number}.html"
        article = ExtractedArticle(url, url, title, body, published_at=published, language="en")
        store_article(db, article, source="News", fetched_url=url, context=context)
    yield db
    db.close()


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("غزة", {"Gaza update"}),
        ("Gaza AND غزة", {"Gaza update"}),  # prefiltered by "gaza", then matched on "بغزة"
        ('Gaza "غزة"', {"Gaza update"}),
        ("Gaza AND עזה", {"Gaza in Hebrew"}),
        ("Jerusalem NEAR/5 القدس", {"Jerusalem update"}),
        ("القدس OR Jerusalem", {"Jerusalem update"}),
        ("Gaza AND =غزة", set()),
        ("Gaza AND =עזה", set()),
    ],
)
def test_search_finds_prefixed_words_through_the_prefilter(
    archive: Database, query: str, titles: set[str]
) -> None:
    hits = search_archive(archive, query, limit=10)
    assert {hit.title for hit in hits} == titles
    expression = fts_expression(parse_query(query))
    if expression is not None:  # the prefilter has no Arabic or Hebrew word in it
        assert expression.isascii()
