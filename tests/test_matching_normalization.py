"""Normalisation, the token stream, token spans and term spellings."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crawler.matching import normalize
from crawler.matching.normalization import _fold_case, stream_text, token_spans
from crawler.matching.variants import singular, term_variants, word_forms


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Gaza", "gaza"),
        ("ＧＡＺＡ", "gaza"),  # NFKC: full-width letters
        ("\ufb01re", "fire"),  # NFKC: ligature
        ("naïve café", "naive cafe"),
        ("cafe\u0301", "cafe"),  # combining accent
        ("Straße", "strasse"),
        ("İSTANBUL", "istanbul"),  # dotted capital I: no combining dot left behind
        ("ISTANBUL", "istanbul"),
        ("Diyarbakır", "diyarbakir"),  # dotless i folds to i
        ("ΣΊΣΥΦΟΣ", "σισυφοσ"),
        ("Gaza’s", "gaza's"),
        ("Gaza‘s Gazaʼs Gaza′s", "gaza's gaza's gaza's"),
        (
            "cease–fire cease—fire cease‐fire cease−fire",
            "cease-fire cease-fire cease-fire cease-fire",
        ),
        ("Ga\u00adza", "gaza"),  # soft hyphen
        ("a\u200bb", "a b"),  # zero-width space separates
        ("a\u200cb\u200db\u200e", "abb"),  # joiners and direction marks vanish
        ("إطلاق أحمد آمن", "اطلاق احمد امن"),  # alef with hamza or madda: bare alef
        ("ٱلله", "الله"),  # alef wasla
        ("غزة", "غزه"),  # ta marbuta
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("مـحـمـد", "محمد"),  # tatweel
        ("غَزَّةُ", "غزه"),  # harakat and shadda
        ("أيضاً", "ايضا"),  # tanween
        ("یک کتاب", "يك كتاب"),  # Persian ya and kaf
        ("שָׁלוֹם", "שלום"),  # niqqud
        ("צה״ל ג׳", "צה\"ל ג'"),  # gershayim and geresh
    ],
)
def test_normalize(text: str, normalised: str) -> None:
    assert normalize(text) == normalised


@pytest.mark.parametrize(
    ("text", "stream"),
    [
        ("Gaza's cease-fire. Talks\nresume", "gaza cease fire | talks # resume"),
        ("“Truce”, (finally) — now!", "truce finally now |"),
        ("U.S. officials", "u | s | officials"),
        ("the soldiers' families", "the soldiers families"),
        ("it's O'Brien's", "it o brien"),
        ("Gaza's. Gaza's", "gaza | gaza"),
        ("a\r\nb\nc\u2028d", "a # b # c # d"),
        ("a | b # c", "a b c"),  # the marks' own characters are ordinary symbols
        ("snake_case", "snake case"),
        ("x\x00y", "x y"),
        ("Gaza🙂truce", "gaza truce"),
        ("10,000 (½)", "10 000 1 2"),
        ("؟غزة، رفح؛", "| غزه رفح |"),
        ("", ""),
    ],
)
def test_stream_text(text: str, stream: str) -> None:
    assert stream_text(text) == stream


def test_normalize_turns_every_apostrophe_and_dash_into_one() -> None:
    assert {normalize(c) for c in "'’‘‛ʼʹ′＇"} == {"'"}
    dashes = [chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Pd"]
    assert {normalize(d) for d in dashes} == {"-"}


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Gaza's cease-fire.", ["Gaza", "cease", "fire", "."]),
        ("(Truce)", ["Truce"]),
        ("İstanbul'da", ["İstanbul", "da"]),
        ("غَزَّةُ أيضاً", ["غَزَّةُ", "أيضاً"]),
        ("Ga\u00adza", ["Ga\u00adza"]),
        ("ﬁre …", ["ﬁre", "…", "…", "…"]),  # NFKC makes three full stops of one ellipsis
        ("½ x", ["½", "½", "x"]),
        ("a🙂b 𝐀x", ["a", "b", "𝐀x"]),
        ("x's y's", ["x", "y"]),
    ],
)
def test_token_spans(text: str, tokens: list[str]) -> None:
    spans = token_spans(text)
    assert [text[start:end] for start, end in spans] == tokens
    assert len(spans) == len(stream_text(text).split())


_TRICKY = st.sampled_from(
    [
        *"aAsSiIİıßéeÉ\u0301\u0307'’-—.,!? \t\u00a0\u00adـًّ؟غزةأإىשָׁ״ﬁＧ½…🙂𝐀_|#ǅΣς",
        *("\U0001f100", "\U000e0041", "\U0001d165", "\u1100", "\u1161", "\ufdfa"),
    ]
)
_TEXT = st.one_of(st.text(max_size=60), st.text(_TRICKY, max_size=60))


@settings(max_examples=1000, deadline=None)
@given(_TEXT)
@example("ǅ")
@example("İ\u0307")
@example("ﬃ")
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=1000, deadline=None)
@given(_TEXT)
def test_stream_of_normalised_text_is_the_stream(text: str) -> None:
    """Terms and text go through one function: normalising first changes nothing."""
    assert stream_text(normalize(text)) == stream_text(text)
    words = [token for token in stream_text(text).split() if token not in "|#"]
    assert stream_text(" ".join(words)).split() == words


@settings(max_examples=1000, deadline=None)
@given(st.text(_TRICKY, max_size=60).map(lambda text: " ".join(text.splitlines())))
def test_token_spans_line_up_with_the_stream(text: str) -> None:
    spans = token_spans(text)
    tokens = stream_text(text).split()
    assert len(spans) == len(tokens)
    for (start, end), token in zip(spans, tokens, strict=True):
        assert 0 <= start < end <= len(text)
        assert token in stream_text(text[start:end]).split()


@pytest.mark.parametrize(
    ("word", "base"),
    [
        ("crossings", "crossing"),
        ("cities", "city"),
        ("churches", "church"),
        ("crosses", "cross"),
        ("boxes", "box"),
        ("vetoes", "veto"),
        ("shoes", "shoe"),
        ("israelis", "israeli"),
        ("hamas", "hamas"),
        ("ideas", "ideas"),  # -as is left alone, so that Hamas is not Hama
        ("news", "news"),
        ("series", "series"),
        ("press", "press"),
        ("bus", "bus"),
        ("gaza", "gaza"),
        ("غزه", "غزه"),
    ],
)
def test_singular(word: str, base: str) -> None:
    assert singular(word) == base


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from("abcesiyxhouz"), min_size=1, max_size=10))
def test_every_form_of_a_word_has_the_words_base(word: str) -> None:
    forms = word_forms(word)
    assert forms[0] == word
    assert {singular(form) for form in forms} == {singular(word)}


def test_term_variants() -> None:
    assert term_variants(("ceasefire",)) == [
        ("ceasefire",),
        ("ceasefires",),
        ("cea", "sefire"),
        ("ceas", "efire"),
        ("cease", "fire"),
        ("ceasef", "ire"),
    ]
    assert term_variants(("cease", "fire")) == [
        ("cease", "fire"),
        ("cease", "fires"),
        ("ceasefire",),
    ]
    assert term_variants(("crossings",), exact=True) == [("crossings",)]
    assert term_variants(("cease",), prefix=True) == [("cease",)]
    assert term_variants(("u", "|", "s")) == [("u", "|", "s")]  # no join across a full stop
    assert term_variants(("iran",)) == [("iran",), ("irans",)]  # too short to split
    assert term_variants(("غزه",)) == [("غزه",)]
    long_phrase = ("aid", "convoys", "reached", "the", "north", "of", "gaza", "truce", "talks")
    assert term_variants(long_phrase) == [long_phrase, (*long_phrase[:-1], "talk")]


_ASCII_LINE = st.text(st.characters(max_codepoint=127, exclude_characters="\n\r\v\f\x1c\x1d\x1e"))


@settings(max_examples=1000, deadline=None)
@given(_ASCII_LINE, st.integers(min_value=0, max_value=30))
@example("x's y's. it's O'Brien's 's", 3)
def test_ascii_text_always_lines_up_and_spans_can_stop_early(text: str, limit: int) -> None:
    """Snippets of ASCII paragraphs skip the check that spans and stream tokens line up, and
    ask only for the spans they show."""
    spans = token_spans(text)
    assert len(spans) == len(stream_text(text).split())
    assert token_spans(text, limit=limit) == spans[:limit]


@given(st.text(st.characters(max_codepoint=127)))
def test_ascii_case_folding_shortcut_is_nfkc_and_casefold(text: str) -> None:
    assert _fold_case(text) == unicodedata.normalize("NFKC", text).casefold()
