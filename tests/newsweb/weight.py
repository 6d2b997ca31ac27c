"""Realistic page weight: the markup that makes a real news article page weigh ~140 KB.

The article pages of the local news web are light (~11 KB of HTML), while the real pages of
the shared corpus have a median of 137 KB (mean 173 KB): about 800 elements, 145 links and
27 KB of inline script per page. What makes up the difference is not article text but the
site around it: a mega-menu, inline consent/analytics scripts and a JSON state blob, share
bars with inline SVG icons, related-story grids with responsive images and teasers, a
comments widget, a trending list and a footer link farm.

``generate_web(page_weight="real")`` adds that boilerplate to article pages (only to them:
listings and feeds are unchanged). It never touches the article's own container, headline,
byline, dates or metadata, so an extractor should return the same title, body, dates and
authors for a heavy page as for the light one (tests/test_newsweb_weight.py checks this).
Everything here is deterministic: seeded by the article id, or fixed per site.
"""

from __future__ import annotations

import html
import json
import random
from functools import lru_cache

from . import text, words
from .model import GroundTruthArticle, Site

LIGHT = "light"
REAL = "real"
PAGE_WEIGHTS = (LIGHT, REAL)

_POOL = 60  # newest articles the teasers are taken from
_TEASERS_IN_STATE = 36  # teasers serialised into the JSON state blob
_RELATED_CARDS = 10
_MORE_CARDS = 12
_TRENDING = 10
_WIDGET_COMMENTS = 8
_SUBLINKS = ("latest", "analysis", "explainers", "opinion", "video", "photos", "live", "data")
_FOOTER_COLUMNS = (
    ("News", ("Home", "World", "Politics", "Business", "Science", "Health", "Sport", "Culture")),
    ("Opinion", ("Editorials", "Columnists", "Letters", "Cartoons", "Readers' editor")),
    ("Lifestyle", ("Food", "Travel", "Homes", "Fashion", "Money", "Motoring", "Puzzles")),
    ("Services", ("Newsletters", "Podcasts", "Apps", "E-paper", "Archive", "Events")),
    ("About", ("Who we are", "Careers", "Advertise", "Press office", "Editorial code")),
    ("Help", ("Subscriptions", "Account", "Accessibility", "Complaints", "Sitemap", "FAQ")),
)
_ICONS = {
    "share": "M18 16a3 3 0 0 0-2.4 1.2l-7-3.5a3 3 0 0 0 0-1.4l7-3.5A3 3 0 1 0 15 7l-7 3.5a3 3 "
    "0 1 0 0 3l7 3.5A3 3 0 1 0 18 16z",
    "mail": "M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm9 7 8-5H4z",
    "chat": "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z",
    "bookmark": "M6 3h12a1 1 0 0 1 1 1v17l-7-4-7 4V4a1 1 0 0 1 1-1z",
    "print": "M6 9V3h12v6M6 18H4a2 2 0 0 1-2-2v-5a2 2 0 0 1 2-2h16a2 2 0 0 1 2 2v5a2 2 0 0 1-2 "
    "2h-2M6 14h12v8H6z",
    "chevron": "M9 6l6 6-6 6",
    "play": "M8 5v14l11-7z",
}


# Utility-class CSS frameworks put a dozen classes on every element: most of a real page's
# bytes are attributes like these, not elements.
_UTILITIES = (
    "flex items-center justify-between gap-2 px-4 py-2 text-sm font-medium leading-5 "
    "text-slate-700 hover:text-slate-900 focus-visible:outline-2 md:px-6 lg:gap-4",
    "grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4 border-t border-slate-200 pt-6 "
    "mt-8 dark:border-slate-700",
    "relative block overflow-hidden rounded-md bg-slate-100 aspect-video transition-opacity "
    "duration-200 group-hover:opacity-90",
)


def esc(value: str) -> str:
    return html.escape(value, quote=True)


def _utility(number: int) -> str:
    return _UTILITIES[number % len(_UTILITIES)]


def _analytics(**fields: object) -> str:
    """A data attribute of tracking JSON, HTML-escaped as the frameworks write it."""
    return esc(json.dumps({"event": "click", "platform": "web", **fields}))


def _icon(name: str, size: int = 20) -> str:
    return (
        f'<svg class="icon icon--{name}" width="{size}" height="{size}" viewBox="0 0 24 24" '
        f'aria-hidden="true" focusable="false"><path fill="currentColor" d="{_ICONS[name]}"/>'
        "</svg>"
    )


