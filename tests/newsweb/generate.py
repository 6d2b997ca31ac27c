"""``generate_web``: builds a deterministic news web from a seed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from . import hostile, stories, text, words
from .factory import ArticleFactory
from .model import ARABIC_MIXED, ARABIC_PREFIX, GAZA, RAFAH, GroundTruthArticle, Site, SiteStyle
from .stories import Written
from .web import NewsWeb, utc_now
from .weight import PAGE_WEIGHTS

HOSTILE_SITE = "hostile"

STYLES: dict[str, SiteStyle] = {
    "ledger": SiteStyle(
        key="ledger",
        url_pattern="dated",
        json_ld="full",
        title_separator=" | ",
        page_size=10,
        max_section_pages=None,
        feed_size=20,
        gzip=False,
        feed_tracking=False,
        utc_offset_minutes=0,
        meta_author=True,
        text=text.TextStyle(" percent", ("“", "”"), (2, 4), False),
    ),
    "post": SiteStyle(
        key="post",
        url_pattern="section-slug-id",
        json_ld="graph",
        title_separator=" | ",
        page_size=12,
        max_section_pages=None,
        feed_size=15,
        gzip=True,
        feed_tracking=True,
        utc_offset_minutes=120,
        meta_author=True,
        text=text.TextStyle("%", ('"', '"'), (1, 2), True),
    ),
    "courier": SiteStyle(
        key="courier",
        url_pattern="article-id",
        json_ld="none",
        title_separator=" | ",
        page_size=5,
        max_section_pages=2,
        feed_size=25,
        gzip=False,
        feed_tracking=False,
        utc_offset_minutes=0,
        meta_author=False,
        text=text.TextStyle(" per cent", ("‘", "’"), (3, 5), False),
    ),
    "tribune": SiteStyle(
        key="tribune",
        url_pattern="section-dated",
        json_ld="names",
        title_separator=" - ",
        page_size=15,
        max_section_pages=None,
        feed_size=20,
        gzip=True,
        feed_tracking=False,
        utc_offset_minutes=-300,
        meta_author=True,
        text=text.TextStyle(" percent", ('"', '"'), (2, 3), False),
    ),
    "wasat": SiteStyle(
        key="wasat",
        url_pattern="ar-id",
        json_ld="full",
        title_separator=" | ",
        page_size=10,
        max_section_pages=None,
        feed_size=20,
        gzip=False,
        feed_tracking=False,
        utc_offset_minutes=180,
        meta_author=True,
    ),
    "hostile": SiteStyle(
        key="hostile",
        url_pattern="dated",
        json_ld="full",
        title_separator=" | ",
        page_size=10,
        max_section_pages=None,
        feed_size=20,
        gzip=False,
        feed_tracking=False,
        utc_offset_minutes=0,
        meta_author=True,
    ),
}

_SECTIONS: dict[str, dict[str, str]] = {
    "ledger": {s: s for s in ("world", "politics", "business", "science", "sport", "culture")},
    "post": {s: s for s in ("world", "business", "technology", "sport", "health")},
    "courier": {
        **{s: s for s in ("world", "environment", "business", "culture")},
        "arabic": ARABIC_MIXED,
    },
    "tribune": {s: s for s in ("world", "politics", "health", "science", "sport")},
    "wasat": {
        "news": ARABIC_MIXED,
        **{s: f"{ARABIC_PREFIX}{s}" for s in ("economy", "sport", "science", "culture")},
    },
}
# (name, title) per site; styles repeat every five sites.
_SITE_NAMES = (
    ("ledger", "The Morning Ledger"),
    ("post", "Metro Post"),
    ("courier", "Harbour Courier"),
    ("tribune", "Northern Tribune"),
    ("wasat", "الوسط اليوم"),
    ("gazette", "The Valley Gazette"),
    ("chronicle", "Evening Chronicle"),
    ("herald", "The Coastal Herald"),
    ("observer", "The Weekly Observer"),
    ("nahar", "النهار الجديد"),
)
_STYLE_ORDER = ("ledger", "post", "courier", "tribune", "wasat")


def make_sites(count: int, with_hostile: bool) -> list[Site]:
    sites = []
    for index in range(count):
        style = STYLES[_STYLE_ORDER[index % len(_STYLE_ORDER)]]
        name, title = _SITE_NAMES[index % len(_SITE_NAMES)]
        if index >= len(_SITE_NAMES):
            round_number = index // len(_SITE_NAMES) + 1
            name, title = f"{name}-{round_number}", f"{title} {round_number}"
        sections = dict(_SECTIONS[style.key])
        language = "ar" if style.key == "wasat" else "en"
        sites.append(
            Site(name=name, title=title, style=style, sections=sections, language=language)
        )
    if not any(site.section_language(s) == "ar" for site in sites for s in site.sections):
        # Small webs still carry the Arabic stories: the last site gets an Arabic edition.
        sites[-1].sections["arabic"] = ARABIC_MIXED
    if with_hostile:
        sites.append(
            Site(
                name=HOSTILE_SITE,
                title="The Hostile Times",
                style=STYLES["hostile"],
                sections={"news": "world", "features": "culture"},
                hostile=True,
            )
        )
    return sites


class _Planner:
    """Places hand-made stories and filler on the sites with realistic publication times."""

    def __init__(self, seed: int, now: datetime, sites: list[Site], web: NewsWeb) -> None:
        self.rng = random.Random(text.derive_seed(seed, "plan"))
        self.now = now
        self.web = web
        self.factory: ArticleFactory = web.factory
        ordinary = [site for site in sites if not site.hostile]
        self.english = [site for site in ordinary if "world" in site.sections]
        self.arabic = [
            (site, section)
            for site in ordinary
            for section, topic in site.sections.items()
            if topic == ARABIC_MIXED
        ]
        self.count = {site.name: 0 for site in sites}

    def recent(self, low_hours: float = 0.2, high_hours: float = 46.0) -> datetime:
        seconds = self.rng.randint(int(low_hours * 3600), int(high_hours * 3600))
        return self.now - timedelta(seconds=seconds)

    def old(self) -> datetime:
        return self.now - timedelta(days=10, seconds=self.rng.randint(0, 20 * 3600))

    def add(
        self,
        site: Site,
        section: str,
        written: Written,
        published: datetime,
        *,
        story: str = "",
        authors: list[str] | None = None,
        too_old: bool = False,
    ) -> GroundTruthArticle:
        article = self.factory.written(
            site, section, written, published, story=story, authors=authors, too_old=too_old
        )
        self.web.register(article)
        self.count[site.name] += 1
        return article

    def english_section(self, site: Site, preferred: str) -> str:
        return preferred if preferred in site.sections else "world"

    # --- hand-made content -------------------------------------------------------------

    def variants(self, total_articles: int) -> None:
        extra = max(0, total_articles // 40 - len(stories.VARIANTS))
        for number in range(len(stories.VARIANTS) + extra):
            variant = stories.VARIANTS[number % len(stories.VARIANTS)]
            published = self.recent(4.0, 44.0)
            if variant.language == "ar":
                if not self.arabic:
                    continue
                site, section = self.arabic[number % len(self.arabic)]
            else:
                if not self.english:
                    continue
                site, section = self.english[number % len(self.english)], "world"
            written = stories.write_variant(variant, self.rng, published.weekday(), site.style.text)
            article = self.add(site, section, written, published)
            if number == 0:
                self._mark_updated(article)

    def _mark_updated(self, article: GroundTruthArticle) -> None:
        """The live story of the day: already revised once before any crawl."""
        article.revisions = 1
        article.modified = article.published + timedelta(hours=2)
        stamp = f"{article.modified:%H:%M:%S}"
        article.paragraphs = [*article.paragraphs, stories.update_paragraph("en", 1, stamp)]

    def wire_story(self) -> None:
        if len(self.english) < 2:
            return
        start = self.recent(8.0, 30.0)
        weekday = start.weekday()
        base = stories.wire_paragraphs(weekday)
        reporter = text.person_name(self.rng)
        published = start
        for copy, site in enumerate(self.english[:3]):
            if copy == 0:
                title = stories.WIRE_TITLE
                paragraphs = stories.dateline("Cairo", base)
                authors = [reporter]
            elif copy == 1:
                title = stories.WIRE_TITLE_CHANGED
                paragraphs = stories.edit_copy(self.rng, base[:-1])
                authors = [reporter]
            else:
                extra = " ".join(self.rng.sample(stories.CONTEXT_EN, 2))
                extra = extra.replace("{day}", words.WEEKDAYS[weekday])
                title = stories.WIRE_TITLE
                paragraphs = stories.edit_copy(self.rng, [*base, extra])
                authors = [reporter, self.factory.authors(self.rng, site, "en")[0]]
            written = Written(title, paragraphs, "syndicated", "en", {GAZA})
            self.add(site, "world", written, published, story="story-wire-gaza", authors=authors)
            published += timedelta(minutes=self.rng.randint(7, 45))
        if self.arabic:
            site, section = self.arabic[0]
            translation = Written(
                stories.WIRE_TITLE_AR,
                stories.wire_paragraphs(weekday, "ar"),
                "translation",
                "ar",
                {GAZA},
            )
            self.add(site, section, translation, start + timedelta(minutes=90))

    def syndicated(self, story: str, topic: str, mention: str | None) -> None:
        """A generated wire story on two or three English sites, edited by each desk."""
        if len(self.english) < 2:
            return
        start = self.recent(3.0, 40.0)
        weekday = start.weekday()
        style = self.english[0].style.text
        base = [text.english_paragraph(self.rng, topic, style, weekday) for _ in range(8)]
        title = text.english_title(self.rng, topic, style, weekday)
        watchlists: set[str] = set()
        if mention is not None:
            sentence = {
                GAZA: "Negotiators said the Gaza ceasefire had largely held since the weekend.",
                RAFAH: "The Rafah crossing reopened to travellers, border officials said.",
            }[mention]
            base[1] = f"{base[1]} {sentence}"
            watchlists = {mention}
        copies = self.rng.sample(self.english, min(len(self.english), self.rng.choice((2, 3))))
        published = start
        for number, site in enumerate(copies):
            paragraphs = list(base)
            copy_title = title
            if number == 0:
                paragraphs = stories.dateline(self.rng.choice(words.CITIES), paragraphs)
            elif number == 1:
                paragraphs = stories.edit_copy(self.rng, paragraphs[:-1])
                copy_title = text.english_title(self.rng, topic, style, weekday)
            else:
                local = text.english_paragraph(self.rng, topic, site.style.text, weekday)
                paragraphs = stories.edit_copy(self.rng, [*paragraphs, local])
            written = Written(copy_title, paragraphs, "syndicated", "en", set(watchlists))
            written.topic = topic
            section = self.english_section(site, topic)
            self.add(site, section, written, published, story=story)
            published += timedelta(minutes=self.rng.randint(5, 50))

    def hard_negatives(self) -> None:
        if not self.english:
            return
        first = self.english[0]
        for hours in (28.0, 5.0):
            published = self.recent(hours, hours + 1.0)
            title, paragraphs = stories.market_report(
                self.rng, published.weekday(), first.style.text
            )
            written = Written(title, paragraphs, "same-template", "en", topic="business")
            self.add(first, self.english_section(first, "business"), written, published)
        second = self.english[1] if len(self.english) > 1 else first
        event = self.recent(6.0, 20.0)
        for variant, site in enumerate((first, second)):
            title, paragraphs = stories.rail_story(
                self.rng, variant, event.weekday(), site.style.text
            )
            written = Written(title, paragraphs, "same-event-shared-quote", "en", topic="politics")
            published = event + timedelta(minutes=40 * variant)
            self.add(site, self.english_section(site, "politics"), written, published)

    def too_old_match(self) -> None:
        if not self.english:
            return
        site = self.english[0]
        variant = next(v for v in stories.VARIANTS if v.form == "exact")
        published = self.old()
        written = stories.write_variant(variant, self.rng, published.weekday(), site.style.text)
        written.form = "too-old"
        self.add(site, "world", written, published, too_old=True)

    # --- filler, private pages, hostile site ---------------------------------------------

    def fillers(self, site: Site, target: int) -> None:
        remaining = target - self.count[site.name]
        sections = sorted(site.sections)
        for number in range(max(0, remaining)):
            too_old = number < 2 and remaining >= 8
            published = self.old() if too_old else self.recent()
            section = self.rng.choice(sections)
            article = self.factory.filler(site, section, published, too_old=too_old)
            self.web.register(article)
            self.count[site.name] += 1

    def private_page(self, site: Site) -> None:
        written = Written(
            stories.PRIVATE_TITLE, list(stories.PRIVATE_PARAGRAPHS), "private", "en", {RAFAH}
        )
        section = next(iter(site.sections))
        article = self.factory.written(site, section, written, self.recent(1.0, 20.0))
        path = f"/private/{text.slugify(written.title)}.html"
        article.path = article.url = article.canonical_path = path
        article.amp_path = "/amp" + path
        self.web.register(article, private=True)

    def hostile_site(self, site: Site, target: int) -> None:
        cp1252 = Written(
            stories.CP1252_TITLE,
            list(stories.CP1252_PARAGRAPHS),
            "charset:cp1252-declared-utf8",
            "en",
            topic="culture",
        )
        no_charset = Written(
            stories.NO_CHARSET_TITLE,
            list(stories.NO_CHARSET_PARAGRAPHS),
            "charset:undeclared-utf8",
            "en",
            {RAFAH},
        )
        wrong = self.add(site, "features", cp1252, self.recent(2.0, 30.0))
        wrong.charset_trap = hostile.CP1252_DECLARED_UTF8
        missing = self.add(site, "news", no_charset, self.recent(2.0, 30.0))
        missing.charset_trap = hostile.UNDECLARED_UTF8
        self.fillers(site, target)
        self.web.hostile_site = site.name
        self.web.hostile = {
            **hostile.endpoint_paths(self.now),
            "wrong_charset": wrong.path,
            "no_charset": missing.path,
        }


def generate_web(
    seed: int = 0,
    sites: int = 3,
    articles_per_site: int = 30,
    now: datetime | None = None,
    hostile: bool = True,
    page_weight: str = "light",
) -> NewsWeb:
    """Generate a deterministic news web (same seed and ``now``, same ground truth).

    ``sites`` ordinary sites get ``articles_per_site`` articles each (more if the hand-made
    stories do not fit); with ``hostile`` an extra site named "hostile" serves the hostile
    endpoints listed in ``web.hostile``. Articles are published in the ~2 days before
    ``now`` (default: the current UTC time), except a few ``too_old`` ones ten days back.
    ``page_weight="real"`` pads article pages with the boilerplate of real news sites to about
    the corpus's median page size (see :mod:`tests.newsweb.weight`); the ground truth and what
    an extractor should find stay the same.
    """
    if sites < 1:
        raise ValueError("a news web needs at least one site")
    if articles_per_site < 0:
        raise ValueError("articles_per_site must not be negative")
    if page_weight not in PAGE_WEIGHTS:
        raise ValueError(f"page_weight must be one of {PAGE_WEIGHTS}, not {page_weight!r}")
    if now is None:
        now = utc_now()
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC).replace(microsecond=0)
    site_list = make_sites(sites, hostile)
    for site in site_list:
        site.page_weight = page_weight
    web = NewsWeb(seed, now, site_list, ArticleFactory(seed, site_list))
    planner = _Planner(seed, now, site_list, web)
    total = sites * articles_per_site
    planner.variants(total)
    planner.wire_story()
    planner.syndicated("story-wire-business", "business", None)
    for number in range(total // 250):
        mention = (GAZA, RAFAH, None)[number % 3]
        topic = planner.rng.choice(("business", "world", "technology", "science"))
        planner.syndicated(f"story-wire-{number:03d}", topic, mention)
    planner.hard_negatives()
    planner.too_old_match()
    for site in site_list:
        if site.hostile:
            planner.hostile_site(site, min(articles_per_site, 12))
        else:
            planner.fillers(site, articles_per_site)
        planner.private_page(site)
    web.reindex()
    return web
