"""Token offsets found by skipping runs of tokens, and hits located within their paragraph.

Snippets ask ``token_offsets`` for a few tokens of a paragraph instead of lining up all of
them with ``token_spans``; both must give the same places, whatever the order of the questions.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from crawler.matching import Matcher, parse_query
from crawler.matching.normalization import stream_text, token_offsets, token_spans
from crawler.matching.snippets import Hit, locate

_ASCII_LINE = st.text(st.characters(max_codepoint=127, exclude_characters="\n\r\v\f\x1c\x1d\x1e"))
_TRICKY = st.sampled_from(
    [
        *"aAsSiIİıßéeÉ\u0301\u0307'’-—.,!? \t\u00a0\u00adـًّ؟غزةأإىשָׁ״ﬁＧ½…🙂𝐀_|#ǅΣς",
        *("\U0001f100", "\U000e0041", "\U0001d165", "\u1100", "\u1161", "\ufdfa"),
    ]
)
_LINE = st.text(_TRICKY, max_size=60).map(lambda text: " ".join(text.splitlines()))


def _agree_with_spans(text: str, order: list[int]) -> None:
    spans = token_spans(text)
    tokens = stream_text(text).split()
    offsets = token_offsets(text, len(tokens))
    if offsets is None:  # only where the spans are not simply the class string's tokens
        assert not text.isascii()
        return
    assert len(spans) == len(tokens)
    for index in order:
        if index < len(spans):
            assert (offsets.start(index), offsets.end(index)) == spans[index]


@settings(max_examples=1000, deadline=None)
@given(_ASCII_LINE, st.lists(st.integers(min_value=0, max_value=40), max_size=8))
@example("x's y's. it's O'Brien's 's", [3, 0, 5, 5, 1])
@example("'s S's a's's b'S. 'S", [0, 1, 2, 3, 4])
@example("end.Next ... (quoted) --dash-- 42", [6, 2, 7, 0])
def test_ascii_offsets_are_the_spans_in_any_order(text: str, order: list[int]) -> None:
    _agree_with_spans(text, order)


@settings(max_examples=1000, deadline=None)
@given(_LINE, st.lists(st.integers(min_value=0, max_value=40), max_size=8))
@example("غَزَّةُ أيضاً. İstanbul'da", [2, 0, 1, 3])
@example("ﬁre … ½ x", [0, 1])
def test_offsets_of_any_text_are_the_spans_or_none(text: str, order: list[int]) -> None:
    _agree_with_spans(text, order)


def test_offsets_stop_at_the_last_token() -> None:
    offsets = token_offsets("Gaza's truce, held.", 4)
    assert offsets is not None
    assert [offsets.start(i) for i in range(4)] == [0, 7, 14, 18]
    assert [offsets.end(i) for i in range(4)] == [4, 12, 18, 19]
    with pytest.raises(IndexError):
        offsets.end(4)
    assert offsets.has_exactly(4)
    assert not offsets.has_exactly(3)
    assert not offsets.has_exactly(5)


def test_text_with_expanding_characters_is_lined_up_whole() -> None:
    """ "½" and "…" take several characters of the class string: no offsets by skipping, and
    the snippet comes from the spans of every token."""
    body = "Cost ½ of the aid … to Gaza today."
    tokens = stream_text(body).split()
    assert token_offsets(body, len(tokens)) is None
    (result,) = Matcher({"list": parse_query("gaza")}).match(body=body)
    assert result.snippet == body
    assert [result.snippet[a:b] for a, b in result.highlights] == ["Gaza"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["gaza", "aid", "truce", "|"]), min_size=1, max_size=12),
        min_size=1,
        max_size=5,
    ),
    st.data(),
)
def test_word_index_counts_the_words_before_a_hit_in_its_paragraph(
    paragraphs: list[list[str]], data: st.DataObject
) -> None:
    stream = " " + " # ".join(" ".join(tokens) for tokens in paragraphs) + " "
    starts = []  # (paragraph, words before, offset) of every token that is a word
    offset = 1
    for number, tokens in enumerate(paragraphs):
        words = 0
        for token in tokens:
            if token != "|":
                starts.append((number, words, offset))
                words += 1
            offset += len(token) + 1
        offset += 2  # "# "
    assume(starts)
    chosen = data.draw(st.lists(st.sampled_from(starts), min_size=1, max_size=6, unique=True))
    hits = [Hit(0, "body", start, 1, 1) for _, _, start in chosen]
    locate(stream, hits)
    if len(hits) == 1:
        assert hits[0].paragraph == chosen[0][0]
    else:
        assert [(hit.paragraph, hit.word) for hit in hits] == [(p, w) for p, w, _ in chosen]


@pytest.mark.parametrize(
    ("query", "matches"),
    [("rafah NEAR/1 crossing", True), ("rafah NEAR/0 crossing", False)],
)
def test_near_counts_words_within_a_later_paragraph(query: str, matches: bool) -> None:
    body = "Crossing news. More words here!\nAlpha beta. Gamma: Rafah the crossing."
    results = Matcher({"list": parse_query(query)}).match(body=body)
    assert bool(results) is matches
    if matches:
        (result,) = results
        assert result.snippet == "Alpha beta. Gamma: Rafah the crossing."
        assert [result.snippet[a:b] for a, b in result.highlights] == ["Rafah", "crossing"]