def _others(
    newest: tuple[GroundTruthArticle, ...], article: GroundTruthArticle, count: int, offset: int
) -> list[GroundTruthArticle]:
    """``count`` other articles from ``offset`` on; a small site's few articles repeat, so a
    page weighs the same whatever the size of the web."""
    pool = [other for other in newest[:_POOL] if other.id != article.id]
    if not pool:
        return []
    return [pool[(offset + number) % len(pool)] for number in range(count)]


def _image(rng: random.Random, article: GroundTruthArticle, alt: str) -> str:
    stem = f"/img/{article.id}/{rng.randint(100000, 999999)}"
    sources = ", ".join(f"{stem}-{w}.webp {w}w" for w in (320, 480, 640, 960, 1280))
    return (
        '<picture class="c-card__media">'
        f'<source type="image/webp" srcset="{sources}" '
        'sizes="(min-width: 1024px) 300px, (min-width: 640px) 45vw, 90vw">'
        f'<img src="{stem}-640.jpg" alt="{esc(alt)}" width="640" height="360" loading="lazy" '
        'decoding="async" class="c-card__img"></picture>'
    )


# --- head ---------------------------------------------------------------------------------


def head_extra(
    site: Site, base: str, article: GroundTruthArticle, newest: tuple[GroundTruthArticle, ...]
) -> str:
    """Preconnects, critical CSS, consent and analytics scripts, and the JSON state blob."""
    return "\n".join((_head_static(site.name, base), _state_blob(site, base, article, newest)))


@lru_cache(maxsize=64)
def _head_static(site_name: str, base: str) -> str:
    hosts = ("cdn", "img", "fonts", "ads", "metrics", "consent", "video", "comments")
    preconnects = "\n".join(
        f'<link rel="preconnect" href="https://{host}.{site_name}.invalid" crossorigin>'
        for host in hosts
    )
    rules = []
    for block in ("c-nav", "c-card", "c-share", "c-trending", "c-footer", "c-comments", "o-grid"):
        for element in ("", "__item", "__link", "__title", "__meta", "__media", "--featured"):
            rules.append(
                f".{block}{element}{{display:flex;gap:.75rem;margin:0 0 1rem;padding:.25rem "
                f"0;font:400 1rem/1.4 var(--font-sans);color:var(--ink-{len(rules) % 7})}}"
            )
    critical_css = "<style>:root{--font-sans:system-ui,sans-serif;--ink-0:#111}" + "".join(rules)
    tag_manager = (
        "<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),"
        "event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j=d.createElement(s);j.async=true;"
        f"j.src='https://metrics.{site_name}.invalid/tm.js?id='+i;f.parentNode.insertBefore(j,f);"
        "})(window,document,'script','dataLayer','TM-000000');</script>"
    )
    consent = (
        "<script>window.__consent={vendors:["
        + ",".join(f"{{id:{n},purposes:[1,2,3,4,7,9,10],legit:[2,7]}}" for n in range(1, 61))
        + "],version:4,ui:{layout:'banner',position:'bottom',theme:'dark'}};</script>"
    )
    ad_config = (
        "<script>window.adSlots=["
        + ",".join(
            f"{{slot:'{name}',sizes:[[300,250],[728,90],[970,250]],refresh:30,lazy:true,"
            f"targeting:{{site:'{site_name}',pos:'{name}'}}}}"
            for name in ("top", "mpu1", "mpu2", "inline1", "inline2", "sticky", "outstream")
        )
        + "];</script>"
    )
    return "\n".join(
        (
            preconnects,
            f'<link rel="preload" as="font" type="font/woff2" href="{base}/static/serif.woff2" '
            "crossorigin>",
            f'<link rel="manifest" href="{base}/manifest.json">',
            '<meta name="theme-color" content="#0a2540">',
            f'<meta property="og:image" content="{base}/static/share-{esc(site_name)}.png">',
            '<meta name="twitter:card" content="summary_large_image">',
            critical_css + "</style>",
            tag_manager,
            consent,
            ad_config,
        )
    )


