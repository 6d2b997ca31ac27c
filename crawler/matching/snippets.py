"""Snippets: about thirty words of the ORIGINAL text around the best hit, with hit offsets.

The matcher finds hits in the token stream of the normalised text; a reader must see the words
as published. The stream and the original text line up in two steps that stay cheap:

1. every line or paragraph break of the original becomes exactly one ``#`` token, so the
   paragraph of a hit is found by counting ``#`` marks, and only that paragraph is revisited;
2. inside the paragraph, the stream is the concatenation of the streams of its
   whitespace-separated chunks, so counting tokens chunk by chunk finds the chunk of each
   token, and ``token_spans`` places a token inside its chunk character by character.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from crawler.matching.normalize import (
    PARAGRAPH_BREAKS,
    PARAGRAPH_MARK,
    is_word,
    stream_text,
    token_spans,
)

SNIPPET_WORDS = 30
WORDS_BEFORE_HIT = 10
ELLIPSIS = "…"
_PARAGRAPH_BREAK = re.compile(f"[{re.escape(PARAGRAPH_BREAKS)}]")
_CHUNK = re.compile(r"\S+")
_MAX_HITS_COMPARED = 200


@dataclass(slots=True)
class Hit:
    """One occurrence of a term in the token stream of a field."""

    term: int
    field: str
    start: int  # offset of the first token in the padded stream of the field
    tokens: int  # tokens in the matched spelling, sentence marks included
    words: int  # words in the matched spelling
    word: int = -1  # index of the first word among the field's words, set by ``locate``
    paragraph: int = -1  # paragraph of the field, set by ``locate``


@dataclass(frozen=True)
class Snippet:
    text: str
    highlights: list[tuple[int, int]]


def locate(stream: str, hits: Sequence[Hit]) -> None:
    """Set ``word`` and ``paragraph`` of ``hits`` (all in ``stream``), in one sweep of counts."""
    spaces = marks = paragraphs = previous = 0
    for hit in sorted(hits, key=lambda hit: hit.start):
        spaces += stream.count(" ", previous, hit.start)
        paragraphs += stream.count(PARAGRAPH_MARK, previous, hit.start)
        marks += stream.count("|", previous, hit.start)
        previous = hit.start
        hit.word = spaces - 1 - marks - paragraphs
        hit.paragraph = paragraphs


def build_snippet(text: str, stream: str, hits: Sequence[Hit]) -> Snippet:
    """The snippet of ``text`` around the best of ``hits`` (located hits of one field)."""
    best = _best_hit(hits)
    paragraph_start = _paragraph_start(stream, best.paragraph)
    paragraph_end = stream.find(f" {PARAGRAPH_MARK} ", paragraph_start)
    tokens = stream[paragraph_start : paragraph_end if paragraph_end >= 0 else None].split()
    first, last = _window(tokens, _token_index(stream, paragraph_start, best), best.tokens)
    original = _paragraph_text(text, best.paragraph)
    chunks = _chunks_of_tokens(original, last + 1)
    if [token for token, _, _ in chunks[: last + 1]] != tokens[: last + 1]:
        return _plain_snippet(original)

    start, end = chunks[first][1].start(), chunks[last][1].end()
    prefix = f"{ELLIPSIS} " if any(map(is_word, tokens[:first])) else ""
    suffix = f" {ELLIPSIS}" if any(map(is_word, tokens[last + 1 :])) else ""
    spans = []
    for hit in hits:
        if hit.paragraph != best.paragraph:
            continue
        hit_first = _token_index(stream, paragraph_start, hit)
        hit_last = hit_first + hit.tokens - 1
        if hit_first >= first and hit_last <= last:
            span_start = _token_span(chunks, hit_first)[0]
            span_end = _token_span(chunks, hit_last)[1]
            spans.append((span_start - start + len(prefix), span_end - start + len(prefix)))
    return Snippet(prefix + original[start:end] + suffix, _merged(spans))


def _best_hit(hits: Sequence[Hit]) -> Hit:
    """The hit whose snippet window shows the most distinct terms, then the most hits."""
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


def _paragraph_start(stream: str, paragraph: int) -> int:
    position = 1
    for _ in range(paragraph):
        position = stream.index(f" {PARAGRAPH_MARK} ", position - 1) + 3
    return position


def _token_index(stream: str, paragraph_start: int, hit: Hit) -> int:
    return stream.count(" ", paragraph_start, hit.start)


def _window(tokens: list[str], hit_first: int, hit_tokens: int) -> tuple[int, int]:
    """First and last token index of the snippet: about 30 words, the hit near the start."""
    word_tokens = [index for index, token in enumerate(tokens) if is_word(token)]
    hit_word = word_tokens.index(hit_first)
    first_word = max(0, min(hit_word - WORDS_BEFORE_HIT, len(word_tokens) - SNIPPET_WORDS))
    last_word = min(len(word_tokens), first_word + SNIPPET_WORDS) - 1
    last = max(word_tokens[last_word], hit_first + hit_tokens - 1)
    while last + 1 < len(tokens) and not is_word(tokens[last + 1]):
        last += 1  # keep the full stop that ends the last sentence
    return word_tokens[first_word], last


def _paragraph_text(text: str, paragraph: int) -> str:
    pieces = _PARAGRAPH_BREAK.split(text, maxsplit=paragraph + 1)
    return pieces[paragraph]


def _chunks_of_tokens(paragraph: str, needed: int) -> list[tuple[str, re.Match[str], int]]:
    """(token, its whitespace-separated chunk, its index in the chunk) for the first tokens."""
    found: list[tuple[str, re.Match[str], int]] = []
    for chunk in _CHUNK.finditer(paragraph):
        found.extend(
            (token, chunk, index) for index, token in enumerate(stream_text(chunk[0]).split())
        )
        if len(found) >= needed:
            break
    return found


def _token_span(chunks: list[tuple[str, re.Match[str], int]], token: int) -> tuple[int, int]:
    _, chunk, index = chunks[token]
    _, start, end = token_spans(chunk[0])[index]
    return chunk.start() + start, chunk.start() + end


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
