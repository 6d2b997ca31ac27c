"""The FTS5 prefilter against a real SQLite FTS5 table, made as the store makes it."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.matching import (
    Matcher,
    QuerySyntaxError,
    Term,
    fts_expression,
    parse_query,
)

TOKENIZE = "unicode61 remove_diacritics 2"


class FtsTable:
    """``articles`` with ``articles_fts(title, body)``, as ``enable_fts`` creates them."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite_utils.Database(path)
        self.db.execute("PRAGMA synchronous = OFF")  # a scratch file: no need to wait for disk
        self.db["articles"].create({"id": int, "title": str, "body": str}, pk="id")
        self.db["articles"].enable_fts(
            ["title", "body"], fts_version="FTS5", create_triggers=True, tokenize=TOKENIZE
        )

    def replace(self, articles: list[tuple[str, str]]) -> None:
        self.db.execute("DELETE FROM articles")
        self.db["articles"].insert_all(
            {"id": index, "title": title, "body": body}
            for index, (title, body) in enumerate(articles)
        )

    def search(self, expression: str) -> set[int]:
        rows = self.db.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", [expression]
        ).fetchall()
        return {row[0] for row in rows}


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FtsTable]:
    fts = FtsTable(tmp_path_factory.mktemp("fts") / "articles.db")
    yield fts
    fts.db.close()


ARTICLES = [
    ("Gaza ceasefire holds", "Aid trucks entered through the Rafah crossing."),
    ("Talks resume", "A cease-fire in Gaza's north was agreed; crossings reopened."),
    ("İSTANBUL'da toplantı", "Diyarbakır ve İstanbul arasında ateşkes görüşmesi."),
    ("Straße gesperrt", "Die Strasse nach Zürich"),
    ("وقف إطلاق النار", "أعلن وقف إطلاق النار في غَزَّة."),
    ("שָׁלוֹם", "הפסקת אש ברצועת עזה"),
    ("Hostilities end", "The hostility ended in two cities."),
    ("Weather", "Sunny with a cease fire of clouds"),
]


@pytest.mark.parametrize(
    ("query", "expression"),
    [
        ("gaza", '"gaza"'),
        ("title:Rafah -Hamas", 'title : ("rafah" OR "rafahs")'),
        ("Gaza OR Rafah", '"gaza" OR "rafah" OR "rafahs"'),
        ('"Gaza truce"', '("gaza" AND ("truce" OR "truces")) OR "gazatruce"'),
        ("=Gaza", '"gaza"'),
        ("=Gaza*", '"gaza"*'),
        ("=istanbul", '"istanbul" OR "ıstanbul"'),
        ("=strasse", '"strasse" OR "straße"'),
        ("Gaza NEAR/3 =aid", '("gaza" AND ("aid" OR "aıd"))'),
        ("غزة", None),
        ("غزة OR gaza", None),
        ("gaza غزة", '"gaza"'),
        ("gaza -hamas", '"gaza"'),
        ("gaza -title:hamas", '"gaza"'),
    ],
)
def test_expression(query: str, expression: str | None) -> None:
    assert fts_expression(parse_query(query)) == expression


@pytest.mark.parametrize(
    ("query", "matching"),
    [
        ("gaza", {0, 1}),
        ("title:gaza", {0}),
        ("ceasefire", {0, 1, 7}),
        ('"Rafah crossing"', {0}),
        ("crossing", {0, 1}),
        ("istanbul", {2}),
        ("diyarbakir", {2}),
        ("strasse", {3}),
        ("Straße", {3}),
        ("zurich", {3}),
        ("hostilities", {6}),
        ("city", {6}),
    ],
)
def test_prefilter_passes_the_matching_articles(
    table: FtsTable, query: str, matching: set[int]
) -> None:
    table.replace(ARTICLES)
    parsed = parse_query(query)
    matcher = Matcher({"list": parsed})
    matched = {
        index
        for index, (title, body) in enumerate(ARTICLES)
        if matcher.match(title=title, body=body)
    }
    assert matched == matching
    expression = fts_expression(parsed)
    assert expression is not None
    passed = table.search(expression)
    assert matched <= passed
    assert len(passed) < len(ARTICLES)  # and it does filter


def test_terms_fts_cannot_represent_mean_no_prefilter(table: FtsTable) -> None:
    table.replace(ARTICLES)
    for query in ("غزة", "שלום", "عزة OR gaza", 'title:"وقف إطلاق النار"'):
        assert fts_expression(parse_query(query)) is None
    matcher = Matcher({"list": parse_query("غزة")})
    assert matcher.match(title=ARTICLES[4][0], body=ARTICLES[4][1])  # the matcher still finds it


def test_deep_nesting_gives_no_prefilter_rather_than_an_fts5_error(table: FtsTable) -> None:
    table.replace(ARTICLES)
    expressions = []
    for depth in range(1, 21):
        operators = ["AND", "OR"] * depth
        query = "".join(f"(w{i} {operators[i]} " for i in range(depth)) + "x" + ")" * depth
        expression = fts_expression(parse_query(query))
        expressions.append(expression)
        if expression is not None:
            table.search(expression)
    assert expressions[0] is not None
    assert expressions[-1] is None


# The superset property on generated articles and queries.

