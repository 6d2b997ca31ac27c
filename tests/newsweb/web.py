"""The news web: sites, their articles, the ground truth, and mutations for soak tests."""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from . import stories, text
from .factory import ArticleFactory
from .model import GAZA, RAFAH, WATCHLISTS, GroundTruthArticle, Site

_ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class SiteIndex:
    """An immutable snapshot of one site's listings; replaced as a whole on every change."""

    version: int
    newest: tuple[GroundTruthArticle, ...]  # newest first
    by_path: dict[str, GroundTruthArticle]  # unquoted path -> article
    by_amp_path: dict[str, GroundTruthArticle]
    private: dict[str, GroundTruthArticle]
    sections: dict[str, tuple[GroundTruthArticle, ...]]
    tags: dict[str, tuple[GroundTruthArticle, ...]]
    authors: dict[str, tuple[str, tuple[GroundTruthArticle, ...]]]  # slug -> (name, articles)
    last_modified: datetime


def author_slug(name: str) -> str:
    return text.slugify(name)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class NewsWeb:
    """All sites of one generated web and the ground truth about their articles.

    Mutations (``add_articles``, ``update_article``) are thread-safe and may run while the
    web is being served; the servers read consistent snapshots under ``lock``.
    """

    def __init__(
        self, seed: int, now: datetime, sites: list[Site], factory: ArticleFactory
    ) -> None:
        self.seed = seed
        self.now = now
        self.sites = sites
        self.articles: list[GroundTruthArticle] = []
        self.private: list[GroundTruthArticle] = []  # robots-disallowed; never to be fetched
        self.hostile: dict[str, str] = {}  # kind -> path on the hostile site
        self.hostile_site: str | None = None
        self.lock = threading.RLock()
        self.factory = factory  # creates articles with unique ids and paths
        self._sites = {site.name: site for site in sites}
        self._by_id: dict[str, GroundTruthArticle] = {}
        self._index: dict[str, SiteIndex] = {}
        self._base_urls: dict[str, str] = {}
        self._additions = 0

    # --- queries -------------------------------------------------------------------------

    def site(self, name: str) -> Site:
        return self._sites[name]

    def article(self, article_id: str) -> GroundTruthArticle:
        return self._by_id[article_id]

    def articles_for(self, site_name: str) -> list[GroundTruthArticle]:
        """The site's articles, newest first (robots-disallowed ones excluded)."""
        self.site(site_name)
        return list(self.index(site_name).newest)

    def matching(
        self, watchlist_name: str, *, include_too_old: bool = False
    ) -> list[GroundTruthArticle]:
        """Articles whose title or body matches the watch list.

        By default articles outside a 3-day lookback (``too_old``) are left out, so the result
        is what a correct crawl-and-match run should report.
        """
        if watchlist_name not in WATCHLISTS:
            raise KeyError(f"unknown watch list {watchlist_name!r}; known: {sorted(WATCHLISTS)}")
        return [
            article
            for article in self.articles
            if watchlist_name in article.watchlists and (include_too_old or not article.too_old)
        ]

    def copies(self) -> list[list[str]]:
        """Groups of article ids that are copies of one story (groups of two or more)."""
        groups: dict[str, list[str]] = defaultdict(list)
        for article in self.articles:
            groups[article.story].append(article.id)
        return sorted(sorted(ids) for ids in groups.values() if len(ids) > 1)

    def index(self, site_name: str) -> SiteIndex:
        return self._index[site_name]

    def lookup(self, site_name: str, path: str) -> GroundTruthArticle | None:
        """The article served at ``path`` (percent-encoded or not), if any."""
        return self.index(site_name).by_path.get(unquote(path))

    # --- building --------------------------------------------------------------------------

    def register(self, article: GroundTruthArticle, *, private: bool = False) -> None:
        """Add a new article to the ground truth (call ``reindex`` afterwards)."""
        (self.private if private else self.articles).append(article)
        self._by_id[article.id] = article
        if article.site in self._base_urls:
            article.url = self._base_urls[article.site] + article.path

    def reindex(self, site_name: str | None = None) -> None:
        """Rebuild listings and discovery flags (all sites, or one after a change)."""
        names = [site_name] if site_name else [site.name for site in self.sites]
        by_site: dict[str, list[GroundTruthArticle]] = {name: [] for name in names}
        for article in self.articles:
            if article.site in by_site:
                by_site[article.site].append(article)
        for name in names:
            self._index[name] = self._build_index(self.site(name), by_site[name])

    def _build_index(self, site: Site, articles: list[GroundTruthArticle]) -> SiteIndex:
        newest = tuple(sorted(articles, key=lambda a: (a.published, a.id), reverse=True))
        sections: dict[str, list[GroundTruthArticle]] = {name: [] for name in site.sections}
        tags: dict[str, list[GroundTruthArticle]] = defaultdict(list)
        authors: dict[str, tuple[str, list[GroundTruthArticle]]] = {}
        for article in newest:
            sections[article.section].append(article)
            for tag in article.tags:
                tags[tag].append(article)
            for name in article.authors:
                authors.setdefault(author_slug(name), (name, []))[1].append(article)
        self._set_discovery(site, newest, sections)
        private = [a for a in self.private if a.site == site.name]
        stamps = [a.modified for a in (*newest, *private)]
        return SiteIndex(
            version=site.version,
            newest=newest,
            by_path={unquote(a.path): a for a in newest},
            by_amp_path={unquote(a.amp_path): a for a in newest},
            private={unquote(a.path): a for a in private},
            sections={name: tuple(items) for name, items in sections.items()},
            tags={name: tuple(items) for name, items in tags.items()},
            authors={slug: (name, tuple(items)) for slug, (name, items) in authors.items()},
            last_modified=max(stamps, default=self.now),
        )

    @staticmethod
    def _set_discovery(
        site: Site,
        newest: tuple[GroundTruthArticle, ...],
        sections: dict[str, list[GroundTruthArticle]],
    ) -> None:
        for position, article in enumerate(newest):
            article.in_feed = position < site.style.feed_size
            article.in_sitemap = True
        limit = site.style.max_section_pages
        for items in sections.values():
            for position, article in enumerate(items):
                article.in_sections = limit is None or position < limit * site.style.page_size

    # --- serving ---------------------------------------------------------------------------

    def attach(self, base_urls: dict[str, str]) -> None:
        """Fill absolute URLs while served; ``detach`` restores paths."""
        with self.lock:
            if self._base_urls:
                raise RuntimeError("this NewsWeb is already being served")
            self._base_urls = dict(base_urls)
            for article in (*self.articles, *self.private):
                article.url = self._base_urls[article.site] + article.path

    def detach(self) -> None:
        with self.lock:
            self._base_urls = {}
            for article in (*self.articles, *self.private):
                article.url = article.path

    # --- mutations -------------------------------------------------------------------------

    def _tick(self, site_name: str) -> datetime:
        """A publication time strictly after everything on the site (HTTP dates are 1 s)."""
        latest = self.index(site_name).last_modified
        return max(utc_now(), self.now, latest + _ONE_SECOND)

    def _pick_site(self, site_name: str | None) -> Site:
        if site_name is not None:
            return self.site(site_name)
        ordinary = [site for site in self.sites if not site.hostile]
        return ordinary[self._additions % len(ordinary)]

    def add_articles(
        self, n: int, site: str | None = None, *, watchlist: str | None = None
    ) -> list[GroundTruthArticle]:
        """Publish ``n`` new articles now (round-robin over ordinary sites unless ``site``).

        With ``watchlist``, every new article mentions that watch list's phrase. Feeds,
        sitemaps and listings change, and so do their ETag and Last-Modified.
        """
        if watchlist is not None and watchlist not in WATCHLISTS:
            raise KeyError(f"unknown watch list {watchlist!r}")
        added = []
        with self.lock:
            for _ in range(n):
                target = self._pick_site(site)
                rng = random.Random(text.derive_seed(self.seed, "added", self._additions))
                self._additions += 1
                published = self._tick(target.name)
                section = rng.choice(sorted(target.sections))
                if watchlist is None:
                    article = self.factory.filler(target, section, published)
                else:
                    article = self._mentioning(target, section, watchlist, published, rng)
                self.register(article)
                target.version += 1
                self.reindex(target.name)
                added.append(article)
        return added

    def _mentioning(
        self,
        site: Site,
        section: str,
        watchlist: str,
        published: datetime,
        rng: random.Random,
    ) -> GroundTruthArticle:
        language = site.section_language(section)
        form = {
            ("en", GAZA): "exact",
            ("en", RAFAH): "rafah-exact",
            ("ar", GAZA): "ar-exact",
            ("ar", RAFAH): "ar-rafah",
        }[(language, watchlist)]
        variant = next(v for v in stories.VARIANTS if v.form == form)
        written = stories.write_variant(variant, rng, published.weekday(), site.style.text)
        return self.factory.written(site, section, written, published)

    def update_article(self, article_id: str, *, mention: str | None = None) -> GroundTruthArticle:
        """Revise an article: its body gains an update paragraph and its modified time moves.

        With ``mention`` (a watch list name) the update also mentions that watch list, and the
        ground truth's ``watchlists`` grows accordingly.
        """
        if mention is not None and mention not in WATCHLISTS:
            raise KeyError(f"unknown watch list {mention!r}")
        with self.lock:
            article = self.article(article_id)
            site = self.site(article.site)
            modified = self._tick(site.name)
            article.revisions += 1
            note = stories.update_paragraph(
                article.language, article.revisions, f"{modified:%H:%M:%S}"
            )
            if mention is not None:
                note = f"{note} {stories.UPDATE_MENTIONS[(article.language, mention)]}"
                article.watchlists.add(mention)
            article.paragraphs = [*article.paragraphs, note]
            article.modified = modified
            site.version += 1
            self.reindex(site.name)
            return article
