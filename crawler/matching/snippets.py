"""Snippets: about thirty words of the ORIGINAL text around the best hit, with hit offsets.

The matcher finds hits in the token stream of the normalised text; a reader must see the words
as published. The stream and the original text line up in two steps that stay cheap:

1. every line break of the original (as ``str.splitlines`` sees them) becomes exactly one
   ``#`` token, so the paragraph of a hit is found by counting ``#`` marks and only that
   paragraph is revisited;
2. inside the paragraph, ``token_offsets`` finds where the tokens of the snippet window start
   and end, from a class string that says, character by character, what the original becomes
   in the stream; it skips the tokens before the window in runs, without a Python object for
   each (``token_spans`` gives every span at once, for whole-article highlights).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from crawler.matching.normalization import (
    PARAGRAPH_BREAKS,
    PARAGRAPH_MARK,
    SENTENCE_MARK,
    TokenOffsets,
    is_word,
    token_offsets,
    token_spans,
)

SNIPPET_WORDS = 30
WORDS_BEFORE_HIT = 10
ELLIPSIS = "…"
_MAX_HITS_COMPARED = 200
_BREAKS_BUT_LF = PARAGRAPH_BREAKS.replace("\n", "")


@dataclass(slots=True)
class Hit:
    """One occurrence of a term in the token stream of a field."""

    term: int
    field: str
    start: int  # offset of the first token in the padded stream of the field
    tokens: int  # tokens in the matched spelling, sentence marks included
    words: int  # words in the matched spelling
    word: int = -1  # index of the first word among its paragraph's words, set by ``locate``
    paragraph: int = -1  # paragraph of the field, set by ``locate``


class Snippet(NamedTuple):
    text: str
    highlights: list[tuple[int, int]]


def locate(stream: str, hits: Sequence[Hit]) -> None:
    """Set ``paragraph`` and ``word`` of ``hits`` (all the hits in ``stream``).

    ``word`` only tells apart hits in one paragraph (NEAR distances, the best of several hits),
    so it counts from the start of the paragraph, and a lone hit gets only its ``paragraph``.
    """
    if len(hits) == 1:
        hits[0].paragraph = stream.count(PARAGRAPH_MARK, 0, hits[0].start)
        return
    paragraphs = previous = paragraph_start = 0
    for hit in sorted(hits, key=lambda hit: hit.start):
        marks = stream.count(PARAGRAPH_MARK, previous, hit.start)
        if marks:
            paragraphs += marks
            paragraph_start = stream.rfind(PARAGRAPH_MARK, previous, hit.start) + 1
        previous = hit.start
        # The tokens before the hit in its paragraph, less its sentence marks; each token
        # follows one space, and the hit's own space is not one of them.
        spaces = stream.count(" ", paragraph_start, hit.start)
        hit.word = spaces - 1 - stream.count(SENTENCE_MARK, paragraph_start, hit.start)
        hit.paragraph = paragraphs


class _SpanList:
    """Token offsets looked up in the spans of every token of a paragraph."""

    __slots__ = ("_spans",)

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self._spans = spans

    def start(self, index: int) -> int:
        return self._spans[index][0]

    def end(self, index: int) -> int:
        return self._spans[index][1]


class _Paragraph:
    """One paragraph: its original text, its stream tokens and where they are in the text."""

    __slots__ = (
        "_lined_up",
        "_offsets",
        "_offsets_sought",
        "_spans",
        "stream_start",
        "text",
        "tokens",
    )

    def __init__(self, text: str, stream_start: int, tokens: list[str]) -> None:
        self.text = text
        self.stream_start = stream_start  # offset of the first token in the field stream
        self.tokens = tokens
        self._spans: list[tuple[int, int]] | None = None
        self._lined_up = False  # whether _spans holds the result of lining up every token
        self._offsets: TokenOffsets | _SpanList | None = None
        self._offsets_sought = False

    @property
    def spans(self) -> list[tuple[int, int]] | None:
        """Where each token is in ``text``; None in the rare case they do not line up (a
        composition across characters, such as Hangul jamo)."""
        if not self._lined_up:
            spans = token_spans(self.text)
            self._spans = spans if len(spans) == len(self.tokens) else None
            self._lined_up = True
        return self._spans

    def offsets(self) -> TokenOffsets | _SpanList | None:
        """Where tokens start and end in ``text``, or None if they do not line up."""
        if not self._offsets_sought:
            self._offsets = token_offsets(self.text, len(self.tokens))
            if self._offsets is None and self.spans is not None:
                self._offsets = _SpanList(self.spans)  # a character expands in the class string
            self._offsets_sought = True
        return self._offsets


class SnippetSource:
    """One field of one article (original text and its padded stream), whose paragraphs are
    lined up at most once however many watch lists need a snippet from it.

    Only the paragraphs that hold a hit are looked at: the stream paragraph is found from the
    hit outwards, so the cost does not grow with the length of the article.
    """

    def __init__(self, text: str, stream: str) -> None:
        self.text = text
        self.stream = stream
        self._paragraphs: dict[int, _Paragraph] = {}
        self._lines: list[str] | None = None
        self._offsets: list[int] | None = None

    def original_paragraph(self, index: int) -> str:
        if self._lines is None:
            # str.splitlines breaks exactly where the stream puts a "#" (CR LF counting once).
            # When every break is a plain LF, splitting at LF gives the same paragraphs (and
            # an empty one after a final break, never asked for) several times faster.
            text = self.text
            if not any(map(text.__contains__, _BREAKS_BUT_LF)):
                self._lines = text.split("\n")
            else:
                self._lines = text.splitlines()
        return self._lines[index]

    def paragraph_offset(self, index: int) -> int:
        """Where paragraph ``index`` starts in ``text``."""
        if self._offsets is None:
            lines = self.text.splitlines(keepends=True)
            self._offsets = [0, *itertools.accumulate(map(len, lines))]
        return self._offsets[index]

    def paragraph(self, hit: Hit) -> _Paragraph:
        """The paragraph holding ``hit`` (located)."""
        paragraph = self._paragraphs.get(hit.paragraph)
        if paragraph is None:
            # A "#" is always a token between single spaces, and the padded stream ends with
            # one: tokens are found with one-character searches and splits, the fastest.
            mark = self.stream.rfind(PARAGRAPH_MARK, 0, hit.start)
            start = 1 if mark < 0 else mark + 2
            end = self.stream.find(PARAGRAPH_MARK, start)
            tokens = self.stream[start : end - 1 if end >= 0 else -1].split(" ")
            paragraph = _Paragraph(self.original_paragraph(hit.paragraph), start, tokens)
            self._paragraphs[hit.paragraph] = paragraph
        return paragraph


def hit_spans(source: SnippetSource, hits: Sequence[Hit]) -> list[tuple[int, int]]:
    """Where ``hits`` (located, in the field of ``source``) are in the whole text, merged."""
    spans = []
    for hit in hits:
        paragraph = source.paragraph(hit)
        if paragraph.spans is None:
            continue
        first = _token_index(paragraph, hit, source)
        offset = source.paragraph_offset(hit.paragraph)
        start = paragraph.spans[first][0]
        end = paragraph.spans[first + hit.tokens - 1][1]
        spans.append((offset + start, offset + end))
    return _merged(spans)


def build_snippet(source: SnippetSource, hits: Sequence[Hit]) -> Snippet:
    """The snippet around the best of ``hits`` (located hits in the field of ``source``)."""
    best = _best_hit(hits)
    paragraph = source.paragraph(best)
    tokens = paragraph.tokens
    best_first = _token_index(paragraph, best, source)
    first, last = _window(tokens, best_first, best.tokens)
    offsets = paragraph.offsets()
    if offsets is None:
        return _plain_snippet(paragraph.text)
    if len(hits) == 1:
        shown = [(best_first, best.tokens)]
    else:
        shown = sorted(
            (best_first if hit is best else _token_index(paragraph, hit, source), hit.tokens)
            for hit in hits
            if hit.paragraph == best.paragraph
        )
    # Asked for in increasing order of tokens, the offsets are found in one sweep.
    window_start = offsets.start(first)
    shown_spans = [
        (offsets.start(hit_first), offsets.end(hit_first + hit_tokens - 1))
        for hit_first, hit_tokens in shown
        if hit_first >= first and hit_first + hit_tokens - 1 <= last
    ]
    start, end = _whole_chunks(paragraph.text, window_start, offsets.end(last))
    prefix = f"{ELLIPSIS} " if _has_words_before(tokens, first) else ""
    suffix = f" {ELLIPSIS}" if last + 1 < len(tokens) else ""  # a word follows (see _window)
    shift = len(prefix) - start
    highlights = [(hit_start + shift, hit_end + shift) for hit_start, hit_end in shown_spans]
    return Snippet(prefix + paragraph.text[start:end] + suffix, _merged(highlights))


def _whole_chunks(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to whitespace, to keep quotes, brackets and punctuation."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def _best_hit(hits: Sequence[Hit]) -> Hit:
    """The hit whose snippet window shows the most distinct terms, then the most hits."""
    if len(hits) == 1:
        return hits[0]
    compared = sorted(hits, key=lambda hit: (hit.paragraph, hit.word))[:_MAX_HITS_COMPARED]

    def shown(candidate: Hit) -> tuple[int, int]:
        low = candidate.word - WORDS_BEFORE_HIT
        high = low + SNIPPET_WORDS
        inside = [
            hit
            for hit in compared
            if hit.paragraph == candidate.paragraph and low <= hit.word < high
        ]
        return len({hit.term for hit in inside}), len(inside)

    return max(compared, key=shown)  # max keeps the first of equals: the earliest hit


def _token_index(paragraph: _Paragraph, hit: Hit, source: SnippetSource) -> int:
    return source.stream.count(" ", paragraph.stream_start, hit.start)


def _window(tokens: list[str], hit_first: int, hit_tokens: int) -> tuple[int, int]:
    """First and last token of the snippet: about 30 words, the hit near the start, and the
    sentence marks that end the last word if there are any (so a word follows the last token
    unless it is the paragraph's last)."""
    first = _first_word_from(tokens, _step_back(tokens, hit_first, WORDS_BEFORE_HIT))
    last = _step_forward(tokens, first, SNIPPET_WORDS - 1)
    shown = _words_in(tokens[first : last + 1])
    if shown < SNIPPET_WORDS:  # the paragraph ends early: show more before the hit
        first = _first_word_from(tokens, _step_back(tokens, first, SNIPPET_WORDS - shown))
    last = max(last, hit_first + hit_tokens - 1)
    while last + 1 < len(tokens) and not is_word(tokens[last + 1]):
        last += 1
    return first, last


# Stepping over words a slice at a time lets list.count skip the sentence marks in C.


def _step_back(tokens: list[str], start: int, words: int) -> int:
    """The token ``words`` words before ``start``, or the first token."""
    position = start
    while words > 0 and position > 0:
        low = max(0, position - words)
        words -= position - low - tokens[low:position].count(SENTENCE_MARK)
        position = low
    return position


def _step_forward(tokens: list[str], start: int, words: int) -> int:
    """The token ``words`` words after ``start``, or the last token."""
    position = start
    while words > 0 and position < len(tokens) - 1:
        high = min(len(tokens) - 1, position + words)
        words -= high - position - tokens[position + 1 : high + 1].count(SENTENCE_MARK)
        position = high
    return position


def _first_word_from(tokens: list[str], position: int) -> int:
    while not is_word(tokens[position]):
        position += 1
    return position


def _has_words_before(tokens: list[str], position: int) -> bool:
    if position == 0:
        return False
    return is_word(tokens[position - 1]) or _words_in(tokens[:position]) > 0


def _words_in(tokens: list[str]) -> int:
    return len(tokens) - tokens.count(SENTENCE_MARK)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _plain_snippet(paragraph: str) -> Snippet:
    """The first words of the paragraph, when its tokens cannot be lined up with the stream."""
    words = paragraph.split()
    text = " ".join(words[:SNIPPET_WORDS])
    return Snippet(text + (f" {ELLIPSIS}" if len(words) > SNIPPET_WORDS else ""), [])
