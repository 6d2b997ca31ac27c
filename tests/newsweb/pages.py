"""HTML pages of a site: home, sections, tags, authors, search, articles and AMP variants.

Pages carry the boilerplate of real news sites (cookie banner, navigation, ads, related
links, comments, newsletter box, footer) and differ in markup between house styles.
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from . import text, weight, words
from .model import GroundTruthArticle, Site
from .web import NewsWeb, SiteIndex, author_slug

HOME_LATEST = 25
LISTING_LIMIT = 50  # tag and author pages
SEARCH_LIMIT = 20
TRACKING = "utm_source=homepage&utm_medium=web&utm_campaign=top-stories"


@dataclass(frozen=True)
class PageContext:
    web: NewsWeb
    site: Site
    index: SiteIndex
    base: str  # "http://127.0.0.1:PORT", no trailing slash


def esc(value: str) -> str:
    return html.escape(value, quote=True)


def local_time(moment: datetime, site: Site) -> datetime:
    return moment.astimezone(timezone(timedelta(minutes=site.style.utc_offset_minutes)))


def iso_time(moment: datetime, site: Site) -> str:
    stamp = local_time(moment, site).isoformat()
    return stamp.replace("+00:00", "Z") if site.style.key == "ledger" else stamp


def human_time(moment: datetime, site: Site) -> str:
    shown = local_time(moment, site)
    offset = site.style.utc_offset_minutes
    label = "GMT" if offset == 0 else f"UTC{offset // 60:+03d}:{abs(offset) % 60:02d}"
    return f"{shown.day} {words.MONTHS[shown.month - 1]} {shown.year}, {shown:%H:%M} {label}"


def _byline(article: GroundTruthArticle, linked: bool) -> str:
    names = [
        f'<a rel="author" href="/author/{esc(author_slug(name))}/">{esc(name)}</a>'
        if linked
        else esc(name)
        for name in article.authors
    ]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"By {joined}"


# --- shared chrome ----------------------------------------------------------------------------


def _head(
    ctx: PageContext,
    title: str,
    *,
    description: str = "",
    extra: str = "",
    charset: str | None = "utf-8",
) -> str:
    site = ctx.site
    parts = ["<head>"]
    if charset:
        parts.append(f'<meta charset="{charset}">')
    parts += [
        f"<title>{esc(title)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="description" content="{esc(description or site.title)}">',
        f'<link rel="alternate" type="application/rss+xml" title="{esc(site.title)}" '
        'href="/rss.xml">',
        f'<link rel="alternate" type="application/atom+xml" title="{esc(site.title)} (Atom)" '
        'href="/atom.xml">',
    ]
    if site.hostile:
        parts.append(
            '<link rel="alternate" type="application/rss+xml" title="Breaking (beta)" '
            f'href="{ctx.web.hostile["malformed_feed"]}">'
        )
    parts += [
        '<link rel="stylesheet" href="/static/site.css">',
        extra,
        "<script>window.dataLayer = window.dataLayer || []; "
        f"dataLayer.push({{'site': '{esc(site.name)}', 'consent': 'pending'}});</script>",
        "</head>",
    ]
    return "\n".join(part for part in parts if part)


def _cookie_banner() -> str:
    return (
        '<div id="cookie-banner" class="cookie-consent" role="dialog" aria-live="polite">'
        "<p>We use cookies and similar technologies to personalise content, measure audiences "
        "and show relevant advertising. You can change your choice at any time in Privacy "
        "settings.</p>"
        '<button type="button" class="accept">Accept all</button> '
        '<button type="button" class="reject">Reject non-essential</button> '
        '<a href="/privacy/">Privacy settings</a></div>'
    )


def _nav(ctx: PageContext) -> str:
    links = "".join(
        f'<li><a href="/section/{esc(name)}/">{esc(name.capitalize())}</a></li>'
        for name in ctx.site.sections
    )
    return (
        '<header class="masthead">'
        f'<a class="logo" href="/">{esc(ctx.site.title)}</a>'
        f'<nav class="main-nav" aria-label="Sections"><ul>{links}</ul></nav>'
        '<form class="search" action="/search" method="get" role="search">'
        '<input type="search" name="q" placeholder="Search"><button>Go</button></form>'
        "</header>"
    )


def _ticker(ctx: PageContext) -> str:
    items = "".join(
        f'<li><a href="{esc(a.path)}">{esc(a.title)}</a></li>' for a in ctx.index.newest[:3]
    )
    return f'<div class="ticker"><strong>Latest</strong><ul>{items}</ul></div>'


def _ad(rng: random.Random, slot: str) -> str:
    line = rng.choice(words.AD_LINES)
    click = f"https://ads.adnetwork.invalid/click?slot={slot}&amp;c={rng.randint(1000, 9999)}"
    return (
        f'<div class="ad ad-{slot}" data-ad-slot="{slot}"><span class="ad-label">'
        f'Advertisement</span> <a href="{click}" rel="sponsored nofollow">{esc(line)}</a></div>'
    )


def _most_read(ctx: PageContext, rng: random.Random) -> str:
    pool = list(ctx.index.newest[:40])
    chosen = rng.sample(pool, min(5, len(pool)))
    items = "".join(f'<li><a href="{esc(a.path)}">{esc(a.title)}</a></li>' for a in chosen)
    return f'<aside class="most-read"><h2>Most read</h2><ol>{items}</ol></aside>'


def _newsletter() -> str:
    return (
        '<aside class="newsletter"><form action="/newsletter" method="post">'
        "<label for=nl-email>Get the morning briefing in your inbox</label>"
        '<input id="nl-email" type="email" name="email" required>'
        "<button>Sign up</button></form></aside>"
    )


def _footer(ctx: PageContext) -> str:
    year = ctx.web.now.year
    return (
        '<footer class="site-footer"><ul>'
        '<li><a href="/about/">About us</a></li><li><a href="/contact/">Contact</a></li>'
        '<li><a href="/privacy/">Privacy</a></li><li><a href="/rss.xml">RSS</a></li>'
        '<li><a href="https://social.invalid/share">Follow us</a></li></ul>'
        f"<p>© {year} {esc(ctx.site.title)}. All rights reserved.</p></footer>"
    )


def _page(
    ctx: PageContext,
    head: str,
    main: str,
    *,
    language: str = "en",
    seed: object = "",
    heavy: bool = False,
) -> str:
    """The whole page; ``heavy`` adds the site-wide boilerplate of real pages (weight.py)."""
    rng = random.Random(text.derive_seed(ctx.site.name, seed))
    direction = ' dir="rtl"' if language == "ar" else ""
    parts = [
        f'<body class="site-{esc(ctx.site.style.key)}">',
        _cookie_banner(),
        _nav(ctx),
        _ticker(ctx),
        _ad(rng, "leaderboard"),
        main,
        _most_read(ctx, rng),
        _ad(rng, "sidebar"),
        _newsletter(),
        _footer(ctx),
        "</body>",
    ]
    if heavy:
        parts.insert(3, weight.mega_menu(ctx.site))
        parts.insert(-1, weight.footer_farm(ctx.site))
    body = "\n".join(parts)
    return f'<!DOCTYPE html>\n<html lang="{language}"{direction}>\n{head}\n{body}\n</html>\n'


def _listing(
    articles: tuple[GroundTruthArticle, ...] | list[GroundTruthArticle], ctx: PageContext
) -> str:
    items = []
    for article in articles:
        items.append(
            f'<li class="teaser"><h3><a href="{esc(article.path)}">{esc(article.title)}</a></h3>'
            f'<p class="teaser-summary">{esc(article.summary)}</p>'
            f'<time datetime="{iso_time(article.published, ctx.site)}">'
            f"{human_time(article.published, ctx.site)}</time></li>"
        )
    return f'<ul class="teasers">{"".join(items)}</ul>'


# --- listing pages ----------------------------------------------------------------------------


def render_home(ctx: PageContext) -> str:
    latest = ctx.index.newest[:HOME_LATEST]
    links = []
    for number, article in enumerate(latest):
        href = article.path
        if number % 3 == 1:
            href = f"{href}?{TRACKING}"  # tracking parameters a crawler must strip
        elif number % 5 == 4:
            href = f"{href}#comments"
        links.append(
            f'<li><a href="{esc(href)}">{esc(article.title)}</a> '
            f'<span class="section">{esc(article.section)}</span></li>'
        )
    sections = "".join(
        f'<li><a href="/section/{esc(name)}/">{esc(name.capitalize())}</a></li>'
        for name in ctx.site.sections
    )
    private = "".join(
        f'<li class="members"><a href="{esc(a.path)}">{esc(a.title)}</a></li>'
        for a in ctx.index.private.values()
    )
    tags = "".join(
        f'<li><a href="/tag/{esc(tag)}/">#{esc(tag)}</a></li>' for tag in sorted(ctx.index.tags)
    )
    lead = ""
    if latest:
        top = latest[0]
        lead = (
            f'<section class="lead"><h1><a href="{esc(top.path)}">{esc(top.title)}</a></h1>'
            f"<p>{esc(top.summary)}</p></section>"
        )
    hostile_links = _hostile_links(ctx) if ctx.site.hostile else ""
    main = (
        f'<main class="home">{lead}<section class="latest"><h2>Latest news</h2>'
        f"<ul>{''.join(links)}</ul></section>"
        f'<section class="sections"><h2>Sections</h2><ul>{sections}</ul></section>'
        f'<section class="members-only"><h2>For members</h2><ul>{private}</ul></section>'
        f'<section class="topics"><h2>Topics</h2><ul>{tags}</ul></section>{hostile_links}</main>'
    )
    head = _head(ctx, f"{ctx.site.title} - news, analysis and comment")
    return _page(ctx, head, main, language=ctx.site.language, seed="home")


def _hostile_links(ctx: PageContext) -> str:
    labels = {
        "huge_page": "The complete archive on one page",
        "gzip_bomb": "Compressed special edition",
        "redirect_loop": "Moved story",
        "calendar_trap": "Events calendar",
        "offsite_redirect": "Partner content",
        "not_found": "Deleted story",
        "server_error": "Live blog",
        "slow": "Slow-loading feature",
        "slow_headers": "Slow-starting feature",
        "pdf": "Annual report (PDF)",
        "image_as_article": "Photo of the day",
        "wrong_charset_header": "Arabic edition preview",
        "malformed_feed": "Breaking news feed (beta)",
        "malformed_sitemap": "Extra sitemap",
        "xxe_feed": "Entity feed",
    }
    items = "".join(
        f'<li><a href="{esc(ctx.web.hostile[kind])}">{esc(label)}</a></li>'
        for kind, label in labels.items()
    )
    return f'<section class="specials"><h2>Specials</h2><ul>{items}</ul></section>'


def section_pages(site: Site, count: int) -> int:
    pages = max(1, -(-count // site.style.page_size))
    limit = site.style.max_section_pages
    return pages if limit is None else min(pages, limit)


def render_section(ctx: PageContext, section: str, page: int) -> str | None:
    """Page ``page`` (1-based) of a section, or None when it does not exist."""
    if section not in ctx.site.sections:
        return None
    articles = ctx.index.sections[section]
    pages = section_pages(ctx.site, len(articles))
    if not 1 <= page <= pages:
        return None
    size = ctx.site.style.page_size
    shown = articles[(page - 1) * size : page * size]
    links = []
    extra = []
    if page > 1:
        previous = f"/section/{section}/" if page == 2 else f"/section/{section}/?page={page - 1}"
        links.append(f'<a rel="prev" href="{previous}">Newer</a>')
        extra.append(f'<link rel="prev" href="{ctx.base}{previous}">')
    links += [
        f'<a href="/section/{section}/?page={n}">{n}</a>' if n != page else f"<span>{n}</span>"
        for n in range(1, pages + 1)
    ]
    if page < pages:
        links.append(f'<a rel="next" href="/section/{section}/?page={page + 1}">Older</a>')
        extra.append(f'<link rel="next" href="{ctx.base}/section/{section}/?page={page + 1}">')
    canonical = f"/section/{section}/" + (f"?page={page}" if page > 1 else "")
    extra.append(f'<link rel="canonical" href="{ctx.base}{canonical}">')
    specials = ""
    if ctx.site.hostile and page == 1:
        specials = _hostile_links(ctx)
    main = (
        f'<main class="section-page"><h1>{esc(section.capitalize())}</h1>'
        f"{_listing(shown, ctx)}{specials}"
        f'<nav class="pagination">{" ".join(links)}</nav></main>'
    )
    title = f"{section.capitalize()} - page {page}{ctx.site.style.title_separator}{ctx.site.title}"
    head = _head(ctx, title, extra="\n".join(extra))
    return _page(ctx, head, main, language=ctx.site.language, seed=(section, page))


def render_tag(ctx: PageContext, tag: str) -> str | None:
    articles = ctx.index.tags.get(tag)
    if not articles:
        return None
    main = (
        f'<main class="tag-page"><h1>Topic: {esc(tag)}</h1>'
        f"{_listing(articles[:LISTING_LIMIT], ctx)}</main>"
    )
    head = _head(ctx, f"{tag}{ctx.site.style.title_separator}{ctx.site.title}")
    return _page(ctx, head, main, language=ctx.site.language, seed=("tag", tag))


def render_author(ctx: PageContext, slug: str) -> str | None:
    entry = ctx.index.authors.get(slug)
    if entry is None:
        return None
    name, articles = entry
    main = (
        f'<main class="author-page"><h1>{esc(name)}</h1>'
        f'<p class="bio">{esc(name)} writes for {esc(ctx.site.title)}.</p>'
        f"{_listing(articles[:LISTING_LIMIT], ctx)}</main>"
    )
    head = _head(ctx, f"{name}{ctx.site.style.title_separator}{ctx.site.title}")
    return _page(ctx, head, main, language=ctx.site.language, seed=("author", slug))


def render_search(ctx: PageContext, query: str) -> str:
    needle = query.casefold().strip()
    found = (
        [a for a in ctx.index.newest if needle in a.title.casefold()][:SEARCH_LIMIT]
        if needle
        else []
    )
    main = (
        f'<main class="search-page"><h1>Search results for “{esc(query)}”</h1>'
        f"<p>{len(found)} results</p>{_listing(found, ctx)}</main>"
    )
    head = _head(ctx, f"Search{ctx.site.style.title_separator}{ctx.site.title}")
    return _page(ctx, head, main, language=ctx.site.language, seed="search")


def render_static(ctx: PageContext, slug: str) -> str | None:
    texts = {
        "about": f"{ctx.site.title} is an independent newsroom covering local and world news.",
        "contact": "Write to the newsroom at the address printed in the weekend edition.",
        "privacy": "We store the minimum of data needed to run this site and never sell it.",
    }
    if slug not in texts:
        return None
    main = f'<main class="static"><h1>{esc(slug.capitalize())}</h1><p>{esc(texts[slug])}</p></main>'
    head = _head(ctx, f"{slug.capitalize()}{ctx.site.style.title_separator}{ctx.site.title}")
    return _page(ctx, head, main, language=ctx.site.language, seed=slug)


def render_not_found(ctx: PageContext) -> str:
    main = (
        '<main class="error"><h1>Page not found</h1>'
        "<p>The page you were looking for has moved or never existed.</p></main>"
    )
    head = _head(ctx, f"Not found{ctx.site.style.title_separator}{ctx.site.title}")
    return _page(ctx, head, main, language=ctx.site.language, seed="404")


# --- articles -------------------------------------------------------------------------------


def json_ld(ctx: PageContext, article: GroundTruthArticle) -> dict[str, object] | None:
    """The structured data the site embeds, in the shape its house style uses."""
    site = ctx.site
    kind = site.style.json_ld
    if kind == "none":
        return None
    url = ctx.base + article.canonical_path
    node: dict[str, object] = {
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": iso_time(article.published, site),
        "dateModified": iso_time(article.modified, site),
        "inLanguage": article.language,
        "articleSection": article.section,
        "keywords": ", ".join(article.tags),
        "description": article.summary,
        "mainEntityOfPage": url,
        "publisher": {"@type": "Organization", "name": site.title, "url": ctx.base + "/"},
    }
    if kind == "names":
        node["author"] = list(article.authors)
    else:
        people = [
            {"@type": "Person", "name": name, "url": f"{ctx.base}/author/{author_slug(name)}/"}
            for name in article.authors
        ]
        node["author"] = people[0] if kind == "graph" and len(people) == 1 else people
    if kind == "graph":
        page = {"@type": "WebPage", "@id": url, "url": url, "name": article.title}
        return {"@context": "https://schema.org", "@graph": [page, node]}
    return {"@context": "https://schema.org", **node}


def _json_ld_script(ctx: PageContext, article: GroundTruthArticle) -> str:
    data = json_ld(ctx, article)
    if data is None:
        return ""
    # "</" inside a script element would end it early.
    encoded = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{encoded}\n</script>'


def _meta(ctx: PageContext, article: GroundTruthArticle) -> str:
    site = ctx.site
    canonical = ctx.base + article.canonical_path
    tags = [
        f'<link rel="canonical" href="{esc(canonical)}">',
        f'<link rel="amphtml" href="{esc(ctx.base + article.amp_path)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{esc(article.title)}">',
        f'<meta property="og:url" content="{esc(canonical)}">',
        f'<meta property="og:site_name" content="{esc(site.title)}">',
        f'<meta property="og:description" content="{esc(article.summary)}">',
        f'<meta property="og:locale" content="{"ar_AR" if article.language == "ar" else "en_GB"}">',
        f'<meta property="article:published_time" content="{iso_time(article.published, site)}">',
        f'<meta property="article:modified_time" content="{iso_time(article.modified, site)}">',
        f'<meta property="article:section" content="{esc(article.section)}">',
        *(f'<meta property="article:tag" content="{esc(tag)}">' for tag in article.tags),
    ]
    if site.style.meta_author:
        tags.append(f'<meta name="author" content="{esc(", ".join(article.authors))}">')
    tags.append(_json_ld_script(ctx, article))
    return "\n".join(tags)


def _paragraph_html(article: GroundTruthArticle, paragraph: str) -> str:
    escaped = esc(paragraph)
    word = article.link_word
    if word and word in escaped:
        link = f'<a href="/tag/middle-east/">{esc(word)}</a>'
        escaped = escaped.replace(esc(word), link, 1)
    return f"<p>{escaped}</p>"


def _related(ctx: PageContext, article: GroundTruthArticle) -> list[GroundTruthArticle]:
    same = [a for a in ctx.index.sections.get(article.section, ()) if a.id != article.id]
    return same[:5]


def _comments(article: GroundTruthArticle) -> list[tuple[str, str]]:
    rng = random.Random(text.derive_seed(article.id, "comments"))
    generated = [
        (rng.choice(words.COMMENT_NAMES), rng.choice(words.COMMENTS))
        for _ in range(rng.randint(0, 4))
    ]
    return [*(article.comments or []), *generated]


def _comments_html(article: GroundTruthArticle) -> str:
    comments = _comments(article)
    items = "".join(
        f'<li class="comment"><p class="comment-author">{esc(author)}</p>'
        f'<p class="comment-text">{esc(body)}</p></li>'
        for author, body in comments
    )
    return (
        f'<section id="comments" class="comments"><h2>Comments ({len(comments)})</h2>'
        f"<ol>{items}</ol>"
        '<form class="comment-form" action="/comments" method="post">'
        '<textarea name="comment"></textarea><button>Post comment</button></form></section>'
    )


def _body_html(ctx: PageContext, article: GroundTruthArticle, rng: random.Random) -> str:
    parts = []
    related = _related(ctx, article)
    for number, paragraph in enumerate(article.paragraphs):
        parts.append(_paragraph_html(article, paragraph))
        if number == 2:
            parts.append(_ad(rng, "inline"))
        if number == 1 and related and ctx.site.style.key == "courier":
            pick = related[0]
            parts.append(
                '<aside class="read-more"><strong>Read more:</strong> '
                f'<a href="{esc(pick.path)}">{esc(pick.title)}</a></aside>'
            )
    return "\n".join(parts)


def _article_markup(ctx: PageContext, article: GroundTruthArticle, rng: random.Random) -> str:
    site = ctx.site
    key = site.style.key
    published = (
        f'<time datetime="{iso_time(article.published, site)}">'
        f"{human_time(article.published, site)}</time>"
    )
    updated = ""
    if article.modified > article.published:
        updated = (
            f' <span class="updated">Updated <time datetime="{iso_time(article.modified, site)}">'
            f"{human_time(article.modified, site)}</time></span>"
        )
    body = _body_html(ctx, article, rng)
    language = f' lang="{article.language}"' + (' dir="rtl"' if article.language == "ar" else "")
    tag_links = " ".join(f'<a href="/tag/{esc(t)}/">{esc(t)}</a>' for t in article.tags)
    if key == "post":
        return (
            f'<div class="post"{language}><h1 class="entry-title">{esc(article.title)}</h1>'
            f'<div class="entry-meta"><span class="author vcard">{_byline(article, True)}</span> '
            f'<span class="posted-on">{published}{updated}</span></div>'
            f'<div class="entry-content">{body}</div>'
            f'<div class="share-buttons"><a href="https://social.invalid/share">Share</a></div>'
            f'<div class="entry-tags">{tag_links}</div></div>'
        )
    if key == "courier":
        return (
            f'<section id="story"{language}><h1>{esc(article.title)}</h1>'
            f'<div class="byline-block">{_byline(article, False)} | Published {published}'
            f"{updated}</div>"
            '<figure class="lead-image"><img src="/static/lead.png" alt="" width="640" '
            'height="360"><figcaption>Photograph: Staff photographer</figcaption></figure>'
            f'<div class="text">{body}</div><p class="tags">{tag_links}</p></section>'
        )
    if key == "tribune":
        return (
            f'<main id="main"{language}><div class="article-header">'
            f'<p class="kicker">{esc(article.section.capitalize())}</p>'
            f'<h1 itemprop="headline">{esc(article.title)}</h1>'
            f'<p class="byline">{_byline(article, True)}</p>{published}{updated}</div>'
            f'<div itemprop="articleBody" class="article-body">{body}</div>'
            f'<div class="topics">{tag_links}</div></main>'
        )
    return (
        f'<article class="story"{language}><header>'
        f'<p class="kicker"><a href="/section/{esc(article.section)}/">'
        f"{esc(article.section.capitalize())}</a></p>"
        f'<h1 class="headline">{esc(article.title)}</h1>'
        f'<p class="standfirst">{esc(article.summary)}</p>'
        f'<p class="byline">{_byline(article, True)}</p>{published}{updated}</header>'
        f'<div class="story-body">{body}</div>'
        f'<footer class="story-tags">Topics: {tag_links}</footer></article>'
    )


def render_article(
    ctx: PageContext, article: GroundTruthArticle, *, charset: str | None = "utf-8"
) -> str:
    """The full article page; ``charset`` is what the page's meta tag declares (None: none)."""
    rng = random.Random(text.derive_seed(article.id, article.revisions))
    related = "".join(
        f'<li><a href="{esc(a.path)}">{esc(a.title)}</a></li>' for a in _related(ctx, article)
    )
    parts = [
        _article_markup(ctx, article, rng),
        f'<aside class="related"><h2>Related stories</h2><ul>{related}</ul></aside>',
        _comments_html(article),
    ]
    extra = _meta(ctx, article)
    heavy = ctx.site.page_weight == weight.REAL
    if heavy:
        # Its own generator, so the light parts above stay as they are on a light page.
        heavy_rng = random.Random(text.derive_seed(article.id, article.revisions, "weight"))
        newest = ctx.index.newest
        parts.insert(1, weight.after_article(heavy_rng, article, newest))
        extra = "\n".join((extra, weight.head_extra(ctx.site, ctx.base, article, newest)))
    main = "\n".join(parts)
    title = f"{article.title}{ctx.site.style.title_separator}{ctx.site.title}"
    head = _head(ctx, title, description=article.summary, extra=extra, charset=charset)
    return _page(ctx, head, main, language=article.language, seed=article.id, heavy=heavy)


