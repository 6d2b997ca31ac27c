"""The article text: trafilatura's main-content extraction, corrected with the page's metadata.

Rules on top of trafilatura, each measured on the whole real-page corpus (see
docs/performance.md) and each switchable in :class:`BodyRules` so the bench can show its effect:

* precision first, with a safety net: trafilatura's ``favor_precision`` drops boilerplate better
  but now and then drops nearly the whole article; when its text is short, a second pass with
  default settings is run and taken if it finds at least twice as much;
* the headline is not body text: a first paragraph equal to the title is dropped;
* JSON-LD ``articleBody`` settles disagreements: when trafilatura's text is mostly inside it and
  it is much longer, trafilatura missed part of the article and ``articleBody`` is used; when it
  is mostly inside trafilatura's text and much shorter, the paragraphs of trafilatura's text that
  it does not contain are boilerplate and are dropped.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

import trafilatura
from lxml import html

from crawler.extraction.text import fold, split_paragraphs

logger = logging.getLogger(__name__)

_SHORT_TEXT_CHARS = 1000
_RETRY_GAIN = 2.0
_ARTICLE_BODY_MIN_WORDS = 30
_CONTAINED = 0.9
_LONGER = 1.25
# An articleBody much shorter than the extracted text is a teaser, not a boilerplate-free copy.
_SHORTEST_FILTER_SHARE = 0.6
_SHINGLE_WORDS = 8
_MAX_REPEATED_SHARE = 0.2
_PARAGRAPH_KEEP_SHARE = 0.5


@dataclass(frozen=True)
class BodyRules:
    """Which extraction settings and corrections to apply (all on by default, as measured)."""

    favor_precision: bool = True
    retry_short_precise_text: bool = True
    include_tables: bool = True
    drop_headline_paragraph: bool = True
    use_jsonld_article_body: bool = True


def extract_paragraphs(
    tree: html.HtmlElement,
    url: str,
    *,
    headline: str,
    jsonld_article_body: str | None,
    rules: BodyRules,
) -> list[str]:
    """The article's paragraphs, cleaned, without the headline."""
    text = _trafilatura_text(tree, url, rules.include_tables, favor_precision=rules.favor_precision)
    if rules.favor_precision and rules.retry_short_precise_text and len(text) < _SHORT_TEXT_CHARS:
        default_text = _trafilatura_text(tree, url, rules.include_tables, favor_precision=False)
        if len(default_text) >= _RETRY_GAIN * len(text):
            logger.debug("precise extraction too short (%d chars), default kept", len(text))
            text = default_text
    paragraphs = split_paragraphs(text)
    if rules.use_jsonld_article_body and jsonld_article_body:
        paragraphs = _reconcile_with_article_body(paragraphs, jsonld_article_body)
    if rules.drop_headline_paragraph and paragraphs and fold(paragraphs[0]) == fold(headline):
        paragraphs = paragraphs[1:]
    return paragraphs


def _trafilatura_text(
    tree: html.HtmlElement, url: str, include_tables: bool, *, favor_precision: bool
) -> str:
    # Metadata off: presswatch reads it itself from the same tree (see page_metadata).
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=False,
        include_comments=False,
        include_tables=include_tables,
        favor_precision=favor_precision,
    )
    return (document.text or "") if document is not None else ""


def _reconcile_with_article_body(paragraphs: list[str], article_body: str) -> list[str]:
    body_paragraphs = split_paragraphs(_strip_markup(article_body))
    body_tokens = Counter(" ".join(body_paragraphs).split())
    body_size = sum(body_tokens.values())
    if (
        body_size < _ARTICLE_BODY_MIN_WORDS
        or _repeated_share(body_paragraphs) > _MAX_REPEATED_SHARE
    ):
        return paragraphs
    extracted_tokens = Counter(" ".join(paragraphs).split())
    extracted_size = sum(extracted_tokens.values())
    if extracted_size == 0:
        return body_paragraphs
    overlap = sum((extracted_tokens & body_tokens).values())
    if overlap >= _CONTAINED * extracted_size and body_size >= _LONGER * extracted_size:
        logger.debug("articleBody used: extraction missed text")
        return body_paragraphs
    if (
        overlap >= _CONTAINED * body_size
        and _SHORTEST_FILTER_SHARE * extracted_size <= body_size
        and extracted_size >= _LONGER * body_size
    ):
        logger.debug("paragraphs outside articleBody dropped")
        return [p for p in paragraphs if _share_inside(p, body_tokens) >= _PARAGRAPH_KEEP_SHARE]
    return paragraphs


def _repeated_share(paragraphs: list[str]) -> float:
    """Share of word 8-grams seen earlier in the text: CMS bugs sometimes repeat the article."""
    words = " ".join(paragraphs).split()
    total = len(words) - _SHINGLE_WORDS + 1
    if total <= 0:
        return 0.0
    seen: set[tuple[str, ...]] = set()
    repeated = 0
    for start in range(total):
        shingle = tuple(words[start : start + _SHINGLE_WORDS])
        if shingle in seen:
            repeated += 1
        seen.add(shingle)
    return repeated / total


def _share_inside(paragraph: str, tokens: Counter[str]) -> float:
    words = paragraph.split()
    if not words:
        return 0.0
    return sum(1 for word in words if word in tokens) / len(words)


def _strip_markup(text: str) -> str:
    if "<" not in text:
        return text
    try:
        fragment = html.fragment_fromstring(text, create_parent="div")
    except (ValueError, TypeError):
        return text
    for block in fragment.iter("p", "br", "div", "li", "h2", "h3"):
        block.tail = "\n" + (block.tail or "")
    return fragment.text_content()
