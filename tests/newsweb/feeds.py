"""Machine-readable files of a site: RSS 2.0, Atom, sitemaps and robots.txt."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime

from .model import GroundTruthArticle
from .pages import PageContext, esc

FEED_TRACKING = "utm_source=rss&utm_medium=feed"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def w3c(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def feed_articles(ctx: PageContext) -> tuple[GroundTruthArticle, ...]:
    return ctx.index.newest[: ctx.site.style.feed_size]


def _hostile_items(ctx: PageContext) -> list[tuple[str, str]]:
    """(title, path) of hostile endpoints a crawler meets in the hostile site's feed."""
    if not ctx.site.hostile:
        return []
    kinds = (
        ("slow", "A feature that takes its time"),
        ("huge_page", "Everything we ever published"),
        ("gzip_bomb", "Special compressed edition"),
        ("redirect_loop", "A story that moved"),
        ("offsite_redirect", "From our partners"),
        ("not_found", "A deleted story"),
        ("server_error", "Live blog"),
        ("pdf", "Annual report"),
        ("image_as_article", "Photo of the day"),
        ("wrong_charset_header", "Arabic edition preview"),
    )
    return [(title, ctx.web.hostile[kind]) for kind, title in kinds]


def _link(ctx: PageContext, article: GroundTruthArticle) -> str:
    url = ctx.base + article.path
    return f"{url}?{FEED_TRACKING}" if ctx.site.style.feed_tracking else url


def render_rss(ctx: PageContext) -> str:
    site = ctx.site
    items = []
    for article in feed_articles(ctx):
        if site.style.feed_tracking:
            guid = f'<guid isPermaLink="false">{esc(site.name)}-{esc(article.id)}</guid>'
        else:
            guid = f'<guid isPermaLink="true">{esc(ctx.base + article.path)}</guid>'
        items.append(
            "<item>"
            f"<title>{esc(article.title)}</title>"
            f"<link>{esc(_link(ctx, article))}</link>"
            f"{guid}"
            f"<pubDate>{http_date(article.published)}</pubDate>"
            f"<dc:creator>{esc(', '.join(article.authors))}</dc:creator>"
            f"<description>{esc(article.summary)}</description>"
            f"<category>{esc(article.section)}</category>"
            "</item>"
        )
    for title, path in _hostile_items(ctx):
        items.append(
            f"<item><title>{esc(title)}</title><link>{esc(ctx.base + path)}</link>"
            f'<guid isPermaLink="true">{esc(ctx.base + path)}</guid>'
            f"<pubDate>{http_date(ctx.index.last_modified)}</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
        f"<title>{esc(site.title)}</title>\n<link>{ctx.base}/</link>\n"
        f"<description>Latest news from {esc(site.title)}</description>\n"
        f"<language>{site.language}</language>\n"
        f"<lastBuildDate>{http_date(ctx.index.last_modified)}</lastBuildDate>\n"
        f'<atom:link href="{ctx.base}/rss.xml" rel="self" type="application/rss+xml"/>\n'
        + "\n".join(items)
        + "\n</channel>\n</rss>\n"
    )


def render_atom(ctx: PageContext) -> str:
    site = ctx.site
    entries = []
    for article in feed_articles(ctx):
        authors = "".join(f"<author><name>{esc(name)}</name></author>" for name in article.authors)
        entries.append(
            "<entry>"
            f"<id>tag:{esc(site.name)}.newsweb.test,{article.published:%Y-%m-%d}:{esc(article.id)}</id>"
            f"<title>{esc(article.title)}</title>"
            f'<link rel="alternate" type="text/html" href="{esc(_link(ctx, article))}"/>'
            f"<published>{w3c(article.published)}</published>"
            f"<updated>{w3c(article.modified)}</updated>"
            f"{authors}"
            f'<summary type="text">{esc(article.summary)}</summary>'
            f'<category term="{esc(article.section)}"/>'
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{site.language}">\n'
        f"<id>{ctx.base}/</id>\n<title>{esc(site.title)}</title>\n"
        f"<updated>{w3c(ctx.index.last_modified)}</updated>\n"
        f'<link rel="self" href="{ctx.base}/atom.xml"/>\n'
        f'<link rel="alternate" type="text/html" href="{ctx.base}/"/>\n'
        + "\n".join(entries)
        + "\n</feed>\n"
    )


def render_sitemap_index(ctx: PageContext) -> str:
    stamp = w3c(ctx.index.last_modified)
    paths = ["/sitemap-news.xml", "/sitemap-articles.xml"]
    if ctx.site.hostile:
        paths.append(ctx.web.hostile["malformed_sitemap"])
    entries = "".join(
        f"<sitemap><loc>{ctx.base}{path}</loc><lastmod>{stamp}</lastmod></sitemap>\n"
        for path in paths
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="{SITEMAP_NS}">\n{entries}</sitemapindex>\n'
    )


def render_news_sitemap(ctx: PageContext) -> str:
    """Google News sitemap: only recent articles (never the ten-day-old ones)."""
    site = ctx.site
    urls = []
    for article in ctx.index.newest:
        if article.too_old:
            continue
        urls.append(
            f"<url><loc>{esc(ctx.base + article.path)}</loc><news:news><news:publication>"
            f"<news:name>{esc(site.title)}</news:name>"
            f"<news:language>{article.language}</news:language></news:publication>"
            f"<news:publication_date>{w3c(article.published)}</news:publication_date>"
            f"<news:title>{esc(article.title)}</news:title></news:news></url>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n'
        + "\n".join(urls)
        + "\n</urlset>\n"
    )


def render_articles_sitemap(ctx: PageContext) -> str:
    urls = [
        f"<url><loc>{esc(ctx.base + a.path)}</loc><lastmod>{w3c(a.modified)}</lastmod></url>"
        for a in ctx.index.newest
    ]
    urls += [
        f"<url><loc>{esc(ctx.base + path)}</loc></url>" for _title, path in _hostile_items(ctx)
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="{SITEMAP_NS}">\n' + "\n".join(urls) + "\n</urlset>\n"
    )


def render_robots(ctx: PageContext) -> str:
    lines = [
        f"# robots.txt for {ctx.site.title}",
        "User-agent: *",
        "Disallow: /private/",
        "Disallow: /search",
        "",
        "User-agent: ExampleBadBot",
        "Disallow: /",
        "",
        f"Sitemap: {ctx.base}/sitemap.xml",
    ]
    if ctx.site.hostile:
        lines.append(f"Sitemap: {ctx.base}{ctx.web.hostile['malformed_sitemap']}")
    return "\n".join(lines) + "\n"
