"""The extractor's parser: plain HtmlElement classes, same articles as lxml.html's own parser."""

from __future__ import annotations

import urllib.request

import pytest
from lxml import html

from crawler import extract
from crawler.extract import ExtractedArticle, NotAnArticle, extract_article

FORM_PAGE = b"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Harbour ferry timetable changes | The Test Times</title></head><body>
<form action="/search"><label for="q">Search</label><input id="q" name="q">
<select name="s"><option>All</option></select><textarea name="t"></textarea></form>
<article><h1>Harbour ferry timetable changes</h1>
<p>The harbour authority said on Tuesday that the morning ferry would leave twenty minutes
earlier from next month, after complaints from commuters about missed connections.</p>
<p>Officials added that the evening service would run every half hour in the summer and that
the new timetable would be published on the authority's notice boards by Friday.</p>
<form action="/newsletter"><input type="email" name="email"><button>Sign up</button></form>
</article></body></html>"""


def lxml_html_parser() -> html.HTMLParser:
    """lxml.html's parser with the extractor's options and lxml.html's own class lookup."""
    return html.HTMLParser(
        remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False
    )


def extract_both(
    body: bytes, url: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[ExtractedArticle | str, ExtractedArticle | str]:
    def run() -> ExtractedArticle | str:
        try:
            return extract_article(body, url, encoding="utf-8")
        except NotAnArticle as error:
            return f"not an article: {error.reason}"

    ours = run()
    with monkeypatch.context() as patch:
        patch.setattr(extract, "_HTML_PARSER", lxml_html_parser())
        reference = run()
    return ours, reference


def test_every_element_is_a_plain_html_element() -> None:
    tree = extract._parse(FORM_PAGE, "utf-8")
    classes = {type(element) for element in tree.iter()}
    assert classes == {html.HtmlElement}
    # lxml.html's own parser would have given these their form-field subclasses.
    reference = html.document_fromstring(FORM_PAGE, parser=lxml_html_parser())
    assert type(reference.find(".//input")) is html.InputElement
    assert tree.find(".//form").text_content().startswith("Search")


def test_form_page_extracts_as_with_lxml_html_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    ours, reference = extract_both(FORM_PAGE, "https://example.org/news/ferry-1.html", monkeypatch)
    assert isinstance(ours, ExtractedArticle)
    assert "twenty minutes" in ours.body and "Sign up" not in ours.body
    assert ours == reference


@pytest.mark.parametrize("page_weight", ["light", "real"])
def test_news_web_pages_extract_as_with_lxml_html_parser(
    make_served_web, monkeypatch: pytest.MonkeyPatch, page_weight: str
) -> None:
    running = make_served_web(seed=5, sites=5, articles_per_site=6, page_weight=page_weight)
    articles = running.web.articles
    assert len(articles) >= 30
    for article in articles:
        url = running.url(article)
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read()
        ours, reference = extract_both(body, url, monkeypatch)
        assert ours == reference, url
