"""The article text: trafilatura's main-content extraction, corrected with the page's metadata.

Rules on top of trafilatura, each measured on the whole real-page corpus (see
docs/performance.md) and each switchable in :class:`BodyRules` so the bench can show its effect:

* the headline is not body text: a first paragraph equal to the title is dropped;
* the standfirst counts: when the page's description is shown on the page as a paragraph that
  trafilatura left out (it often sits outside the article container), it is put first;
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

from crawler.extraction.text import clean_line, fold, split_paragraphs

logger = logging.getLogger(__name__)

_LEDE_MIN_CHARS = 40
_LEDE_NEEDLE_CHARS = 30
_SKIPPED_ANCESTORS = {"script", "style", "noscript", "template", "head", "title", "meta"}
_ARTICLE_BODY_MIN_WORDS = 30
_CONTAINED = 0.9
_LONGER = 1.25
_PARAGRAPH_KEEP_SHARE = 0.5


@dataclass(frozen=True)
class BodyRules:
    """Which extraction settings and corrections to apply (all on by default, as measured)."""

    favor_precision: bool = True
    include_tables: bool = True
    drop_headline_paragraph: bool = True
    add_visible_lede: bool = True
    use_jsonld_article_body: bool = True


def extract_paragraphs(
    tree: html.HtmlElement,
    url: str,
    *,
    headline: str,
    description: str | None,
    jsonld_article_body: str | None,
    rules: BodyRules,
) -> list[str]:
    """The article's paragraphs, cleaned, without the headline."""
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=False,
        include_comments=False,
        include_tables=rules.include_tables,
        favor_precision=rules.favor_precision,
    )
    paragraphs = split_paragraphs(document.text or "") if document is not None else []
    if rules.use_jsonld_article_body and jsonld_article_body:
        paragraphs = _reconcile_with_article_body(paragraphs, jsonld_article_body)
    if rules.drop_headline_paragraph and paragraphs and fold(paragraphs[0]) == fold(headline):
        paragraphs = paragraphs[1:]
    if rules.add_visible_lede and description:
        lede = _visible_lede(tree, description)
        if lede and not _contains(paragraphs, lede):
            paragraphs.insert(0, lede)
    return paragraphs


def _contains(paragraphs: list[str], text: str) -> bool:
    needle = fold(text)[:80]
    return any(needle in fold(paragraph) for paragraph in paragraphs)


def _visible_lede(tree: html.HtmlElement, description: str) -> str | None:
    """The description's text as shown in the page body, if it is shown there."""
    target = fold(clean_line(description)).rstrip(".…").strip()
    if len(target) < _LEDE_MIN_CHARS:
        return None
    needle = clean_line(description)[:_LEDE_NEEDLE_CHARS]
    for text_node in tree.xpath("//body//text()[contains(., $needle)]", needle=needle):
        element = text_node.getparent()
        while element is not None and element.tag not in _SKIPPED_ANCESTORS:
            shown = clean_line(element.text_content())
            if len(shown) >= len(target):
                folded = fold(shown)
                if folded.startswith(target) and len(folded) <= len(target) * 1.1 + 5:
                    return shown
                break
            element = element.getparent()
    return None


def _reconcile_with_article_body(paragraphs: list[str], article_body: str) -> list[str]:
    body_paragraphs = split_paragraphs(_strip_markup(article_body))
    body_tokens = Counter(" ".join(body_paragraphs).split())
    body_size = sum(body_tokens.values())
    if body_size < _ARTICLE_BODY_MIN_WORDS:
        return paragraphs
    extracted_tokens = Counter(" ".join(paragraphs).split())
    extracted_size = sum(extracted_tokens.values())
    if extracted_size == 0:
        return body_paragraphs
    overlap = sum((extracted_tokens & body_tokens).values())
    if overlap >= _CONTAINED * extracted_size and body_size >= _LONGER * extracted_size:
        logger.debug("articleBody used: extraction missed text")
        return body_paragraphs
    if overlap >= _CONTAINED * body_size and extracted_size >= _LONGER * body_size:
        logger.debug("paragraphs outside articleBody dropped")
        return [p for p in paragraphs if _share_inside(p, body_tokens) >= _PARAGRAPH_KEEP_SHARE]
    return paragraphs


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