def render_amp(ctx: PageContext, article: GroundTruthArticle) -> str:
    site = ctx.site
    direction = ' dir="rtl"' if article.language == "ar" else ""
    paragraphs = "\n".join(_paragraph_html(article, p) for p in article.paragraphs)
    return (
        f'<!doctype html>\n<html ⚡ lang="{article.language}"{direction}>\n<head>\n'
        '<meta charset="utf-8">\n'
        f"<title>{esc(article.title)}{site.style.title_separator}{esc(site.title)}</title>\n"
        f'<link rel="canonical" href="{esc(ctx.base + article.canonical_path)}">\n'
        '<meta name="viewport" content="width=device-width">\n'
        '<script async src="https://cdn.ampproject.org/v0.js"></script>\n'
        "<style amp-boilerplate>body{visibility:hidden}</style>\n"
        f"{_json_ld_script(ctx, article)}\n</head>\n<body>\n"
        f'<header class="amp-header"><a href="/">{esc(site.title)}</a></header>\n'
        f"<article><h1>{esc(article.title)}</h1>"
        f'<p class="byline">{_byline(article, False)}</p>'
        f'<time datetime="{iso_time(article.published, site)}">'
        f"{human_time(article.published, site)}</time>\n{paragraphs}\n"
        '<amp-ad width="300" height="250" type="adnetwork" data-slot="/amp/inline"></amp-ad>'
        f"</article>\n<footer>© {ctx.web.now.year} {esc(site.title)}</footer>\n</body>\n</html>\n"
    )


def render_plain_article(
    title: str, paragraphs: tuple[str, ...] | list[str], *, charset: str | None, language: str
) -> str:
    """A bare page for hostile endpoints that are not part of the ground truth."""
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    direction = ' dir="rtl"' if language == "ar" else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{language}"{direction}><head>{meta}'
        f"<title>{esc(title)}</title></head>"
        f"<body><article><h1>{esc(title)}</h1>{body}</article></body></html>\n"
    )


SITE_CSS = (
    "body{font-family:Georgia,serif;margin:0 auto;max-width:60rem}"
    ".cookie-consent{position:fixed;bottom:0;background:#222;color:#fff}"
    ".ad{border:1px dashed #999;padding:.5rem;font-size:.8rem}\n"
)
