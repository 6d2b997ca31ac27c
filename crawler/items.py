"""The items the spider hands to the pipeline.

An :class:`ArticleItem` is one extracted article plus how it was found; the pipeline stores it
through :func:`crawler.ingest.store_article`. Pages that turn out not to be articles never become
items: the spider records them as skipped itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.extract import ExtractedArticle


@dataclass
class ArticleItem:
    article: ExtractedArticle
    source: str
    discovered_url: str  # the URL the feed, sitemap or section page gave
    fetched_url: str  # the URL the page was finally served from (after redirects)
    discovery: str  # "feed" | "sitemap" | "section"
    feed_guid: str | None = None
    refetch: bool = False  # the one correction re-fetch of a stored article
    origins: tuple[str, ...] = field(default=(), repr=False)  # listing pages that led here
