"""The Matcher API: what a MatchResult holds, several lists at once, and edge cases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.matching import Matcher, MatchResult, parse_query
from crawler.matching.normalization import stream_text
from crawler.matching.variants import term_variants

GAZA = '"Gaza ceasefire" OR (Gaza AND truce)'


def test_the_example_from_the_issue() -> None:
    matcher = Matcher({"Gaza ceasefire": parse_query(GAZA)})
    results = matcher.match(title="Truce holds", body="Aid reached Gaza on Monday.")
    assert results == [
        MatchResult(
            watchlist="Gaza ceasefire",
            clauses=["Gaza AND truce"],
            fields={"title", "body"},
            snippet="Aid reached Gaza on Monday.",
            highlights=[(12, 16)],
            hits=2,
            terms=["truce", "Gaza"],
            snippet_field="body",
        )
    ]


def test_clauses_are_the_top_level_alternatives_that_matched() -> None:
    matcher = Matcher({"list": parse_query(GAZA + " OR Rafah")})
    (result,) = matcher.match(body="The Gaza ceasefire held as a truce. Rafah was calm.")
    assert result.clauses == ['"Gaza ceasefire"', "Gaza AND truce", "Rafah"]
    assert result.terms == ['"Gaza ceasefire"', "Gaza", "truce", "Rafah"]
    assert result.hits == 4  # "Gaza" counts once for the phrase and once alone
    assert result.fields == {"body"}


def test_a_query_without_or_is_one_clause() -> None:
    matcher = Matcher({"list": parse_query("gaza  truce -hamas")})
    (result,) = matcher.match(body="Gaza truce")
    assert result.clauses == ["gaza AND truce AND NOT hamas"]


def test_title_only_evidence_gives_a_title_snippet() -> None:
    matcher = Matcher({"list": parse_query("title:Rafah")})
    (result,) = matcher.match(title="Rafah crossing reopens", body="Rafah is quiet.")
    assert result.fields == {"title"}
    assert result.snippet_field == "title"
    assert result.snippet == "Rafah crossing reopens"
    assert result.highlights == [(0, 5)]


def test_one_result_per_matching_list_in_the_order_given() -> None:
    matcher = Matcher(
        {
            "rafah": parse_query("Rafah"),
            "nothing": parse_query("Khartoum"),
            "gaza": parse_query(GAZA),
            "also rafah": parse_query('"Rafah crossing"'),
        }
    )
    results = matcher.match(body="Rafah crossing and the Gaza ceasefire")
    assert [result.watchlist for result in results] == ["rafah", "gaza", "also rafah"]


def test_lists_sharing_a_term_share_its_hits() -> None:
    matcher = Matcher({"a": parse_query("gaza"), "b": parse_query("Gaza truce")})
    results = matcher.match(body="Gaza truce")
    assert [(r.watchlist, r.highlights) for r in results] == [
        ("a", [(0, 4)]),
        ("b", [(0, 4), (5, 10)]),
    ]


def test_missing_or_empty_text() -> None:
    matcher = Matcher({"list": parse_query("gaza")})
    assert matcher.match(title=None, body=None) == []
    assert matcher.match() == []
    assert matcher.match(title="Gaza", body=None)[0].snippet == "Gaza"
    assert Matcher({}).match(body="Gaza") == []


def test_highlights_point_at_the_original_words() -> None:
    body = "Le cessez-le-feu à GAZA, selon l’Égypte… Les négociations continuent."
    matcher = Matcher({"list": parse_query('gaza egypte negociation* "cessez le feu"')})
    (result,) = matcher.match(body=body)
    assert [result.snippet[start:end] for start, end in result.highlights] == [
        "cessez-le-feu",
        "GAZA",
        "Égypte",
        "négociations",
    ]


def test_hits_across_paragraphs_show_the_best_paragraph() -> None:
    matcher = Matcher({"list": parse_query("gaza AND truce AND aid")})
    body = "Gaza.\n\nA truce.\n\nAid to Gaza under the truce.\n\nMore aid."
    (result,) = matcher.match(body=body)
    assert result.snippet == "Aid to Gaza under the truce."
    assert result.highlights == [(0, 3), (7, 11), (22, 27)]
    assert result.hits == 6


def test_thousands_of_lists_in_one_matcher() -> None:
    lists = {f"list {i}": parse_query(f'"term{i} alpha" OR beta{i}') for i in range(5000)}
    matcher = Matcher(lists)
    results = matcher.match(body="Here term4321 alpha and beta17 and beta99999.")
    assert [result.watchlist for result in results] == ["list 17", "list 4321"]
    assert results[1].clauses == ['"term4321 alpha"']


def test_article_text_is_never_changed_in_the_snippet() -> None:
    body = "<b>Gaza</b> & “truce” — \tok"
    matcher = Matcher({"list": parse_query("gaza truce")})
    (result,) = matcher.match(body=body)
    assert result.snippet == body.strip()
    assert [result.snippet[a:b] for a, b in result.highlights] == ["Gaza", "truce"]


def test_highlight_spans_cover_every_occurrence_in_the_whole_text() -> None:
    matcher = Matcher(
        {"a": parse_query('"Rafah crossing" OR ceasefire*'), "b": parse_query("x -Gaza")}
    )
    text = "Gaza’s cease-fire.\r\n\r\nThe Rafah crossing, and\nceasefires; RAFAH CROSSINGS\n"
    spans = matcher.highlight_spans(text)
    assert [text[start:end] for start, end in spans] == [
        "Gaza",
        "cease-fire",
        "Rafah crossing",
        "ceasefires",
        "RAFAH CROSSINGS",
    ]
    assert matcher.highlight_spans("nothing here") == []
    assert Matcher({}).highlight_spans("Gaza") == []


def test_prefixes_of_longer_spellings_are_not_hits() -> None:
    """The automaton is built with the first levels of every spelling created first; those
    prefixes must not report hits, while a term that is itself such a prefix must."""
    matcher = Matcher({"short": parse_query("cease"), "long": parse_query('"ceasefire talks"')})
    assert matcher.match(body="ceasefire") == []
    assert matcher.match(body="ceasefi talks") == []
    assert [r.watchlist for r in matcher.match(body="A cease now")] == ["short"]
    assert [r.watchlist for r in matcher.match(body="cease fire talks")] == ["short", "long"]


@pytest.mark.parametrize(
    "body",
    [
        "One.\nTwo Gaza here.\nThree.",
        "One.\r\nTwo Gaza here.\r\nThree.",
        "One.\rTwo Gaza here.\rThree.",
        "One.\x0bTwo Gaza here.\x0cThree.",
        "One.\x1cTwo Gaza here.\x1dThree.\x1e",
        "One.\x85Two Gaza here.\u2028Three.",
        "One.\u2029Two Gaza here.\n\nThree.",
        "Üne.\nTwo Gaza here.\nThree.",
    ],
)
def test_the_snippet_paragraph_after_any_line_break(body: str) -> None:
    (result,) = Matcher({"list": parse_query("gaza")}).match(body=body)
    assert result.snippet == "Two Gaza here."
    assert result.highlights == [(4, 8)]


def test_only_alternatives_with_a_found_term_count() -> None:
    matcher = Matcher(
        {
            "negated": parse_query("x -gaza OR y -gaza"),
            "twice": parse_query("gaza truce OR gaza OR rafah"),
        }
    )
    (result,) = matcher.match(body="Gaza and a truce")
    assert result.watchlist == "twice"
    assert result.clauses == ["gaza AND truce", "gaza"]


_WORDS = st.text("abcs", min_size=1, max_size=9)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_WORDS, min_size=1, max_size=3), min_size=1, max_size=30),
    st.lists(_WORDS, max_size=40),
)
def test_many_lists_in_one_automaton_match_as_each_spelling_says(
    terms: list[list[str]], text: list[str]
) -> None:
    """Lists compiled together match exactly where one of their spellings (plurals, joins,
    splits) is in the token stream: the shared automaton neither loses nor invents hits."""
    matcher = Matcher(
        {str(i): parse_query('"' + " ".join(words) + '"') for i, words in enumerate(terms)}
    )
    body = " ".join(text)
    stream = f" {stream_text(body)} "
    expected = [
        str(i)
        for i, words in enumerate(terms)
        if any(f" {' '.join(variant)} " in stream for variant in term_variants(tuple(words)))
    ]
    assert [result.watchlist for result in matcher.match(body=body)] == expected
