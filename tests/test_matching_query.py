"""The query language: parsing, the canonical printed form, and syntax errors with positions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.matching import (
    And,
    Field,
    Near,
    Not,
    Or,
    QuerySyntaxError,
    Term,
    parse_query,
)
from crawler.matching.parser import MAX_NESTING, MAX_QUERY_LENGTH


def term(text: str, **flags: bool) -> Term:
    return Term.from_text(text, **flags)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("gaza", term("gaza")),
        ('"Gaza ceasefire"', term("gaza ceasefire")),
        ("gaza truce", And((term("gaza"), term("truce")))),
        ("gaza AND truce", And((term("gaza"), term("truce")))),
        ("gaza OR truce", Or((term("gaza"), term("truce")))),
        ("a b OR c", Or((And((term("a"), term("b"))), term("c")))),
        ("a OR b c", Or((term("a"), And((term("b"), term("c")))))),
        ("a (b OR c)", And((term("a"), Or((term("b"), term("c")))))),
        ("a AND (b AND c)", And((term("a"), term("b"), term("c")))),
        ("(a OR b) OR c", Or((term("a"), term("b"), term("c")))),
        ("gaza -hamas", And((term("gaza"), Not(term("hamas"))))),
        ("gaza NOT hamas", And((term("gaza"), Not(term("hamas"))))),
        ("gaza NOT NOT hamas", And((term("gaza"), term("hamas")))),
        ('gaza -"hamas leaders"', And((term("gaza"), Not(term("hamas leaders"))))),
        ("gaza -(a OR b)", And((term("gaza"), Not(Or((term("a"), term("b"))))))),
        ("rafah NEAR/3 crossing", Near(term("rafah"), term("crossing"), 3)),
        ('"rafah crossing" NEAR/0 aid', Near(term("rafah crossing"), term("aid"), 0)),
        ("title:gaza", Field("title", term("gaza"))),
        ('body:"gaza truce"', Field("body", term("gaza truce"))),
        ("title:(a OR b)", Field("title", Or((term("a"), term("b"))))),
        ("title:(a NEAR/2 b)", Field("title", Near(term("a"), term("b"), 2))),
        ("-title:gaza x", And((Not(Field("title", term("gaza"))), term("x")))),
        ("cease*", term("cease", prefix=True)),
        ('"rafah cross"*', term("rafah cross", prefix=True)),
        ("=crossings", term("crossings", exact=True)),
        ('="rafah crossings"', term("rafah crossings", exact=True)),
        ("title:=crossings*", Field("title", term("crossings", exact=True, prefix=True))),
        ("and or not near", And(tuple(term(w) for w in ("and", "or", "not", "near")))),
        ("cease-fire", term("cease fire")),
        ("foo:bar", term("foo: bar")),
        ("TITLE:gaza", term("title: gaza")),
        ("-AND x", And((Not(term("and")), term("x")))),
    ],
)
def test_parse(query: str, tree: object) -> None:
    assert parse_query(query) == tree


def test_equality_ignores_spelling_but_printing_keeps_it() -> None:
    assert parse_query("Gaza") == parse_query('"gaza"')
    assert str(parse_query("Gaza")) == "Gaza"
    assert str(parse_query('"gaza"')) == '"gaza"'
    assert parse_query("crossing") != parse_query("=crossing")
    assert parse_query("cease") != parse_query("cease*")


@pytest.mark.parametrize(
    ("query", "printed"),
    [
        (
            '"Gaza ceasefire" OR (Gaza truce) -Hamas',
            '"Gaza ceasefire" OR Gaza AND truce AND NOT Hamas',
        ),
        ("(a OR b) c", "(a OR b) AND c"),
        ("a -(b c)", "a AND NOT (b AND c)"),
        ("title:(a b)", "title:(a AND b)"),
        ("title:(a)", "title:a"),
        ("-AND x", 'NOT "AND" AND x'),
        ("title:-x", 'title:"-x"'),
        ("rafah  NEAR/3   crossing", "rafah NEAR/3 crossing"),
        ('="ab cd"*', '="ab cd"*'),
    ],
)
def test_canonical_printed_form(query: str, printed: str) -> None:
    assert str(parse_query(query)) == printed
    assert parse_query(printed) == parse_query(query)


@pytest.mark.parametrize(
    ("query", "position", "message"),
    [
        ('"gaza', 0, "unbalanced quote"),
        ('gaza "rafah crossing', 5, "unbalanced quote"),
        ("(gaza", 0, "never closed"),
        ("a (b (c)", 2, "never closed"),
        ("gaza)", 4, "no matching '('"),
        ("a OR b)", 6, "no matching '('"),
        ("()", 0, "empty group"),
        ("gaza AND ()", 9, "empty group"),
        ("title:()", 6, "empty group"),
        ("gaza AND", 5, "'AND' needs a term on both sides"),
        ("AND gaza", 0, "'AND' needs a term on both sides"),
        ("gaza OR", 5, "'OR' needs a term on both sides"),
        ("gaza OR OR truce", 5, "'OR' needs a term on both sides"),
        ("(gaza OR)", 6, "'OR' needs a term on both sides"),
        ("gaza AND OR truce", 5, "'AND' needs a term on both sides"),
        ("gaza NOT", 5, "'NOT' needs a term after it"),
        ("x -", 2, "'-' needs a term right after it"),
        ("x - y", 2, "'-' needs a term right after it"),
        ("title: x", 0, "'title:' needs a term right after it"),
        ("x =", 2, "'=' needs a term right after it"),
        ("gaza NEAR truce", 5, "NEAR needs a distance"),
        ("gaza NEAR/ truce", 5, "NEAR needs a distance"),
        ("gaza NEAR/x truce", 10, "whole number"),
        ("gaza NEAR/500 truce", 10, "at most 100"),
        ("gaza NEAR/" + "9" * 5000 + " truce", 10, "at most 100"),
        ("gaza NEAR/0100 truce", 10, "at most 100"),
        ("gaza NEAR/3", 5, "'NEAR/3' needs a term on both sides"),
        ("NEAR/3 gaza", 0, "needs a term on both sides"),
        ("a NEAR/3 (b OR c)", 2, "NEAR joins two terms or phrases"),
        ("title:a NEAR/3 b", 8, "NEAR joins two terms or phrases"),
        ("a NEAR/3 b NEAR/2 c", 11, "cannot be chained"),
        ("title:(a OR body:b)", 12, "cannot be nested"),
        ("title:body:x", 6, "cannot be nested"),
        ("cea*se", 3, "only allowed at the end"),
        ("*", 0, "needs a word before it"),
        ("a*", 0, "at least 2 letters"),
        ("!!!", 0, "no letters or digits"),
        ('""', 0, "no letters or digits"),
        ('gaza "..."', 5, "no letters or digits"),
        ("", 0, "query is empty"),
        ("   ", 0, "query is empty"),
        ("NOT gaza", 0, "only excludes"),
        ("gaza OR -hamas", 8, "only excludes"),
        ("-a -b", 0, "only excludes"),
        ("'); DROP TABLE articles; --", 0, "no letters or digits"),
        ("x'); DROP TABLE articles; --", 2, "no matching '('"),
    ],
)
def test_syntax_errors_point_at_the_problem(query: str, position: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.position == position
    assert error.query == query
    assert message in error.message


def test_error_shows_the_query_with_a_caret() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query('gaza AND "rafah crossing')
    assert str(caught.value) == (
        'unbalanced quote: this phrase has no closing " (at position 9)\n'
        '  gaza AND "rafah crossing\n'
        "           ^"
    )


def test_error_excerpt_of_a_long_query_keeps_the_caret_under_the_problem() -> None:
    query = "gaza " * 100 + "( truce"
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    _, excerpt, caret = str(caught.value).split("\n")
    assert excerpt[caret.index("^")] == "("
    assert excerpt.startswith("  …")


def test_error_excerpt_replaces_control_characters() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query('a\x00b\n"c')
    _, excerpt, caret = str(caught.value).split("\n")
    assert excerpt == '  a?b?"c'
    assert excerpt[caret.index("^")] == '"'


def test_limits() -> None:
    with pytest.raises(QuerySyntaxError, match="longer than"):
        parse_query("gaza " * (MAX_QUERY_LENGTH // 5 + 1))
    with pytest.raises(QuerySyntaxError, match="nested more than"):
        parse_query("(" * (MAX_NESTING + 1) + "a" + ")" * (MAX_NESTING + 1))
    assert parse_query("(" * MAX_NESTING + "a" + ")" * MAX_NESTING) == term("a")
    long_phrase = '"' + "word " * 2000 + '"'  # a 10 kB literal phrase is a valid search
    assert len(parse_query(long_phrase).words) == 2000


def test_many_negations_do_not_recurse() -> None:
    assert parse_query("x " + "-" * 5001 + "gaza") == And((term("x"), Not(term("gaza"))))


# Property: printing a parsed query and parsing it again gives the same query.

_WORDS = st.sampled_from(
    ["gaza", "Rafah", "crossing", "cease-fire", "and", "or", "near", "غزة", "İstanbul", "x1"]
)
_PHRASES = st.lists(_WORDS, min_size=1, max_size=3).map(" ".join)


@st.composite
def _terms(draw: st.DrawFn) -> Term:
    quoted = draw(st.booleans())
    text = draw(_PHRASES if quoted else _WORDS)
    return Term.from_text(
        text, quoted=quoted, exact=draw(st.booleans()), prefix=draw(st.booleans())
    )


def _flat(kind: type, children: list) -> object:
    merged = []
    for child in children:
        merged.extend(child.children if isinstance(child, kind) else (child,))
    return merged[0] if len(merged) == 1 else kind(tuple(merged))


def _queries(with_fields: bool = True) -> st.SearchStrategy:
    near = st.builds(Near, _terms(), _terms(), st.integers(0, 100))
    leaves = st.one_of(_terms(), near)

    def extend(children: st.SearchStrategy) -> st.SearchStrategy:
        return st.one_of(
            st.lists(children, min_size=2, max_size=3).map(lambda c: _flat(And, c)),
            st.lists(children, min_size=2, max_size=3).map(lambda c: _flat(Or, c)),
            st.tuples(children, children).map(lambda pair: _flat(And, [pair[0], Not(pair[1])])),
        )

    tree = st.recursive(leaves, extend, max_leaves=8)
    if not with_fields:
        return tree
    return st.one_of(
        tree,
        st.tuples(st.sampled_from(["title", "body"]), st.recursive(leaves, extend, max_leaves=4))
        .map(lambda pair: Field(*pair))
        .flatmap(lambda field: tree.map(lambda other: _flat(And, [field, other]))),
    )


@settings(max_examples=300, deadline=None)
@given(_queries())
def test_printed_query_parses_back_to_the_same_query(query: object) -> None:
    printed = str(query)
    assert parse_query(printed) == query
    assert str(parse_query(printed)) == printed


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list('ab "()-=*:/\x00NEARORNOTANDtitlebody3غ')), max_size=40)
)
def test_any_input_parses_or_fails_cleanly_and_round_trips(text: str) -> None:
    try:
        query = parse_query(text)
    except QuerySyntaxError as error:
        assert 0 <= error.position <= len(text)
        assert "^" in str(error)
        return
    assert parse_query(str(query)) == query
    assert str(parse_query(str(query))) == str(query)
