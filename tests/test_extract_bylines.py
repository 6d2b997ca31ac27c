"""Authors from the visible byline when the page's metadata and the feed name nobody."""

from __future__ import annotations

import pytest

from crawler.extract import extract_article

BODY = "".join(
    f"<p>Paragraph {n} of the report on the ferry strike, with enough words to count as an "
    f"article body for the extractor and its length checks in every case.</p>"
    for n in range(8)
)


def page(byline_html: str, head: str = "") -> str:
    return (
        f"<html><head><title>Ferry strike ends</title>{head}</head><body>"
        f"<article><h1>Ferry strike ends</h1>{byline_html}{BODY}</article></body></html>"
    )


def authors_of(html_text: str) -> list[str]:
    return extract_article(html_text, "https://harbour.example/news/2024/ferry-strike").authors


@pytest.mark.parametrize(
    ("byline_html", "expected"),
    [
        # schema.org microdata: the name inside the author element
        (
            '<div itemprop="author" itemscope><span itemprop="name">Ada Moreno</span>'
            "<span>Staff writer</span></div>",
            ["Ada Moreno"],
        ),
        ('<span itemprop="author">Ada Moreno und Ben Ortiz</span>', ["Ada Moreno", "Ben Ortiz"]),
        (
            '<div itemprop="author"><meta itemprop="name" content="Ada Moreno"></div>',
            ["Ada Moreno"],
        ),
        ('<p>Story by <a rel="author" href="/people/ada">Ada Moreno</a></p>', ["Ada Moreno"]),
        ('<div class="Byline">By Ada Moreno and Ben Ortiz</div>', ["Ada Moreno", "Ben Ortiz"]),
        (
            '<p class="article-author__name">Autor: Ada Moreno, Ben Ortiz</p>',
            ["Ada Moreno", "Ben Ortiz"],
        ),
        # The innermost byline element: the outer one runs the names into the agency line.
        (
            '<div class="story-byline"><div class="byline-names">By ADA MORENO</div>'
            '<div class="byline-agency">Harbour Press</div></div>',
            ["ADA MORENO"],
        ),
        # A byline with a date is not just names; the next one is.
        (
            '<div class="author-and-date">by Ada Moreno June 19, 2023</div>'
            '<div class="post-author">by Ada Moreno</div>',
            ["Ada Moreno"],
        ),
    ],
)
def test_visible_bylines(byline_html: str, expected: list[str]) -> None:
    assert authors_of(page(byline_html)) == expected


def test_commenters_and_long_bios_are_not_authors() -> None:
    html_text = page(
        '<div class="author-bio">Ada Moreno has covered the harbour, its ferries and its unions '
        "for twenty years and writes a weekly column.</div>"
        '<section id="comments"><div class="comment-author">Ben Ortiz</div></section>'
    )
    assert authors_of(html_text) == []


def test_metadata_authors_win_over_the_visible_byline() -> None:
    html_text = page(
        '<div class="byline">By Ada Moreno</div>', head='<meta name="author" content="Ben Ortiz">'
    )
    assert authors_of(html_text) == ["Ben Ortiz"]
