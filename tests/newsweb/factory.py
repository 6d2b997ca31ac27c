"""Turns generated or hand-made text into ground-truth articles with site-specific URLs."""

from __future__ import annotations

import random
from datetime import datetime
from urllib.parse import quote

from . import text, words
from .model import ARABIC_MIXED, ARABIC_PREFIX, GroundTruthArticle, Site
from .stories import Written

# Each outlet numbers its articles from a different base, as real CMSs do.
_ID_BASES = {
    "section-slug-id": 10000,
    "article-id": 500000,
    "ar-id": 70000,
}


class ArticleFactory:
    """Creates articles for the sites of one web; ids and paths are unique and deterministic."""

    def __init__(self, seed: int, sites: list[Site]) -> None:
        self.seed = seed
        self._counters = {site.name: 0 for site in sites}
        self._paths: set[tuple[str, str]] = set()
        self._staff = {site.name: self._make_staff(site) for site in sites}

    def _make_staff(self, site: Site) -> dict[str, list[str]]:
        rng = random.Random(text.derive_seed(self.seed, site.name, "staff"))
        english = sorted({text.person_name(rng, "en") for _ in range(12)})
        arabic = sorted({text.person_name(rng, "ar") for _ in range(5)})
        return {"en": english, "ar": arabic}

    def authors(self, rng: random.Random, site: Site, language: str) -> list[str]:
        staff = self._staff[site.name][language]
        return rng.sample(staff, 2 if rng.random() < 0.25 else 1)

    def _next_number(self, site: Site) -> int:
        self._counters[site.name] += 1
        return self._counters[site.name]

    def _path(self, site: Site, number: int, slug: str, section: str, published: datetime) -> str:
        pattern = site.style.url_pattern
        key = number + _ID_BASES.get(pattern, 0)
        slug = quote(slug, safe="-")
        candidates = {
            "dated": f"/{published:%Y/%m/%d}/{slug}.html",
            "section-slug-id": f"/news/{section}/{slug}-{key}",
            "article-id": f"/article/{key}/{slug}/",
            "section-dated": f"/{section}/{published:%Y/%m}/{slug}",
            "ar-id": f"/ar/{published:%Y/%m/%d}/{key}.html",
        }
        path = candidates[pattern]
        if (site.name, path) in self._paths:
            # Two stories with the same headline on one day: the CMS appends the number.
            path = candidates[pattern].replace(slug, f"{slug}-{number}", 1)
        self._paths.add((site.name, path))
        return path

    def _tags(self, rng: random.Random, topic: str, language: str) -> list[str]:
        pool = words.ARABIC_TOPICS[topic].tags if language == "ar" else words.TOPICS[topic].tags
        return rng.sample(pool, min(2, len(pool)))

    def filler(
        self, site: Site, section: str, published: datetime, *, too_old: bool = False
    ) -> GroundTruthArticle:
        """An unrelated article whose text is generated lazily from a seed."""
        number = self._next_number(site)
        seed = text.derive_seed(self.seed, site.name, number)
        rng = random.Random(seed)
        language = site.section_language(section)
        topic = site.sections[section]
        if topic == ARABIC_MIXED:
            topic = rng.choice(sorted(words.ARABIC_TOPICS))
        else:
            topic = topic.removeprefix(ARABIC_PREFIX)
        spec = text.TextSpec(
            seed=seed,
            topic=topic,
            language=language,
            style=site.style.text,
            paragraphs=rng.randint(5, 15),
            weekday=published.weekday(),
        )
        title = text.title_for(spec)
        return GroundTruthArticle(
            id=f"{site.name}-{number:05d}",
            site=site.name,
            path=self._path(site, number, text.slugify(title), section, published),
            title=title,
            authors=self.authors(rng, site, language),
            published=published,
            modified=published,
            language=language,
            section=section,
            too_old=too_old,
            tags=self._tags(rng, topic, language),
            text_spec=spec,
        )

    def written(
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
        """An article with explicit, hand-made text."""
        number = self._next_number(site)
        rng = random.Random(text.derive_seed(self.seed, site.name, number, "written"))
        if written.topic == "middle-east":
            tags = ["middle-east", rng.choice(("diplomacy", "aid", "united-nations"))]
        else:
            tags = self._tags(rng, written.topic, written.language)
        return GroundTruthArticle(
            id=f"{site.name}-{number:05d}",
            site=site.name,
            path=self._path(site, number, text.slugify(written.title), section, published),
            title=written.title,
            authors=authors or self.authors(rng, site, written.language),
            published=published,
            modified=published,
            language=written.language,
            section=section,
            watchlists=set(written.watchlists),
            near_miss=written.near_miss,
            story=story,
            too_old=too_old,
            form=written.form,
            tags=tags,
            comments=[("reader_4471", written.comment)] if written.comment else None,
            link_word=written.link_word,
            explicit_paragraphs=list(written.paragraphs),
        )
