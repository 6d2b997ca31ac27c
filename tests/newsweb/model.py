"""Data classes of the local news web: sites, their house styles, and ground-truth articles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .text import TextSpec, TextStyle, paragraphs_for

# The watch lists the ground truth is defined against (query language of docs/query-language.md).
WATCHLISTS: dict[str, str] = {
    "Gaza ceasefire": '"Gaza ceasefire" OR "وقف إطلاق النار في غزة"',
    "Rafah crossing": '"Rafah crossing" OR "معبر رفح"',
}
GAZA = "Gaza ceasefire"
RAFAH = "Rafah crossing"


@dataclass(frozen=True)
class SiteStyle:
    """How one outlet builds its pages; sites differ so a crawler cannot overfit one layout."""

    key: str
    url_pattern: str  # "dated" | "section-slug-id" | "article-id" | "section-dated" | "ar-id"
    json_ld: str  # "full" | "graph" | "names" | "none"
    title_separator: str  # between headline and site name in <title>
    page_size: int  # articles per section page
    max_section_pages: int | None  # older articles drop out of section pages after this
    feed_size: int  # latest N articles in RSS and Atom
    gzip: bool  # compress responses when the client accepts gzip
    feed_tracking: bool  # feed links carry utm_* parameters
    utc_offset_minutes: int  # timezone used when the page prints dates
    meta_author: bool  # <meta name="author">; otherwise authors appear only in the byline
    text: TextStyle = field(default_factory=TextStyle)


@dataclass
class Site:
    name: str  # short id used in logs and ground truth, e.g. "ledger"
    title: str  # display name, e.g. "The Morning Ledger"
    style: SiteStyle
    sections: dict[str, str]  # section slug -> topic (see ARABIC_PREFIX)
    language: str = "en"
    hostile: bool = False
    version: int = 0  # bumped whenever an article is added or updated
    page_weight: str = "light"  # "real": article pages carry real sites' boilerplate (weight.py)

    def section_language(self, section: str) -> str:
        return "ar" if self.sections[section].startswith(ARABIC_PREFIX) else "en"


# Section topics: an English key of words.TOPICS, "ar:<key of words.ARABIC_TOPICS>", or
# ARABIC_MIXED for Arabic articles on any Arabic topic.
ARABIC_PREFIX = "ar:"
ARABIC_MIXED = "ar:*"


@dataclass(eq=False)
class GroundTruthArticle:
    """One article as the web serves it, and what a correct pipeline must conclude about it.

    ``paragraphs`` is generated on demand for filler articles (memory stays small at 10,000
    articles); hand-made and updated articles hold their paragraphs explicitly.
    """

    id: str
    site: str
    path: str  # as it appears in URLs (percent-encoded when the slug is Arabic)
    title: str
    authors: list[str]
    published: datetime  # UTC, aware
    modified: datetime  # UTC, aware; > published once the article has been updated
    language: str  # "en" or "ar"
    section: str
    url: str = ""  # absolute while the web is served, else equal to path
    canonical_path: str = ""
    amp_path: str = ""
    watchlists: set[str] = field(default_factory=set)
    near_miss: bool = False  # mentions parts of a watch term in a way that must not match
    story: str = ""  # shared by syndicated copies of one story; else the article's own id
    revisions: int = 0  # how many times the article was updated after publication
    too_old: bool = False  # published outside a 3-day lookback window
    in_feed: bool = False  # listed in /rss.xml and /atom.xml right now
    in_sitemap: bool = True  # listed in the sitemaps
    in_sections: bool = True  # reachable through section pagination
    form: str = "filler"  # how the article mentions (or nearly mentions) a watch term
    tags: list[str] = field(default_factory=list)
    charset_trap: str | None = None  # hostile encoding this page is served with, if any
    comments: list[tuple[str, str]] | None = None  # (author, text); None = generated
    link_word: str | None = None  # a word the page wraps in an inline link
    text_spec: TextSpec | None = field(default=None, repr=False)
    explicit_paragraphs: list[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.url = self.url or self.path
        self.canonical_path = self.canonical_path or self.path
        self.amp_path = self.amp_path or "/amp" + self.path
        self.story = self.story or self.id

    @property
    def paragraphs(self) -> list[str]:
        if self.explicit_paragraphs is not None:
            return list(self.explicit_paragraphs)
        assert self.text_spec is not None
        return paragraphs_for(self.text_spec)

    @paragraphs.setter
    def paragraphs(self, value: list[str]) -> None:
        self.explicit_paragraphs = list(value)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def text(self) -> str:
        """Title and body: the text the watch lists are matched against."""
        return f"{self.title}\n\n{self.body}"

    @property
    def summary(self) -> str:
        """The standfirst used in listings, feeds and meta descriptions (from the body)."""
        first = self.paragraphs[0]
        end = first.find(". ")
        sentence = first if end == -1 else first[: end + 1]
        return sentence if len(sentence) <= 240 else sentence[:237].rsplit(" ", 1)[0] + "…"

    def fingerprint(self) -> tuple[object, ...]:
        """Everything the ground truth says about the article, for equality checks."""
        return (
            self.id,
            self.site,
            self.path,
            self.title,
            tuple(self.paragraphs),
            tuple(self.authors),
            self.published,
            self.modified,
            self.language,
            self.section,
            tuple(sorted(self.watchlists)),
            self.near_miss,
            self.story,
            self.revisions,
            self.too_old,
            self.in_feed,
            self.in_sitemap,
            self.in_sections,
            self.form,
        )