def _state_blob(
    site: Site, base: str, article: GroundTruthArticle, newest: tuple[GroundTruthArticle, ...]
) -> str:
    """The framework's serialised page state: navigation and dozens of teasers as JSON."""
    teasers = [
        {
            "id": other.id,
            "headline": other.title,
            "standfirst": other.summary,
            "url": base + other.path,
            "section": other.section,
            "image": {
                "src": f"{base}/img/{other.id}/main-640.jpg",
                "srcset": [f"{base}/img/{other.id}/main-{w}.jpg" for w in (320, 640, 1280)],
                "width": 640,
                "height": 360,
            },
            "labels": {"live": False, "premium": len(other.id) % 5 == 0, "video": False},
        }
        for other in _others(newest, article, _TEASERS_IN_STATE, 0)
    ]
    state = {
        "props": {
            "page": {
                "type": "article",
                "id": article.id,
                "section": article.section,
                "tags": list(article.tags),
                "wordCount": sum(len(p.split()) for p in article.paragraphs),
                "paywall": {"metered": True, "limit": 5},
            },
            "navigation": [
                {"label": name, "url": f"{base}/section/{name}/", "children": list(_SUBLINKS)}
                for name in site.sections
            ],
            "teasers": teasers,
            "experiments": {f"exp-{n}": ["control", "variant"][n % 2] for n in range(24)},
        },
        "buildId": f"build-{site.name}-2026",
        "runtimeConfig": {"cdn": f"https://cdn.{site.name}.invalid", "locale": article.language},
    }
    encoded = json.dumps(state, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script id="__APP_STATE__" type="application/json">{encoded}</script>'


# --- around the article -------------------------------------------------------------------


@lru_cache(maxsize=64)
def _mega_menu(site_name: str, sections: tuple[str, ...]) -> str:
    columns = []
    for section in sections:
        links = "".join(
            f'<li class="c-nav__item c-nav__item--child {_utility(0)}"><a class="c-nav__link" '
            f'href="/section/{esc(section)}/?view={sub}" data-analytics="'
            f'{_analytics(component="megamenu", section=section, item=sub)}">'
            f"{esc(sub.capitalize())}</a></li>"
            for sub in _SUBLINKS
        )
        columns.append(
            '<li class="c-nav__item c-nav__item--has-children">'
            f'<a class="c-nav__link" href="/section/{esc(section)}/" aria-haspopup="true">'
            f"{esc(section.capitalize())}{_icon('chevron', 12)}</a>"
            f'<div class="c-nav__panel" hidden><ul class="c-nav__list">{links}</ul></div></li>'
        )
    utilities = "".join(
        f'<li class="c-utility__item"><a href="/{slug}/" class="c-utility__link">{label}</a></li>'
        for slug, label in (
            ("subscribe", "Subscribe"),
            ("login", "Sign in"),
            ("newsletters", "Newsletters"),
            ("podcasts", "Podcasts"),
            ("epaper", "Today's paper"),
        )
    )
    return (
        f'<div class="c-megamenu" data-site="{esc(site_name)}">'
        f'<ul class="c-utility">{utilities}</ul>'
        f'<nav class="c-nav" aria-label="All sections"><ul class="c-nav__list">{"".join(columns)}'
        "</ul></nav></div>"
    )


def mega_menu(site: Site) -> str:
    return _mega_menu(site.name, tuple(site.sections))


def _share_bar(article: GroundTruthArticle) -> str:
    buttons = "".join(
        f'<li class="c-share__item"><button type="button" class="c-share__button" '
        f'data-share="{name}" data-id="{esc(article.id)}" aria-label="{name}">'
        f"{_icon(name)}</button></li>"
        for name in ("share", "mail", "chat", "bookmark", "print")
    )
    return f'<div class="c-share" role="group" aria-label="Share"><ul>{buttons}</ul></div>'


def _card(rng: random.Random, other: GroundTruthArticle, featured: bool) -> str:
    modifier = " c-card--featured" if featured else ""
    return (
        f'<div class="c-card{modifier} {_utility(1)}" data-id="{esc(other.id)}" data-section="'
        f'{esc(other.section)}"><a class="c-card__link {_utility(2)}" href="{esc(other.path)}" '
        f'data-analytics="{_analytics(component="card", id=other.id, section=other.section)}">'
        f"{_image(rng, other, other.title)}"
        f'<span class="c-card__title">{esc(other.title)}</span></a>'
        f'<div class="c-card__meta"><span class="c-card__section">'
        f"{esc(other.section.capitalize())}</span> "
        f'<span class="c-card__comments">{_icon("chat", 14)} {rng.randint(0, 480)}</span>'
        "</div></div>"
    )


def _grid(rng: random.Random, title: str, others: list[GroundTruthArticle], kind: str) -> str:
    cards = "".join(_card(rng, other, number == 0) for number, other in enumerate(others))
    return (
        f'<div class="o-grid o-grid--{kind}" data-component="{kind}">'
        f'<div class="o-grid__title">{esc(title)}</div><div class="o-grid__items">{cards}</div>'
        "</div>"
    )


def _trending(others: list[GroundTruthArticle]) -> str:
    items = "".join(
        f'<li class="c-trending__item {_utility(0)}"><span class="c-trending__rank">{rank}</span>'
        f'<a class="c-trending__link" href="{esc(other.path)}" data-analytics="'
        f'{_analytics(component="trending", rank=rank, id=other.id)}">{esc(other.title)}</a></li>'
        for rank, other in enumerate(others, start=1)
    )
    return f'<nav class="c-trending" aria-label="Trending"><ol>{items}</ol></nav>'


def _comments_widget(rng: random.Random, article: GroundTruthArticle) -> str:
    items = []
    for number in range(_WIDGET_COMMENTS):
        name = rng.choice(words.COMMENT_NAMES)
        items.append(
            f'<li class="c-comments__item" id="c-{esc(article.id)}-{number}">'
            f'<div class="c-comments__head"><span class="c-comments__avatar" aria-hidden="true">'
            f'{esc(name[:1].upper())}</span><span class="c-comments__name">{esc(name)}</span> '
            f'<span class="c-comments__age">{rng.randint(2, 59)} min ago</span></div>'
            f'<div class="c-comments__text">{esc(rng.choice(words.COMMENTS))}</div>'
            f'<div class="c-comments__actions"><button type="button">Reply</button>'
            f'<button type="button">{rng.randint(0, 90)} likes</button>'
            '<button type="button">Report</button></div></li>'
        )
    return (
        f'<div id="comments-widget" class="c-comments comments" data-thread="{esc(article.id)}">'
        f'<div class="c-comments__header">Reader comments</div><ol>{"".join(items)}</ol>'
        '<button type="button" class="c-comments__more">Load more comments</button></div>'
    )


def _ad_slot(rng: random.Random, name: str) -> str:
    return (
        f'<div class="ad-slot ad-slot--{name}" id="ad-{name}" data-slot="{name}" '
        f'data-sizes="300x250,728x90" data-refresh="30" style="min-height:250px">'
        f'<script>window.adQueue=window.adQueue||[];adQueue.push({{slot:"{name}",'
        f"c:{rng.randint(10_000, 99_999)}}});</script></div>"
    )


def after_article(
    rng: random.Random, article: GroundTruthArticle, newest: tuple[GroundTruthArticle, ...]
) -> str:
    """Everything a heavy page puts after the article's own container."""
    return "\n".join(
        (
            _share_bar(article),
            _ad_slot(rng, "mpu1"),
            _grid(rng, "Related stories", _others(newest, article, _RELATED_CARDS, 0), "related"),
            _trending(_others(newest, article, _TRENDING, 20)),
            _ad_slot(rng, "mpu2"),
            _grid(rng, "More from this site", _others(newest, article, _MORE_CARDS, 30), "more"),
            _comments_widget(rng, article),
            _ad_slot(rng, "sticky"),
        )
    )


# --- footer ---------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _footer_farm(site_name: str, site_title: str) -> str:
    rng = random.Random(text.derive_seed(site_name, "footer"))
    columns = "".join(
        f'<div class="c-footer__column"><span class="c-footer__heading">{esc(heading)}</span>'
        '<ul class="c-footer__list">'
        + "".join(
            f'<li class="c-footer__item {_utility(0)}"><a class="c-footer__link" '
            f'href="/{text.slugify(label)}/" data-analytics="'
            f'{_analytics(component="footer", column=heading, item=label)}">'
            f"{esc(label)}</a></li>"
            for label in labels
        )
        + "</ul></div>"
        for heading, labels in _FOOTER_COLUMNS
    )
    partners = "".join(
        f'<li><a href="https://{text.slugify(city)}.partner.invalid/" rel="nofollow">'
        f"{esc(city)} edition</a></li>"
        for city in rng.sample(words.CITIES, min(12, len(words.CITIES)))
    )
    apps = "".join(
        f'<a class="c-footer__app" href="https://apps.invalid/{store}/{esc(site_name)}">'
        f'<img src="/static/badge-{store}.svg" alt="Get it on {store}" width="120" height="40">'
        "</a>"
        for store in ("ios", "android")
    )
    bundle = (
        '<script type="module" src="/static/app.js"></script>'
        "<script>window.__bundles=["
        + ",".join(f"'/static/chunk-{n:02d}.{rng.randrange(16**8):08x}.js'" for n in range(40))
        + "];</script>"
    )
    return (
        f'<div class="c-footer" data-site="{esc(site_name)}">'
        f'<div class="c-footer__columns">{columns}</div>'
        f'<ul class="c-footer__partners">{partners}</ul><div class="c-footer__apps">{apps}</div>'
        f'<small class="c-footer__legal">{esc(site_title)} is a member of an independent press '
        "standards body. Registered office on file. Reproduction without permission is not "
        "allowed.</small></div>\n" + bundle
    )


def footer_farm(site: Site) -> str:
    return _footer_farm(site.name, site.title)
