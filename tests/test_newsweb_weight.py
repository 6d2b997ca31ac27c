"""The news web's opt-in realistic page weight: heavy pages, same article, same ground truth."""

from __future__ import annotations

import statistics
import urllib.request
from datetime import UTC, datetime

import pytest
from lxml import html

from crawler.extract import NotAnArticle, extract_article
from tests.newsweb import RunningWeb, generate_web

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
# Five sites cover the five house styles (one Arabic); the hostile site adds the pages served
# with a wrong or missing charset.
WEB = {"seed": 3, "sites": 5, "articles_per_site": 12, "now": NOW, "hostile": True}


def fetch(running: RunningWeb, url: str) -> tuple[bytes, str | None]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers.get_content_charset()


def extracted(running: RunningWeb) -> dict[str, tuple[object, ...]]:
    """What presswatch's extractor finds on every article page of the served web."""
    found: dict[str, tuple[object, ...]] = {}
    for article in running.web.articles:
        body, charset = fetch(running, running.url(article))
        try:
            page = extract_article(body, running.url(article), encoding=charset)
        except NotAnArticle as error:
            found[article.id] = ("not an article", error.reason)
            continue
        found[article.id] = (
            page.title,
            page.body,
            page.published_at,
            page.modified_at,
            tuple(page.authors),
            page.language,
            page.description,
        )
    return found


@pytest.fixture
def light_and_real(make_served_web) -> tuple[RunningWeb, RunningWeb]:
    return make_served_web(**WEB), make_served_web(**WEB, page_weight="real")


def test_real_weight_pages_are_as_heavy_as_real_news_pages(light_and_real) -> None:
    light, real = light_and_real
    sizes = {"light": [], "real": []}
    elements = []
    for running, kind in ((light, "light"), (real, "real")):
        for article in running.web.articles[:20]:
            body, _ = fetch(running, running.url(article))
            sizes[kind].append(len(body))
            if kind == "real":
                elements.append(sum(1 for _ in html.document_fromstring(body).iter()))
    # The corpus of real pages: median 137 KB, about 800 elements.
    assert statistics.median(sizes["light"]) < 20_000
    assert 110_000 < statistics.median(sizes["real"]) < 180_000
    assert 600 < statistics.median(elements) < 1_100


def test_real_weight_keeps_what_the_extractor_finds(light_and_real) -> None:
    light, real = light_and_real
    from_light = extracted(light)
    from_real = extracted(real)
    assert len(from_light) == len(light.web.articles) > 60
    assert {kind[0] for kind in from_light.values()} != {"not an article"}
    differing = {
        article_id: (fields, from_real[article_id])
        for article_id, fields in from_light.items()
        if fields != from_real[article_id]
    }
    assert differing == {}


def test_real_weight_keeps_the_ground_truth() -> None:
    light = generate_web(**WEB)
    real = generate_web(**WEB, page_weight="real")
    assert [a.fingerprint() for a in light.articles] == [a.fingerprint() for a in real.articles]
    assert {site.page_weight for site in light.sites} == {"light"}
    assert {site.page_weight for site in real.sites} == {"real"}


def test_listing_pages_stay_light(light_and_real) -> None:
    light, real = light_and_real
    for path in ("/", "/rss.xml", "/sitemap-articles.xml"):
        light_body, _ = fetch(light, light.base_url(light.web.sites[0].name) + path)
        real_body, _ = fetch(real, real.base_url(real.web.sites[0].name) + path)
        # Only the servers' port numbers differ.
        assert len(light_body) == len(real_body)


def test_unknown_page_weight_is_refused() -> None:
    with pytest.raises(ValueError, match="page_weight"):
        generate_web(sites=1, articles_per_site=2, page_weight="heavy")