_SPELLINGS = {
    "gaza": ["Gaza", "GAZA", "gaza", "Gaza's", "Gaza’s"],
    "ceasefire": ["ceasefire", "cease-fire", "cease fire", "Ceasefires", "CEASE–FIRE"],
    "crossing": ["crossing", "Crossings", "crossing's"],
    "city": ["city", "cities", "City’s"],
    "istanbul": ["İstanbul", "ISTANBUL", "istanbul", "İstanbul'da"],
    "diyarbakir": ["Diyarbakır", "DIYARBAKIR", "Diyarbakir"],
    "strasse": ["Straße", "Strasse", "STRASSE"],
    "naive": ["naïve", "naive", "NAÏVE"],
    "airstrike": ["airstrike", "air strike", "air-strikes"],
    "talks": ["talks", "talk", "Talks"],
    "us": ["U.S.", "US", "us"],
    "hostilities": ["hostilities", "hostility", "Hostilities"],
}
_FILLER = ["the", "aid", "north", "and", "said", "of", "in"]
_SEPARATORS = [" ", " ", ", ", ". ", "\n", " - ", " (", ") "]


@st.composite
def _articles(draw: st.DrawFn) -> tuple[str, str]:
    def text(size: int) -> str:
        words = draw(
            st.lists(
                st.one_of(
                    st.sampled_from(_FILLER),
                    st.sampled_from(list(_SPELLINGS)).flatmap(
                        lambda key: st.sampled_from(_SPELLINGS[key])
                    ),
                ),
                max_size=size,
            )
        )
        separators = draw(st.lists(st.sampled_from(_SEPARATORS), min_size=len(words)))
        return "".join(word + separator for word, separator in zip(words, separators, strict=False))

    return text(4), text(12)


_QUERY_WORDS = [*_SPELLINGS, "cease fire", "air strike", "gaza ceasefire", "the aid", "north"]


@st.composite
def _queries(draw: st.DrawFn) -> str:
    def term(*, plain: bool = False) -> str:
        word = draw(st.sampled_from(_QUERY_WORDS))
        text = f'"{word}"' if " " in word else word
        if plain:
            return text
        if " " not in word and draw(st.booleans()):
            text += "*"
        if draw(st.integers(0, 4)) == 0:
            text = "=" + text
        if draw(st.integers(0, 4)) == 0:
            text = draw(st.sampled_from(["title:", "body:"])) + text
        return text

    def clause() -> str:
        if draw(st.integers(0, 3)) == 0:
            return f"{term(plain=True)} NEAR/{draw(st.integers(0, 3))} {term(plain=True)}"
        return term()

    query = clause()
    for _ in range(draw(st.integers(0, 3))):
        query += draw(st.sampled_from([" ", " AND ", " OR ", " -"])) + clause()
    return query


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(_articles(), min_size=1, max_size=8), _queries())
def test_every_matching_article_passes_the_prefilter(
    table: FtsTable, articles: list[tuple[str, str]], query_text: str
) -> None:
    try:
        query = parse_query(query_text)
    except QuerySyntaxError:
        return
    expression = fts_expression(query)
    if expression is None:
        return
    table.replace(articles)
    matcher = Matcher({"list": query})
    matched = {
        index
        for index, (title, body) in enumerate(articles)
        if matcher.match(title=title, body=body)
    }
    assert matched <= table.search(expression), (query_text, expression)


# Hostile input: a QuerySyntaxError or a literal search, never an SQLite error.

_HOSTILE = "\"()[]{}*^:-+=/\\\x00'`;,.NEARORNOTAND title body col 0123 ab غ ß ı"


def _hostile_queries(count: int, seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    fixed = [
        'NEAR("a" "b", 3)',
        "col:gaza",
        "{title body}: gaza",
        '"a" "b"',
        "^gaza",
        "gaza*",
        "a\x00b",
        "x" * 10_000,
        "gaza " * 2_000,
        '"' + "word " * 2_000 + '"',
        "((((((((((a))))))))))",
        "a OR " * 1000 + "b",
        "-",
        '"',
        "title:",
        "NEAR/",
        "x NEAR/1 y NEAR/1 z",
    ]
    yield from fixed
    for _ in range(count - len(fixed)):
        length = rng.choice([1, 3, 10, 40, 200])
        yield "".join(rng.choice(_HOSTILE) for _ in range(length))


def test_ten_thousand_hostile_queries_never_raise_an_sqlite_error(table: FtsTable) -> None:
    table.replace(ARTICLES)
    outcomes = {"syntax error": 0, "no prefilter": 0, "searched": 0}
    for text in _hostile_queries(10_000, seed=12):
        try:
            query = parse_query(text)
        except QuerySyntaxError as error:
            assert 0 <= error.position <= len(text)
            outcomes["syntax error"] += 1
            continue
        expression = fts_expression(query)
        if expression is None:
            outcomes["no prefilter"] += 1
            continue
        try:
            table.search(expression)
        except sqlite3.Error as error:  # pragma: no cover - the failure being tested for
            pytest.fail(f"{text!r} -> {expression!r}: {error}")
        outcomes["searched"] += 1
    assert all(outcomes.values()), outcomes  # every path was exercised


@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=80))
def test_random_text_as_a_query_never_raises_an_sqlite_error(table: FtsTable, text: str) -> None:
    try:
        query = parse_query(text)
    except QuerySyntaxError:
        return
    expression = fts_expression(query)
    if expression is not None:
        table.search(expression)


def test_a_ten_kilobyte_phrase_is_a_literal_search(table: FtsTable) -> None:
    words = " ".join(f"w{index}" for index in range(1500))
    table.replace([("", words), ("", "w0 w1 w2")])
    query = parse_query(f'"{words}"')
    assert isinstance(query, Term)
    expression = fts_expression(query)
    assert expression is not None
    assert table.search(expression) == {0}  # the first words alone already pass
    matcher = Matcher({"list": query})
    assert matcher.match(body=words)
    assert not matcher.match(body="w0 w1 w2")
