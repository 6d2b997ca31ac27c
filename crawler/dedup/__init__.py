"""Deduplication: one row per article, one story per syndicated text.

- :mod:`crawler.dedup.urls`: the URL key that makes "one row per article" a UNIQUE constraint.
- :mod:`crawler.dedup.identity`: finding a stored article by URL key, feed GUID or content hash.
- :mod:`crawler.dedup.minhash`: shingles, MinHash signatures, LSH bands.
- :mod:`crawler.dedup.stories`: linking copies across outlets into stories, and reading them back.
"""

from crawler.dedup.identity import (
    content_hash,
    find_article_by_guid,
    find_article_by_url,
    find_exact_duplicate,
    find_existing_article,
    record_urls,
)
from crawler.dedup.stories import (
    Story,
    StoryArticle,
    StoryLinker,
    forget_article,
    refresh_story,
    stories_for,
)
from crawler.dedup.urls import (
    DEFAULT_TRACKING_PARAMETERS,
    InvalidUrlError,
    preferred_url,
    same_site,
    site_of,
    url_key,
)

__all__ = [
    "DEFAULT_TRACKING_PARAMETERS",
    "InvalidUrlError",
    "Story",
    "StoryArticle",
    "StoryLinker",
    "content_hash",
    "find_article_by_guid",
    "find_article_by_url",
    "find_exact_duplicate",
    "find_existing_article",
    "forget_article",
    "preferred_url",
    "record_urls",
    "refresh_story",
    "same_site",
    "site_of",
    "stories_for",
    "url_key",
]
